"""Tasks page (pages/6_tasks.py) in AppTest: counts, URL view, create with defaults, status update, bulk follow-ups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import store, tasks
from analysis.access import SYSTEM
from components.data import TODAY_ENV
from tests.app.conftest import TODAY
from tests.app.conftest import app as app_for

PAGE = "pages/6_tasks.py"
AS_OF = "2026-11-26"  # the test demo's last data day; today is fixed on 2026-11-27 (fixed_today)
pytestmark = pytest.mark.usefixtures("fixed_today")


def app(db: Path, monkeypatch: pytest.MonkeyPatch, asof: str = AS_OF, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof=asof, **params)
    at.switch_page(PAGE)
    return at


def seed(db: Path) -> None:
    with store.connect(db, actor=SYSTEM) as con:
        tasks.create(
            con,
            [
                tasks.NewTask("R001", "Late visit", "key_account", deadline=dt.date(2026, 11, 20)),
                tasks.NewTask("R002", "Soon call", "maintenance", deadline=dt.date(2026, 11, 28)),
            ],
            dt.date(2026, 11, 10),
        )


class TestTasksPage:
    def test_counts_and_english_url_view(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        seed(demo_db)
        at = app(demo_db, monkeypatch, lang="English", view="overdue").run()
        assert not at.exception
        assert at.title[0].value == "Tasks and deadlines"
        assert [m.value for m in at.metric] == ["1", "1", "2", "0"]
        table = at.dataframe[0].value
        assert table["Task"].tolist() == ["Late visit"] and table["Status"].tolist() == ["Overdue"]

    @pytest.mark.parametrize("asof", [AS_OF, "2025-06-30"])
    def test_deadlines_are_judged_against_today_not_the_as_of_day(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, asof: str
    ) -> None:
        """A week after the last data day both seeded tasks are late, whichever day the sales are
        measured to (the as-of is the last data day, years back on an imported history)."""
        seed(demo_db)
        monkeypatch.setenv(TODAY_ENV, "2026-12-03")  # a Thursday; its week ends on 2026-12-06
        at = app(demo_db, monkeypatch, asof=asof, lang="English", view="overdue").run()
        assert not at.exception
        assert [m.value for m in at.metric] == ["2", "0", "2", "0"]
        table = at.dataframe[0].value
        assert table["Task"].tolist() == ["Late visit", "Soon call"]
        assert table["Days left"].tolist() == [-13, -5]
        # New tasks start today: a key-account visit is due a week from the real date.
        assert any("Default deadline: 2026-12-10" in c.value for c in at.caption)

    def test_create_uses_type_defaults_and_suggestion(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch).run()
        assert any("默认截止日期：2026-12-04" in c.value for c in at.caption)  # key account: a week on
        assert any(c.value.startswith("建议负责人") and "初级" in c.value for c in at.caption)
        at.text_input(key="new_title").set_value("拜访重点客户")
        next(b for b in at.button if b.label == "创建任务").click().run()
        assert not at.exception
        assert at.success[0].value == "已创建 1 个任务。"
        with store.connect(demo_db, read_only=True) as con:
            row = tasks.load(con).iloc[0]
        assert (row["title"], row["type"], row["priority"]) == ("拜访重点客户", "key_account", "high")
        assert pd.Timestamp(row["deadline"]).date() == dt.date(2026, 12, 4)

    def test_empty_title_refused(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch).run()
        next(b for b in at.button if b.label == "创建任务").click().run()
        assert at.error[0].value == "请填写任务内容。"
        with store.connect(demo_db, read_only=True) as con:
            assert tasks.load(con).empty

    def test_mark_done(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        seed(demo_db)
        at = app(demo_db, monkeypatch).run()
        at.selectbox(key="status_task").set_value(1)
        at.selectbox(key="status_value").set_value("done")
        next(b for b in at.button if b.label == "保存修改").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            row = tasks.load(con).set_index("task_id").loc[1]
        assert row["status"] == "done" and pd.Timestamp(row["done_date"]).date() == TODAY
        assert [m.value for m in at.metric] == ["0", "1", "1", "1"]

    def test_bulk_follow_ups_from_quiet_customers(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch).run()
        at.button(key="bulk_go").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            df = tasks.load(con)
        assert len(df) > 0 and set(df["source"]) == {"quiet_customers"} and set(df["type"]) == {"key_account"}
        assert not df.duplicated(["rep_id", "customer_id"]).any()
        assert at.button(key="bulk_go").disabled  # every quiet customer now has an open task
        assert "0 个待创建" in next(c.value for c in at.caption if "待创建" in c.value)
