"""Engine messages: every code renders in 中文 and English, and what a manager meets reads in Chinese."""

from __future__ import annotations

import ast
import pickle
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from analysis.calendar import CalendarError, FiscalYear, WorkCalendar
from analysis.i18n import LANGS, TEXT
from analysis.messages import Message, message_of, render
from analysis.plan import apply_month_grid, build_plan, catch_up, demo_reps
from analysis.planning import PlanRequest, validate
from analysis.rebalance import EditHistory, Locks, RebalanceError, edit_cell, edit_rep_total, rebalance
from analysis.spread import PlanInputError, check_target, spread_target

ROOT = Path(__file__).resolve().parents[2]
D = Decimal
CODES = sorted(k for k in TEXT if k.startswith("msg."))
HAN = re.compile(r"[\u4e00-\u9fff]")


def fields(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)", text))


def zh(exc_or_msg: object) -> str:
    """The Chinese text, checked to be Chinese and fully formatted."""
    text = render(exc_or_msg, "zh")
    assert HAN.search(text), text
    assert "{" not in text and "msg." not in text, text
    return text


def matching(code: str, kws: set[str], is_prefix: bool) -> list[str]:
    """The codes a call can produce: itself, or for f"msg.x.{y}" those with the call's params."""
    if not is_prefix:
        return [code] if code in TEXT else []
    return [c for c in CODES if c.startswith(code) and fields(TEXT[c]["en"]) == kws]


