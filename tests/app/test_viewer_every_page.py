"""A signed-in viewer on every page: no upload, and whatever they click, the store stays the same.

Each page is opened as a viewer on the living demo company (plans, tasks, reviews, register,
CSAT, incentives: every form has something to act on), every button the viewer is shown is
clicked once (form submits included). Afterwards every table's contents are what they were (tests/actors.digest).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import digest
from tests.app.conftest import ROOT
from tests.app.test_access import GUEST, open_page

PAGES = ["dashboard.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]
SKIP_KEYS = {"auth.logout"}  # signing out is not a write (and AppTest cannot follow the redirect)


def _click_everything(at: AppTest, script: str) -> list[str]:
    """Click every button once (the list changes after each rerun, so go by key or label)."""
    clicked: list[str] = []
    for _ in range(40):
        fresh = [
            b
            for b in at.button
            if (b.key or b.label) not in clicked and b.key not in SKIP_KEYS and not b.disabled
        ]
        if not fresh:
            break
        b = fresh[0]
        clicked.append(b.key or b.label)
        at = b.click().run()
        assert not at.exception, (script, clicked[-1], at.exception)
    return clicked


@pytest.mark.parametrize("script", PAGES)
def test_a_viewer_changes_nothing(living_db: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    before = digest(living_db)
    at = open_page(living_db, monkeypatch, GUEST, script)
    assert not at.exception
    assert not at.file_uploader, "uploads are for roles that may write"
    clicked = _click_everything(at, script)
    assert digest(living_db) == before, f"changed after clicking {clicked}"
