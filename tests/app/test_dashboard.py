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


def page_links(at) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(label, page, query string) of the page links in the main area."""
    return [(e.proto.label, e.proto.page, e.proto.query_string) for e in at.main.get("page_link")]


class TestMorning:
    """The home page leads with the target: the year and this month against the plan, who is behind,
    top risks, what is due, and the last import; every tile links to the view that explains it."""

    def test_targets_pace_and_forecast_linked_to_progress(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof="2026-12-03", lang="English").run()
        assert not at.exception
        labels = [m.label for m in at.metric]
        assert labels[:8] == ["Target", "Actual", "Gap to pace", "Forecast"] * 2
        assert "data through 2026-11-26" in texts(at)  # the demo's last day, not the as-of day
        assert all("Exact:" in m.proto.help for m in at.metric[:8])
        assert any("80 % range" in c.value and "P(target)" in c.value for c in at.caption)
        links = page_links(at)
        progress = [q for _, page, q in links if page == "progress"]
        # Measured to the last data day (issue 15): December has no data yet, November is the month.
        assert "period=FY2026" in progress and "period=2026-11" in progress
        assert any("team=" in q and "period=2026-11" in q for q in progress)  # furthest behind
        risks = [q for _, page, q in links if page == "risks"]
        assert any(q.startswith("rule=") and "&scope=" in q for q in risks)  # top flags
        tasks = {q for _, page, q in links if page == "tasks"}
        assert tasks == {"view=overdue", "view=week"}
        assert any(page == "data" for _, page, _ in links)
        assert any("30,000 rows" in c.value for c in at.caption)  # the last import (the demo build)

    def test_due_tasks_listed_as_plain_text(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import datetime as dt

        from analysis import tasks
        from analysis.access import SYSTEM

        with store.connect(demo_db, actor=SYSTEM) as con:
            tasks.create(
                con,
                [tasks.NewTask("R001", "**call** [x](y)", deadline=dt.date(2026, 11, 20))],
                dt.date(2026, 11, 1),
            )
        at = app("dashboard.py", demo_db, monkeypatch, asof="2026-11-26", lang="English").run()
        overdue = [lab for lab, page, q in page_links(at) if page == "tasks" and q == "view=overdue"]
        assert overdue and overdue[0].startswith("Overdue tasks: ")
        assert any(
            c.value.startswith(r"\*\*call\*\* \[x\]\(y\) · ") and "2026-11-20" in c.value for c in at.caption
        )

    def test_tasks_due_against_today_not_the_last_data_day(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The as-of defaults to the last data day (2026-11-26); a week later a task due on the
        Saturday after it is overdue and next Friday's is due this week (through Sunday 2026-12-06)."""
        import datetime as dt

        from analysis import tasks
        from analysis.access import SYSTEM
        from components.data import TODAY_ENV

        with store.connect(demo_db, actor=SYSTEM) as con:
            items = [
                tasks.NewTask("R001", "saturday visit", deadline=dt.date(2026, 11, 28)),
                tasks.NewTask("R002", "friday call", deadline=dt.date(2026, 12, 4)),
            ]
            tasks.create(con, items, dt.date(2026, 11, 20))
        monkeypatch.setenv(TODAY_ENV, "2026-12-03")
        at = app("dashboard.py", demo_db, monkeypatch, lang="English").run()
        assert not at.exception
        assert at.date_input(key="asof").value == dt.date(2026, 11, 26)
        links = {q: lab for lab, page, q in page_links(at) if page == "tasks"}
        assert (links["view=overdue"], links["view=week"]) == ("Overdue tasks: 1", "Tasks due this week: 1")
        shown = [c.value for c in at.caption]
        assert "through Sunday 2026-12-06" in shown
        assert any(c.startswith("saturday visit · ") for c in shown)

    def test_no_active_plan_says_so_and_offers_one(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof="2026-11-26").run()
        assert any("还没有生效方案" in i.value and "+15%" in i.value for i in at.info)
        assert ("制定 FY2026 方案", "plan", "year=2026") in page_links(at)

    def test_links_from_home_open_the_same_view(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The tasks tile's link (?view=week) opens the tasks page on that filter, labelled in words."""
        at = app("dashboard.py", demo_db, monkeypatch, view="week", lang="English")
        at.switch_page("pages/6_tasks.py")
        at.run()
        assert not at.exception
        control = at.get("button_group")[0]
        assert control.value == "week"
        assert "Due this week" in control.options and "week" not in control.options
        assert at.query_params["view"] == "week"


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


class TestMenu:
    """The sidebar menu follows the loop in sections, one job per entry, no two names alike."""

    @pytest.mark.parametrize(("lang", "url", "word"), [("zh", "中文", "激励"), ("en", "English", "ncentive")])
    def test_sections_in_loop_order_and_distinct_names(
        self, lang: str, url: str, word: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from analysis.i18n import t
        from components import shell

        at = app("dashboard.py", demo_db, monkeypatch, lang=url).run()
        sections = [c.value for c in at.sidebar.caption][:5]
        assert sections == [t(f"nav.sec.{s}", lang) for s in ("plan", "track", "act", "evaluate", "data")]
        labels = [e.proto.label for e in at.sidebar.get("page_link")]
        assert labels == [t(key, lang) for _, key, _ in shell.PAGES]
        assert len(set(labels)) == len(labels) == 10
        assert sum(word in label for label in labels) == 1  # only the incentives entry says incentives