def message_calls() -> list[tuple[str, str, set[str], bool]]:
    """(file, code or code prefix, keyword names, is_prefix) of every Message(...) in the code."""
    out = []
    for path in [*(ROOT / "analysis").glob("*.py"), *(ROOT / "components").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Message" and node.args):
                continue
            first, kws = node.args[0], {k.arg for k in node.keywords if k.arg}
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                out.append((path.name, first.value, kws, False))
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                out.append((path.name, str(first.values[0].value), kws, True))
    return out


class TestTable:
    @pytest.mark.parametrize("code", CODES)
    def test_every_code_renders_in_both_languages_with_its_params(self, code: str) -> None:
        params = {f: f"<{f}>" for f in fields(TEXT[code]["en"])}
        msg = Message(code, **params)
        for lang in LANGS:
            text = msg.render(lang)
            assert text and "{" not in text, (code, lang, text)
            assert all(v in text for v in params.values()), (code, lang, text)
        assert HAN.search(msg.render("zh")) or "：" in msg.render("zh"), code  # "{a}：{b}" joins two
        assert str(msg) == msg.render("en")

    def test_the_engine_uses_codes_that_exist_with_the_right_params(self) -> None:
        calls = message_calls()
        assert len(calls) > 80, "the scan found too few Message calls: it is broken"
        for file, code, kws, is_prefix in calls:
            assert matching(code, kws, is_prefix), (file, code, kws)
            if not is_prefix:
                assert fields(TEXT[code]["en"]) == kws, (file, code, kws)

    def test_every_code_is_used(self) -> None:
        used = {c for _f, code, kws, p in message_calls() for c in matching(code, kws, p)}
        assert sorted(set(CODES) - used) == []


class TestMessage:
    def test_is_its_english_sentence(self) -> None:
        msg = Message("msg.plan.target_negative", amount="-5")
        assert msg == "the target must not be negative (got -5)"
        assert isinstance(msg, str) and str(PlanInputError(msg)) == msg
        assert render(PlanInputError(msg), "zh") == "目标不能为负数（输入的是 -5）。"

    def test_nested_messages_render_in_the_same_language(self) -> None:
        inner = Message("msg.rebalance.locked", cell="A")
        outer = Message("msg.rebalance.in", where="2027-03", msg=inner)
        assert outer == "2027-03: A is locked: unlock it before editing"
        assert outer.render("zh") == "2027-03：A 已锁定：请先解锁再修改。"

    def test_survives_pickling(self) -> None:  # st.cache_data pickles PlanInputs and its notes
        msg = Message("msg.rebalance.in", where="x", msg=Message("msg.rebalance.nothing_to_undo"))
        back = pickle.loads(pickle.dumps(msg))
        assert back == msg and back.code == msg.code and back.render("zh") == msg.render("zh")

    def test_plain_text_stays_as_it_is(self) -> None:
        assert render(ValueError("boom"), "zh") == "boom"
        assert render("text", "zh") == "text"
        assert message_of(ValueError("boom")) == "boom"


def refusal(fn: object) -> Exception:
    assert callable(fn)
    with pytest.raises((PlanInputError, RebalanceError, CalendarError)) as info:
        fn()
    return info.value


FY = FiscalYear(2027)
CAL = WorkCalendar("weekdays")


class TestPlanRefusals:
    """The refusals a manager meets first: English unchanged, Chinese on the Chinese page."""

    @pytest.mark.parametrize(
        "fn,english,chinese",
        [
            (
                lambda: check_target(D(-5), D(1)),
                "the target must not be negative (got -5.00)",
                "目标不能为负数（输入的是 -5.00）。",
            ),
            (
                lambda: validate(PlanRequest(year=2027, target=D(-1))),
                "the target must not be negative (got -1)",
                "目标不能为负数（输入的是 -1）。",
            ),
            (
                lambda: check_target(D(1_000_050), D(100)),
                "the target 1,000,050.00 is not a multiple of the rounding unit 100: use 1,000,000.00 or "
                "1,000,100.00, or a smaller unit",
                "目标 1,000,050.00 不是取整单位 100 的整数倍：请改为 1,000,000.00 或 1,000,100.00，或选择更小的取整单位。",
            ),
            (
                lambda: spread_target(D(100), FY, CAL, "custom", params={"custom": {"Q1": 50, "Q2": 55}}),
                "custom percentages must total exactly 100 %; they total 105 %",
                "自定义百分比合计必须正好是 100%；现在合计 105%。",
            ),
            (
                lambda: spread_target(D(100), FY, CAL, "seasonality"),
                "the seasonality method needs last year's actual sales; there are none for FY2026 "
                "(2026-01-01 .. 2026-12-31). Import them or choose another method.",
                "“按去年季节性”方法需要去年的实际销售，但 FY2026 (2026-01-01 .. 2026-12-31) 没有数据。",
            ),
            (
                lambda: spread_target(D(100), FY, CAL, "growth"),
                "the growth method needs last year's actual sales",
                "“去年实际 × (1+增长率)”方法需要去年的实际销售",
            ),
            (
                lambda: FiscalYear(2027, 13),
                "fiscal year start month must be 1-12, got 13",
                "财年起始月必须是 1-12，输入的是 13。",
            ),
        ],
    )
    def test_setup_refusals(self, fn: object, english: str, chinese: str) -> None:
        exc = refusal(fn)
        assert english in str(exc)
        assert chinese in zh(exc)

    def test_manual_amounts_that_do_not_sum(self) -> None:
        reps = demo_reps(3, teams=1)
        manual = {"R0000": 100, "R0001": 100, "R0002": 100}
        exc = refusal(
            lambda: build_plan(
                2027, D(1000), reps=reps, allocate_method="manual", allocate_params={"manual": manual}
            )
        )
        assert str(exc) == "manual rep amounts total 300.00 but the target is 1,000.00 (difference 700.00)"
        assert zh(exc) == "各销售人员的手工金额合计 300.00，但目标是 1,000.00（相差 700.00）。"

    def test_a_month_without_working_day(self) -> None:
        february = [date(2027, 2, 1) + timedelta(days=i) for i in range(28)]
        cal = WorkCalendar("weekdays", extra_holidays=frozenset(february))
        plan = build_plan(2027, D(120_000), reps=demo_reps(2, teams=1), calendar=cal, spread_method="even")
        exc = refusal(lambda: apply_month_grid(plan, {(plan.rep_ids[0], "2027-02"): D(1000)}))
        assert str(exc) == "2027-02 has no working day to carry a target for R0000"
        assert zh(exc) == "2027-02 没有工作日，无法承载 R0000 的目标。"


GRID = {("a", "2027-01"): D(100), ("a", "2027-02"): D(200), ("a", "2027-03"): D(300)}
TEAM = {"a": "t", "b": "t"}


class TestRebalanceRefusals:
    @pytest.mark.parametrize(
        "fn,english,chinese",
        [
            (
                lambda: edit_cell(
                    GRID, ("a", "2027-01"), D(50), team_of=TEAM, locks=Locks(columns=frozenset({"2027-01"}))
                ),
                "a / 2027-01 is locked: unlock it before editing",
                "a / 2027-01 已锁定：请先解锁再修改。",
            ),
            (
                lambda: edit_cell(GRID, ("a", "2027-01"), D(700), team_of=TEAM),
                "the new value is too large: edited and locked cells add up to 700 (locked 0), more than the "
                "total 600; at most 600 can go to the edited cell(s)",
                "新值太大：修改和锁定的单元格合计 700（其中锁定 0），超过了总数 600；修改的单元格最多只能是 600。",
            ),
            (
                lambda: edit_cell(GRID, ("a", "2027-01"), D(-1), team_of=TEAM),
                "('a', '2027-01'): a target cannot be negative (-1)",
                "('a', '2027-01')：目标不能为负数（-1）。",
            ),
            (
                lambda: edit_cell(GRID, ("a", "2027-01"), D(150), team_of=TEAM, unit=D(100)),
                "('a', '2027-01'): 150 is not a multiple of the rounding unit 100",
                "('a', '2027-01')：150 不是取整单位 100 的整数倍。",
            ),
            (
                lambda: rebalance({"x": D(1), "y": D(2)}, {"x": D(0)}, ["y"], total=D(3)),
                "all other cells are locked, so the change of 1 has nowhere to go",
                "其他单元格都已锁定，1 的变化无处分摊：请解锁一个单元格或修改合计。",
            ),
            (
                lambda: edit_rep_total(
                    GRID, "a", D(10), team_of={"a": "t"}, locks=Locks(rows=frozenset({"a"}))
                ),
                "a's months are all locked",
                "a 的所有月份都已锁定",
            ),
            (lambda: EditHistory.start(GRID).undo(), "nothing to undo", "没有可撤销的操作。"),
        ],
    )
    def test_refusals(self, fn: object, english: str, chinese: str) -> None:
        exc = refusal(fn)
        assert english in str(exc)
        assert chinese in zh(exc)


class TestNotesAndExplanations:
    def test_catch_up_notes(self) -> None:
        plan = build_plan(2027, D(120_000), reps=demo_reps(2, teams=1), unit=D(1))
        big = pd.DataFrame({"rep_id": ["R0000"], "day": [date(2027, 3, 1)], "amount": [D(500_000)]})
        notes = catch_up(plan, big, date(2027, 6, 30), elapsed="actual").notes
        assert "already above the annual target, nothing left to plan: R0000" in notes
        assert "the company is already above its annual target: nothing left to plan" in notes
        chinese = [zh(n) for n in notes]
        assert "已超过年度目标，剩余期间不再安排目标：R0000" in chinese
        assert "公司已超过年度目标：剩余期间不再安排目标。" in chinese

    def test_surplus_note(self) -> None:
        plan = build_plan(2027, D(120_000), reps=demo_reps(2, teams=1), unit=D(1))
        annual = D(int(plan.cents[0].sum())).scaleb(-2)
        some = pd.DataFrame({"rep_id": ["R0000"], "day": [date(2027, 3, 1)], "amount": [annual + 10_000]})
        notes = catch_up(plan, some, date(2027, 6, 30), elapsed="actual").notes
        [note] = [n for n in notes if isinstance(n, Message) and n.code == "msg.note.surplus_reduced"]
        assert note.startswith("reps above target sold 10,000.00 beyond it")
        assert zh(note).startswith("超额完成的销售人员比目标多卖了 10,000.00")

    def test_explanations(self) -> None:
        reps = demo_reps(3, teams=1).assign(name=["张伟", "李娜", "王芳"])
        history = pd.DataFrame({"rep_id": ["R0000", "R0001"], "amount": [300.0, 100.0]})
        plan = build_plan(
            2027, D(1200), reps=reps, allocate_method="history", history_by_rep=history, unit=D(1)
        )
        first = plan.explanations["R0000"]
        assert first.startswith("张伟: history 300.00 × active ")
        assert "× working-day weight → share " in first
        text = zh(first)
        assert text.startswith("张伟：历史业绩 300.00 × 在岗 ")
        assert "× 工作日权重 → 占比 " in text
        assert plan.explanations["R0002"].startswith("王芳: no history, team median 200.00 × ")
        assert zh(plan.explanations["R0002"]).startswith("王芳：无历史业绩，取团队中位数 200.00 × ")

    def test_capacity_level_is_translated(self) -> None:
        plan = build_plan(2027, D(1200), reps=demo_reps(3, teams=1), allocate_method="capacity", unit=D(1))
        assert any(lv in zh(e) for e in plan.explanations.values() for lv in ("资深", "中级", "初级"))
