"""Roles on the execution-loop pages: tasks, the weekly review and risk acknowledgements.

A viewer gets no edit controls; a manager writes only for their own teams' reps, and a write that
concerns another team is refused on the server even when planted past the UI; admins write all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analysis import review, store, tasks
from analysis.access import SYSTEM
from analysis.i18n import t
from tests.app.test_access import BOSS, EAST, GUEST, ROLES, open_page, text

TASKS = "pages/6_tasks.py"
REVIEW = "pages/7_review.py"
RISKS = "pages/4_risks.py"
WEST = {"is_logged_in": True, "email": "west@example.com", "email_verified": True}  # manager of T02 only
ROLES_WEST = {**ROLES, "managers": {**ROLES["managers"], "west@example.com": ["T02"]}}


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def seed_tasks(db: Path) -> None:
    with store.connect(db, actor=SYSTEM) as con:
        tasks.create(
            con,
            [
                tasks.NewTask("R001", "T01 visit", "key_account"),
                tasks.NewTask("R007", "T02 call", "maintenance"),
            ],
            dt.date(2026, 11, 10),
        )


def task_rows(db: Path) -> list[tuple[str, str, str]]:
    with store.connect(db, read_only=True) as con:
        df = tasks.load(con)
    return sorted(zip(df["rep_id"], df["title"], df["status"], strict=True))


def register(db: Path) -> list[dict[str, Any]]:
    with store.connect(db, read_only=True) as con:
        return store.register_entries(con).to_dict(orient="records")  # type: ignore[no-any-return]


class TestTasks:
    def test_viewer_has_no_edit_controls(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        seed_tasks(demo_db)
        at = open_page(demo_db, monkeypatch, GUEST, TASKS)
        assert not at.exception
        assert "read-only access" in text(at)
        assert at.dataframe  # the tasks are shown
        assert not set(labels(at)) & {t("task.save", "en"), t("task.create", "en"), t("task.bulk_go", "en")}
        assert not at.file_uploader and not at.text_input

    def test_manager_works_only_on_their_teams_reps(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seed_tasks(demo_db)
        at = open_page(demo_db, monkeypatch, WEST, TASKS, roles=ROLES_WEST)
        assert "You may change only what concerns these teams' reps: T02" in text(at)
        [mine] = at.selectbox(key="status_task").options
        assert "T02 call" in mine  # the T01 task cannot be picked
        with store.connect(demo_db, read_only=True) as con:
            reps = store.reps_frame(con)
        names = dict(zip(reps["name"], reps["team_id"], strict=True))
        owners = at.selectbox(key="new_owner_key_account").options
        assert owners and {names[o] for o in owners} == {"T02"}
        assert "rule_key_account" not in at.session_state  # company-wide deadlines: admins only
        at.selectbox(key="status_value").set_value("done")
        next(b for b in at.button if b.label == t("task.save", "en")).click().run()
        assert not at.exception and not at.error
        assert task_rows(demo_db) == [("R001", "T01 visit", "open"), ("R007", "T02 call", "done")]

    def test_admin_creates_for_anyone(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, BOSS, TASKS)
        assert len(at.selectbox(key="new_owner_key_account").options) > 12
        assert at.text_input(key="rule_key_account")


class TestReview:
    def test_viewer_has_no_form(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, GUEST, REVIEW, week="2026-W47")
        assert not at.exception
        assert "read-only access" in text(at)
        assert t("rev.save", "en") not in labels(at)
        assert "review_editor" not in at.session_state

    def test_manager_of_another_team_writes_only_their_reps(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = open_page(demo_db, monkeypatch, WEST, REVIEW, roles=ROLES_WEST, week="2026-W47")
        at.session_state["review_editor"] = {
            "edited_rows": {0: {"note": "note", "next": "call back"}},
            "added_rows": [],
            "deleted_rows": [],
        }
        next(b for b in at.button if b.label == t("rev.save", "en")).click().run()
        assert not at.exception and not at.error
        with store.connect(demo_db, read_only=True) as con:
            rv = review.load(con, "2026-W47")
            df = tasks.load(con)
        teams = dict(zip(rv.reps["rep_id"].astype(str), rv.reps["team_id"], strict=True))
        assert rv.notes and {teams[r] for r in rv.notes} == {"T02"}
        assert {teams[str(r)] for r in df["rep_id"]} == {"T02"}


class TestRisks:
    def acknowledge_as_admin(self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(db, monkeypatch, BOSS, RISKS, rule="concentration")  # the flag is on R005 (T01)
        at.text_input(key="ack_owner").set_value("Boss")
        next(b for b in at.button if b.label == t("risk.ack_button", "en")).click().run()
        assert [e["entity_id"] for e in register(db)] == ["R005"]

    def test_viewer_cannot_acknowledge_or_edit(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.acknowledge_as_admin(demo_db, monkeypatch)
        at = open_page(demo_db, monkeypatch, GUEST, RISKS, rule="concentration")
        assert not at.exception
        assert "read-only access" in text(at)
        assert "ack_owner" not in at.session_state
        assert not [b for b in at.button if b.key in ("save_register", "save_settings")]
        at.session_state["register_editor"] = {
            "edited_rows": {0: {"status": "Closed"}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        assert register(demo_db)[0]["status"] == "open"

    def test_manager_of_another_team_is_refused(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.acknowledge_as_admin(demo_db, monkeypatch)
        at = open_page(demo_db, monkeypatch, WEST, RISKS, roles=ROLES_WEST, rule="concentration")
        assert "ack_owner" not in at.session_state  # no form for a T01 flag
        assert not [b for b in at.button if b.key == "save_settings"]
        # an edit of the T01 entry planted in the register editor is refused on the server
        at.session_state["register_editor"] = {
            "edited_rows": {0: {"status": t("risk.status.closed", "en")}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.button(key="save_register").click().run()
        assert "Not saved: this concerns teams that are not yours (T01)" in text(at)
        assert register(demo_db)[0]["status"] == "open"

    def test_manager_of_the_team_acknowledges(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, EAST, RISKS, rule="concentration")
        at.text_input(key="ack_owner").set_value("East")
        next(b for b in at.button if b.label == t("risk.ack_button", "en")).click().run()
        assert not at.exception
        assert [(e["entity_id"], e["owner"]) for e in register(demo_db)] == [("R005", "East")]
