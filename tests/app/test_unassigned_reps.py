"""Every page opens on a store where an import created reps that have no team yet.

An import creates unknown reps without a team (team_id NULL). The progress page failed on them
("no team nan") until the team breakdown gave them a row of their own.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from analysis import importer, store
from analysis.access import SYSTEM
from tests.app.conftest import ROOT, app

CSV = (
    "日期,销售员,客户,金额\n"
    "2026-11-02,新人甲,客户一,1200.50\n"
    "2026-11-03,新人乙,客户二,800.00\n"
    "2026-11-04,新人甲,客户二,99.99\n"
).encode()

PAGES = [
    "dashboard.py",
    *sorted(str(Path(p).relative_to(ROOT)) for p in glob.glob(str(ROOT / "pages" / "*.py"))),
]


@pytest.fixture
def db_with_new_reps(demo_db: Path) -> Path:
    res = importer.commit(demo_db, importer.preview(demo_db, CSV, "new.csv"), actor=SYSTEM)
    assert res.new_reps == ["新人乙", "新人甲"]
    with store.connect(demo_db, read_only=True) as con:
        teams = con.execute("SELECT team_id FROM reps WHERE name IN ('新人甲', '新人乙')").fetchall()
    assert teams == [(None,), (None,)]
    return demo_db


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_with_reps_that_have_no_team(
    page: str, db_with_new_reps: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app("dashboard.py", db_with_new_reps, monkeypatch, lang="English")
    if page != "dashboard.py":
        at.switch_page(page)  # page links resolve against the entry file
    at.run()
    assert not at.exception, [e.value for e in at.exception]
