"""Home page (dashboard.py) in AppTest: both languages, real numbers, empty state, busy database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from analysis import store
from analysis.i18n import fmt_amount
from tests.app.conftest import app
from tests.unit.test_store import hold_lock


def texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [e.value for e in at.title] + [e.value for e in at.subheader] + [e.value for e in at.markdown]
    parts += [m.label + " " + m.value for m in at.metric]
    return "\n".join(str(p) for p in parts)


class TestHome:
    def test_chinese_by_default_with_real_ytd(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof="2026-11-27").run()
        assert not at.exception
        assert at.title[0].value == "销售目标规划"
        with store.connect(demo_db, read_only=True) as con:
            ytd = con.execute(
                "SELECT sum(amount) FROM sales WHERE day BETWEEN '2026-01-01' AND '2026-11-27'"
            ).fetchall()[0][0]
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["本财年累计"] == fmt_amount(Decimal(ytd), "zh")
        assert "万" in metrics["本财年累计"]
        assert "2026 财年" in texts(at)

    def test_switch_to_english(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof="2026-11-27").run()
        at.radio(key="lang").set_value("English").run()
        assert not at.exception
        assert at.title[0].value == "Sales Target Planner"
        assert "Year to date" in {m.label for m in at.metric}
        assert "FY2026" in texts(at)

    def test_english_from_url(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, lang="English", asof="2025-06-30").run()
        assert at.title[0].value == "Sales Target Planner"
        assert "FY2025 · as of 2025-06-30" in texts(at)

    def test_empty_database_leads_to_demo_or_import(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "mine.duckdb"
        at = app("dashboard.py", db, monkeypatch).run()
        assert not at.exception
        assert "还没有销售数据" in texts(at)
        assert db.exists()  # a first run creates an empty, migrated database
        labels = [b.label for b in at.button]
        assert "生成演示数据" in labels

    def test_busy_database_is_a_message_not_a_trace(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.3)
        proc = hold_lock(demo_db, 60)
        try:
            at = app("dashboard.py", demo_db, monkeypatch).run()
        finally:
            proc.kill()
            proc.wait()
        assert not at.exception
        assert any("稍后" in w.value for w in at.warning)


PAGES = [
    "pages/1_plan.py",
    "pages/2_progress.py",
    "pages/3_data.py",
    "pages/4_risks.py",
    "pages/5_insights.py",
    "pages/6_tasks.py",
    "pages/7_review.py",
    "pages/8_scorecard.py",
    "pages/9_incentives.py",
]


class TestOlderDatabaseFile:
    """A database written by an earlier version of the app (fewer migrations) is brought up to date
    on first use, so pages that read tables added later do not fail on it."""

    @pytest.mark.parametrize("page", PAGES)
    def test_page_opens_on_a_file_from_an_older_schema(
        self, page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "old.duckdb"
        with monkeypatch.context() as m:
            m.setattr(store, "MIGRATIONS", store.MIGRATIONS[:3])  # core, summaries, plans only
            store.init_db(db)
        with store.connect(db, read_only=True) as con:
            assert store.schema_versions(con) == [1, 2, 3]
        assert not store.is_current(db)
        at = app("dashboard.py", db, monkeypatch, lang="English")
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert store.is_current(db)
