"""Risks page (pages/4_risks.py) in AppTest: languages, URL filters, evidence, acknowledge → register, edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from tests.app.conftest import app as app_for

PAGE = "pages/4_risks.py"
AS_OF = "2026-11-27"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof=AS_OF, **params)
    at.switch_page(PAGE)
    return at


def register(db: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    with store.connect(db, read_only=True) as con:
        return (
            store.register_entries(con).to_dict(orient="records"),
            store.register_history(con).to_dict(orient="records"),
        )


class TestRisksPage:
    def test_chinese_lists_the_planted_problems(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        assert not at.exception
        assert at.title[0].value == "风险预警与风险登记"
        table = at.dataframe[0].value
        assert {"华北", "陈静", "郭燕"} <= set(table.iloc[:, 3])
        assert any("本财年没有生效方案" in c.value for c in at.caption)  # unrealistic target skipped, said so

    def test_english_url_filters(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English", rule="concentration").run()
        assert not at.exception
        assert at.title[0].value == "Risk flags and register"
        table = at.dataframe[0].value
        assert table.iloc[:, 3].tolist() == ["陈静"]
        assert "made 60.9% of the last 12 months' sales with one customer" in table.iloc[0, 5]
        evidence = at.dataframe[1].value
        assert "Top customer share" in evidence.iloc[:, 0].tolist()

    def test_acknowledge_creates_then_links_an_entry(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch, rule="concentration").run()
        at.text_input(key="ack_owner").set_value("王经理")
        next(b for b in at.button if b.label == "确认登记").click().run()  # form values go with the submit
        assert not at.exception
        entries, hist = register(demo_db)
        assert len(entries) == 1
        e = entries[0]
        assert (e["rule"], e["entity_id"], e["owner"], e["status"]) == (
            "concentration",
            "R005",
            "王经理",
            "open",
        )
        assert json.loads(str(e["evidence"]))["top_customer_share"] > 0.5
        assert any("已登记为 #1" in s.value for s in at.success)
        # the flag now shows its register entry, and a second acknowledgement links to it
        assert at.dataframe[0].value.iloc[0, 6] == "#1 待处理"
        submit = next(b for b in at.button if b.label == "确认登记")
        submit.click().run()
        entries, hist = register(demo_db)
        assert len(entries) == 1 and entries[0]["occurrences"] == 2
        assert [h["action"] for h in hist] == ["created", "recurred"]

    def test_owner_is_required(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, rule="concentration").run()
        next(b for b in at.button if b.label == "确认登记").click().run()
        assert any("负责人" in e.value for e in at.error)
        assert register(demo_db)[0] == []

    def test_register_status_edit_keeps_history(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, rule="concentration").run()
        at.text_input(key="ack_owner").set_value("王经理")
        next(b for b in at.button if b.label == "确认登记").click().run()
        at.session_state["register_editor"] = {
            "edited_rows": {0: {"status": "处理中"}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.button(key="save_register").click().run()
        assert not at.exception
        entries, hist = register(demo_db)
        assert entries[0]["status"] == "mitigating"
        assert hist[-1]["action"] == "updated" and json.loads(str(hist[-1]["changes"])) == {
            "status": ["open", "mitigating"]
        }


def test_flags_beyond_the_top_ones_have_their_own_table_and_one_download(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flags past the top N get their own table, and one download holds every flag (each table
    once drew its own download with the same key and the page failed)."""
    from analysis import risks

    monkeypatch.setattr(risks, "TOP_N", 1)
    at = app(demo_db, monkeypatch).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe) >= 2
    assert len(at.get("download_button")) >= 1


class TestTopFive:
    def test_top_five_first_and_the_rest_behind_an_expander(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from analysis.access import SYSTEM

        # Loose thresholds so the demo has more than five flags.
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.set_risk_thresholds(
                con,
                [("forecast_attainment", p, v) for p, v in (("threshold", 1.0), ("z", 0.0), ("max_p_reach", 1.0),
                                                              ("min_workdays", 0.0))]
                + [("silent_customers", "p_value", 1.01)],
            )  # fmt: skip
        at = app(demo_db, monkeypatch, lang="English").run()
        assert not at.exception
        (more,) = [e for e in at.expander if e.label.endswith("more flags")]
        n_more = int(more.label.split()[0])
        top, rest = at.dataframe[0].value, at.dataframe[1].value
        assert len(top) == 5 and len(rest) == n_more > 0
        assert any("The 5 flags to act on first" in h.value for h in at.markdown)
        assert any(f"Flags ({5 + n_more})" in h.value for h in at.markdown)
        assert len(at.get("download_button")) >= 1  # one download of every flag
