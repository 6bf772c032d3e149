"""Tasks page (pages/6_tasks.py) in AppTest: bulk create from an uploaded file; row errors block it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import store, tasks
from tests.app.conftest import app as app_for

CSV = "text/csv"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof="2026-11-26", **params)
    at.switch_page("pages/6_tasks.py")
    return at


class TestTaskFile:
    def test_upload_then_create(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        body = "title,rep,type\nVisit,R001,key_account\nReview,R002,\n"
        at.file_uploader(key="task_file_0").set_value(("t.csv", body.encode(), CSV)).run()
        at.button(key="task_file_go").click().run()
        assert not at.exception
        assert at.success[0].value == "Created 2 tasks."
        assert at.file_uploader(key="task_file_1").value is None  # a fresh uploader after the import
        with store.connect(demo_db, read_only=True) as con:
            df = tasks.load(con)
        assert df["title"].tolist() == ["Visit", "Review"] and set(df["source"]) == {"excel"}

    def test_row_errors_block(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        body = "title,rep\nVisit,nobody\n"
        at.file_uploader(key="task_file_0").set_value(("t.csv", body.encode(), CSV)).run()
        assert not at.exception
        assert at.error[0].value == "1 rows have errors; no task created:"
        errors = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
        assert errors["Row"].tolist() == [2] and "unknown rep" in errors["Reason"].iloc[0]
        assert not any(b.key == "task_file_go" for b in at.button)
