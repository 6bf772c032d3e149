"""The plan page (pages/1_plan.py) in AppTest: build, exact tables, locked edits, refusals, versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import planning, store
from analysis.access import Access
from analysis.rebalance import Locks, RebalanceError
from components import plan_view as pv
from components.plan_state import Working, changes, set_month_totals
from components.plan_view import NEW
from tests.actors import shown
from tests.app.conftest import app

PAGE = "pages/1_plan.py"
AS_OF = "2026-11-27"


def page(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """The plan page inside the app (page links resolve against the entry file, dashboard.py)."""
    at = app("dashboard.py", db, monkeypatch, asof=AS_OF, **params)
    at.switch_page(PAGE)
    return at.run()


def working(at: AppTest) -> Working:
    w = at.session_state["plan.working"]
    assert isinstance(w, Working)
    return w


def table(at: AppTest, rows: int, total: str, index: str = "Period") -> pd.DataFrame:
    """The breakdown table: ``rows`` rows of periods, the last one the total."""
    hits = [
        d.value
        for d in at.dataframe
        if len(d.value) == rows and str(d.value.index[-1]) == total and d.value.index.name == index
    ]
    assert len(hits) == 1, [d.value.shape for d in at.dataframe]
    return hits[0]


def dec(v: object) -> Decimal:
    """A shown amount (float yuan with cents) back as an exact Decimal."""
    return Decimal(repr(round(float(v), 2)))  # type: ignore[arg-type]


def edit_grid(at: AppTest, rows: dict[int, dict[str, object]]) -> AppTest:
    key = at.session_state["plan.grid_key"]
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error)


def save_v1(db: Path, name: str = "base") -> None:
    """A stored version 1 of ``name`` for FY2027, as another user would have saved it."""
    req = planning.PlanRequest(year=2027, target=Decimal(12_000_000), unit=Decimal(100))
    with store.connect(db, actor=Access(email="alice")) as con:
        inputs = planning.load_inputs(con, req)
        planning.save(con, planning.build(inputs, req), req, scenario=name, based_on=None)


class TestRender:
    def test_chinese_with_the_estimate_warning(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch)
        assert not at.exception
        assert at.title[0].value == "目标分解"
        assert at.selectbox(key="year").value == 2027  # the fiscal year after the sidebar's as-of date
        assert any("2027 年为估算" in w.value for w in at.warning)
        assert any("FY2026 的销售数据只到 2026-11-26" in i.value for i in at.info)  # engine note in Chinese
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["当前方案"] == "草稿"

    def test_english_from_the_url(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        assert not at.exception
        assert at.title[0].value == "Plan"
        assert any(w.value.startswith("ESTIMATE for 2027") for w in at.warning)

    def test_official_calendar_year_has_no_warning(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, year="2026")
        assert not at.exception
        assert working(at).base.fy.year == 2026
        assert not [w for w in at.warning if "估算" in w.value]


class TestBreakdown:
    def test_month_table_sums_exactly_to_the_target(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        at.number_input(key="plan.target.2027").set_value(12_345_600.0).run()
        at.button(key="plan.build").click().run()
        assert not at.exception
        assert working(at).plan.total == Decimal("12345600")
        df = table(at, 13, "Total")
        months = [dec(v) for v in df.iloc[:12, 0]]
        assert sum(months, Decimal(0)) == Decimal("12345600")
        assert dec(df.iloc[12, 0]) == Decimal("12345600")

    def test_team_level_columns_add_up(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        at.radio(key="plan.level").set_value("team").run()
        at.radio(key="plan.grain").set_value("quarter").run()
        df = table(at, 5, "Total")
        target = working(at).plan.total
        cents = (df * 100).round().astype("int64")
        assert (cents.drop(columns="Total").sum(axis=1) == cents["Total"]).all()
        assert int(cents.iloc[:4]["Total"].sum()) == int(target * 100)

    def test_custom_percentages_must_total_100(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        at.selectbox(key="plan.spread").set_value("custom").run()
        assert not errors(at)
        at.session_state["plan.custom.quarter.2027"] = {
            "edited_rows": {0: {"pct": 30.0}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        assert "Custom percentages must total exactly 100 %; they total 105.0 %" in errors(at)
        assert at.button(key="plan.build").disabled
        at.session_state["plan.custom.quarter.2027"] = {
            "edited_rows": {0: {"pct": 30.0}, 1: {"pct": 20.0}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        at.button(key="plan.build").click().run()
        assert not errors(at)
        plan = working(at).plan
        wanted = [plan.total * Decimal(p) / 100 for p in ("30", "20", "25", "25")]
        got = list(plan.by("quarter", "company")["target"])
        # The engine rounds each rep's months to the unit and keeps rep totals exact, so company
        # quarters may drift from the percentages by a few units (reported to the engine's owner).
        assert all(abs(g - x) <= plan.unit * len(plan.rep_ids) for g, x in zip(got, wanted, strict=True))
        assert got[0] > got[2] > got[1]


class TestVacancy:
    def test_leavers_seat_is_a_line_a_manager_can_give_to_reps(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, year="2026", lang="English")
        assert not at.exception
        plan = working(at).base
        assert "vacancy:T03" in plan.rep_ids
        rows = pv.grid_frame(working(at), frozenset(), "en")["rep"].tolist()
        assert "unassigned / to be hired (华北)" in rows  # the edit grid's line, in the page's language
        company = plan.cents.sum(axis=0)
        assert (company == plan.spread.cents).all()  # the months are the chosen spread, staffing aside
        at.radio(key="plan.vacancy").set_value("reps").run()
        at.button(key="plan.build").click().run()
        assert not at.exception
        given = working(at).base
        assert not [r for r in given.rep_ids if str(r).startswith("vacancy:")]
        assert (given.cents.sum(axis=0) == plan.cents.sum(axis=0)).all()


class TestEdit:
    def test_edit_keeps_a_locked_cell_and_the_rep_total(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch)
        before = working(at).grid
        rep = working(at).base.rep_ids[0]
        name = working(at).inputs.names[rep]
        at.multiselect(key="plan.lock_cells").set_value([f"{name} · 2月"]).run()
        new = before[(rep, "2027-01")] + Decimal(5000)
        at = edit_grid(at, {0: {"2027-01": float(new)}})
        assert not at.exception
        assert not errors(at)
        after = working(at).grid
        assert after[(rep, "2027-01")] == new
        assert after[(rep, "2027-02")] == before[(rep, "2027-02")]  # locked
        assert after[(rep, "2027-03")] != before[(rep, "2027-03")]  # absorbed part of the change
        row = [m for (r, m) in before if r == rep]
        assert sum(after[(rep, m)] for m in row) == sum(before[(rep, m)] for m in row)
        assert working(at).plan.total == sum(before.values())
        # undo restores the grid exactly
        at.button(key="plan.undo").click().run()
        assert working(at).grid == before

    def test_refused_edit_says_why_and_changes_nothing(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        before = working(at).grid
        at = edit_grid(at, {0: {"2027-01": 1_000_000_000.0}})
        assert not at.exception
        assert "Edit refused: the new value is too large" in errors(at)
        assert working(at).grid == before

    def test_locked_row_refuses_an_edit(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        before = working(at).grid
        at = edit_grid(at, {1: {"lock": True}})
        at = edit_grid(at, {1: {"2027-05": 100.0}})
        assert "is locked" in errors(at)
        assert working(at).grid == before


class TestVersions:
    def test_save_lists_the_version_and_opens_it(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        at.text_input(key="plan.save_name").set_value("stretch")  # a form: submitted with the click
        [save] = [b for b in at.button if b.label == "Save"]
        at = save.click().run()
        assert not at.exception
        assert any("Saved: stretch · v1" in s.value for s in at.success)
        assert at.selectbox(key="scenario").value == "stretch"
        listed = [d.value for d in at.dataframe if "scenario" in d.value.columns]
        assert listed and list(listed[0]["scenario"]) == ["stretch"] and list(listed[0]["version"]) == [1]
        with store.connect(demo_db, read_only=True) as con:
            [pv] = store.list_plan_versions(con, 2027)
        assert pv.author == "local" and pv.target == working(at).plan.total

    def test_edits_are_recorded_in_the_change_log(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save_v1(demo_db)
        at = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        assert working(at).based_on == 1
        rep = working(at).base.rep_ids[0]
        old = working(at).grid[(rep, "2027-06")]
        at = edit_grid(at, {0: {"2027-06": float(old + 1000)}})
        [save] = [b for b in at.button if b.label == "Save"]
        at = save.click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            log = store.plan_changes(con, "base")
        hit = log[(log["rep_id"] == rep) & (log["period"] == "2027-06")]
        assert len(hit) == 1 and Decimal(str(hit["new"].iloc[0])) == old + 1000
        assert at.selectbox(key="version").value == "v2"

    def test_a_replayed_save_is_saved_once(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A submit processed twice (its rerun interrupted, the trigger replayed) is one version.

        The replay runs with the state the submit was made in: the edited draft, no scenario."""
        at = page(demo_db, monkeypatch, lang="English")
        rep = working(at).base.rep_ids[0]
        at = edit_grid(at, {0: {"2027-06": float(working(at).grid[(rep, "2027-06")] + 700)}})
        draft = working(at)
        at.text_input(key="plan.save_name").set_value("stretch")
        [save] = [b for b in at.button if b.label == "Save"]
        at = save.click().run()
        assert any("Saved: stretch · v1" in s.value for s in at.success)
        at.session_state["plan.working"] = draft
        at.selectbox(key="scenario").set_value(NEW)
        [save] = [b for b in at.button if b.label == "Save"]
        at = save.click().run()
        assert not at.exception and not errors(at)
        assert any("Saved: stretch · v1" in s.value for s in at.success)
        assert at.selectbox(key="scenario").value == "stretch" and at.selectbox(key="version").value == "v1"
        with store.connect(demo_db, read_only=True) as con:
            [pv] = store.list_plan_versions(con, 2027)
            assert store.plan_targets(con, pv.version_id)["target_cents"].sum() == int(draft.plan.total * 100)
        assert working(at).grid[(rep, "2027-06")] == draft.grid[(rep, "2027-06")]

    def test_stale_save_says_who_changed_it(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        first = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        second = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        assert working(second).based_on == 1
        first = edit_grid(
            first,
            {0: {"2027-06": float(working(first).grid[(working(first).base.rep_ids[0], "2027-06")] + 1000)}},
        )
        [save] = [b for b in first.button if b.label == "Save"]
        first = save.click().run()
        assert not first.exception and not errors(first)
        [save] = [b for b in second.button if b.label == "Save"]
        second = save.click().run()
        assert not second.exception
        msg = shown(errors(second))
        assert "plan 'base' was changed by local at" in msg and "(version 2)" in msg
        labels = [b.label for b in second.button]
        assert "Reload the latest version (drop my edits)" in labels
        [as_new] = [b for b in second.button if b.label.startswith("Save as new scenario")]
        second = as_new.click().run()
        assert any("Saved: base-2 · v1" in shown(s.value) for s in second.success)

    def test_stale_save_can_reload_the_latest(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        first = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        second = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        first = edit_grid(
            first,
            {0: {"2027-06": float(working(first).grid[(working(first).base.rep_ids[0], "2027-06")] + 1000)}},
        )
        [save] = [b for b in first.button if b.label == "Save"]
        save.click().run()
        [save] = [b for b in second.button if b.label == "Save"]
        second = save.click().run()
        assert "changed by local" in shown(errors(second))
        second.button(key="plan.reload").click().run()
        assert not second.exception and not errors(second)
        assert working(second).based_on == 2
        assert second.selectbox(key="version").value == "v2"


class TestCalendar:
    def test_entered_holiday_is_stored_and_respread(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        day = date(2027, 3, 3)  # a Wednesday: a working day in the estimate
        assert working(at).plan.cents[:, (day - date(2027, 1, 1)).days].sum() > 0
        at.session_state["plan.cal.2027"] = {
            "edited_rows": {},
            "added_rows": [{"day": day.isoformat(), "kind": "holiday", "note": "official"}],
            "deleted_rows": [],
        }
        at.run()
        at.button(key="plan.cal_save").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            stored = store.calendar_overrides(con)
        assert list(pd.to_datetime(stored["day"]).dt.date) == [day] and list(stored["kind"]) == ["holiday"]
        plan = working(at).plan
        assert plan.cents[:, (day - date(2027, 1, 1)).days].sum() == 0  # re-spread around the holiday
        assert any("1 user-entered date(s) override it" in w.value for w in at.warning)


class TestReplan:
    def test_catch_up_keeps_the_annual_total(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English", year="2026")
        before = working(at).plan
        at.radio(key="plan.cu_mode").set_value("front_loaded")
        at.button(key="plan.cu_go").click().run()
        assert not at.exception and not errors(at)
        w = working(at)
        after = w.plan
        assert int(after.cents.sum()) == int(before.cents.sum())  # reps above target: see notes
        # The sidebar says 2026-11-27, the demo's data end on 11-26: elapsed days stop there (a day
        # not loaded yet is not a day without sales), and 11-27 keeps its plan.
        k = (date(2026, 11, 26) - date(2026, 1, 1)).days + 1
        with store.connect(demo_db, read_only=True) as con:
            ytd = store.total_between(con, date(2026, 1, 1), date(2026, 11, 26))
        assert Decimal(int(after.cents[:, :k].sum())).scaleb(-2) == ytd  # elapsed days = actuals
        assert int(after.cents[:, k].sum()) > 0  # 11-27, a Friday after the data, still planned
        assert w.extra["catch_up"] == {"as_of": "2026-11-26", "mode": "front_loaded"}

    def test_catch_up_outside_the_year_is_refused(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")  # FY2027 has not started on 2026-11-27
        before = working(at).grid
        at.button(key="plan.cu_go").click().run()
        assert "must be inside FY2027" in errors(at)
        assert working(at).grid == before

    def test_compare_two_versions(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        at = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        rep = working(at).base.rep_ids[0]
        old = working(at).grid[(rep, "2027-06")]
        at = edit_grid(at, {0: {"2027-06": float(old + 1000)}})
        [save] = [b for b in at.button if b.label == "Save"]
        at = save.click().run()
        at.radio(key="plan.cmp_level").set_value("rep").run()
        assert not at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Total difference (B − A)"] == "+0.00"
        [diff] = [d.value for d in at.dataframe if "diff" in d.value.columns]
        name = working(at).inputs.names[rep]
        row = diff[(diff["name"] == name) & (diff["period"] == "2027-06")]
        assert float(row["diff"].iloc[0]) == 1000.0
        assert abs(float(diff["diff"].sum())) < 1e-6

    def test_set_active_and_export(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        at = page(demo_db, monkeypatch, lang="English", scenario="base", version="v1")
        at.button(key="plan.set_active").click().run()
        with store.connect(demo_db, read_only=True) as con:
            active = store.active_plan(con, 2027)
        assert active is not None and active.scenario == "base" and active.version == 1
        [listed] = [d.value for d in at.dataframe if "active" in d.value.columns]
        assert list(listed["active"]) == [True]
        at.button(key="plan.xlsx_make").click().run()
        assert not at.exception
        assert at.session_state["plan.xlsx"][:2] == b"PK"  # an xlsx (zip) for the download button


class TestColumnMode:
    def test_column_edit_keeps_the_team_month_total(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        at.radio(key="plan.mode").set_value("column").run()
        w = working(at)
        before, team_of = w.grid, w.base.team_of
        rep = w.base.rep_ids[0]
        mates = [r for r in w.base.rep_ids if team_of[r] == team_of[rep]]
        at = edit_grid(at, {0: {"2027-04": float(before[(rep, "2027-04")] + 2000)}})
        after = working(at).grid
        assert not errors(at)
        assert after[(rep, "2027-04")] == before[(rep, "2027-04")] + 2000
        assert sum(after[(r, "2027-04")] for r in mates) == sum(before[(r, "2027-04")] for r in mates)
        assert after[(rep, "2027-05")] == before[(rep, "2027-05")]  # other months untouched


class TestDragHelpers:
    """What the drag component's events do to the grid (the component itself runs only in a browser)."""

    def grid(self) -> dict[tuple[object, str], Decimal]:
        return {
            ("a", "2027-01"): Decimal(300),
            ("b", "2027-01"): Decimal(100),
            ("a", "2027-02"): Decimal(200),
            ("b", "2027-02"): Decimal(200),
        }

    def test_month_totals_spread_over_unlocked_reps(self) -> None:
        g = self.grid()
        out = set_month_totals(
            g,
            {"2027-01": Decimal(500), "2027-02": Decimal(300)},
            locks=Locks(cells=frozenset({("b", "2027-02")})),
            unit=Decimal(100),
        )
        assert out[("b", "2027-02")] == 200 and out[("a", "2027-02")] == 100  # locked cell kept
        assert out[("a", "2027-01")] + out[("b", "2027-01")] == 500
        assert sum(out.values()) == 800

    def test_month_total_below_the_locked_cells_is_refused(self) -> None:
        with pytest.raises(RebalanceError, match="2027-02"):
            set_month_totals(
                self.grid(), {"2027-02": Decimal(100)}, locks=Locks(rows=frozenset({"b"})), unit=Decimal(100)
            )

    def test_changes_list_only_changed_cells(self) -> None:
        g = self.grid()
        new = {**g, ("a", "2027-01"): Decimal(400), ("b", "2027-01"): Decimal(0)}
        df = changes(g, new)
        assert sorted(zip(df["rep_id"], df["period"], df["old"], df["new"], strict=True)) == [
            ("a", "2027-01", Decimal(300), Decimal(400)),
            ("b", "2027-01", Decimal(100), Decimal(0)),
        ]


class TestEmpty:
    def test_empty_database_says_what_to_do(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(tmp_path / "new.duckdb", monkeypatch, lang="English")
        assert not at.exception
        assert any("No reps yet" in i.value for i in at.info)
