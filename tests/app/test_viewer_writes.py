"""A signed-in viewer writes nothing: the findings of issue 21, each reproduced through the UI.

Each test works as a viewer would (the controls a viewer is shown, or a click planted past the
UI) and then checks the store itself: nothing changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import access, scorecard, store, tasks
from analysis.i18n import t
from tests.app.test_access import GUEST, open_page
from tests.app.test_plan_page import save_v1

SCORECARD = "pages/8_scorecard.py"


def weights(db: Path) -> str | None:
    with store.connect(db, read_only=True) as con:
        return store.get_setting(con, scorecard.SETTING_WEIGHTS)


def task_count(db: Path) -> int:
    with store.connect(db, read_only=True) as con:
        return len(tasks.load(con))


def plan_count(db: Path) -> int:
    with store.connect(db, read_only=True) as con:
        return len(store.list_plan_versions(con))


def click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


class TestScorecard:
    def test_viewer_cannot_save_kpi_weights(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        before = weights(demo_db)
        at = open_page(demo_db, monkeypatch, GUEST, SCORECARD)
        assert not at.exception
        if t("sc.weights_save", "en") in [b.label for b in at.button]:  # shown: must be refused
            at.number_input(key="w_growth").set_value(0.0)
            at = click(at, t("sc.weights_save", "en"))
            assert not at.exception
            assert t("sc.weights_saved", "en") not in [s.value for s in at.success]
        assert weights(demo_db) == before

    def test_viewer_cannot_turn_suggestions_into_tasks(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = open_page(demo_db, monkeypatch, GUEST, SCORECARD)
        assert not at.exception
        at.session_state["focus_editor"] = {
            "edited_rows": {0: {"pick": True}},
            "added_rows": [],
            "deleted_rows": [],
        }
        if t("sc.focus_go", "en") in [b.label for b in at.button]:
            at = click(at, t("sc.focus_go", "en"))
            assert not at.exception
        assert task_count(demo_db) == 0


class TestDemoOverPlans:
    """A store whose imports were undone shows the empty home page; its plans must survive."""

    def _store_with_plans_only(self, db: Path) -> None:
        save_v1(db)
        with store.connect(db, actor=access.SYSTEM) as con:
            store.undo_import(con, 1)

    def test_viewer_cannot_build_demo_over_plans(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._store_with_plans_only(demo_db)
        at = open_page(demo_db, monkeypatch, GUEST, "dashboard.py")
        assert not at.exception
        assert t("empty.demo", "en") not in [b.label for b in at.button]  # not offered to a viewer
        assert plan_count(demo_db) == 1
