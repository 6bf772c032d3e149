"""Every page on a store that holds only a manager's own file (issue 22), in Chinese and English.

Per real dataset: ``init`` → ``import`` → a plan saved and activated for the data's last year,
then each page (home + pages/*.py) opened with the as-of date inside the data's range. No page
may raise (``at.exception``) or show an error.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analysis import cli
from tests.app.conftest import ROOT, app
from tests.conftest import SHARED_DATA
from tests.unit.test_journey import DATASETS, Dataset, one_rep_csv

TEAM_HEADERS = {"team", "Team", "团队"}
PAGES = [
    "dashboard.py",
    *sorted(str(Path(p).relative_to(ROOT)) for p in glob.glob(str(ROOT / "pages" / "*.py"))),
]


@dataclass(frozen=True)
class Store:
    db: Path
    share_token: str


def _cli(db: Path, *args: str) -> Any:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main([*args, "--db", str(db), "--json"]) == 0, args
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Store]:
    """One store per dataset, built once: an import, an active plan and an alternative, a share link."""
    out = {}
    for ds in DATASETS:
        folder = tmp_path_factory.mktemp(ds.name)
        if ds.name == "one_rep":
            src = one_rep_csv(folder / ds.file)
        else:
            src = folder / ds.file
            shutil.copy(SHARED_DATA / ds.file, src)
            src.chmod(0o644)
        db = folder / "own.duckdb"
        _cli(db, "init")
        _cli(db, "import", str(src))
        base = _cli(db, "plan", "--year", str(ds.year), "--target", "3000000", "--save", "base", "--activate")
        _cli(db, "plan", "--year", str(ds.year), "--target", "3300000", "--allocate", "even", "--save", "alt")
        link = _cli(db, "share", "create", "--version-id", str(base["saved"]["version_id"]))
        out[ds.name] = Store(db, link["token"])
    return out


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    # Reps an import created have no team: no "nan" / "None" where a team name belongs.
    texts = [
        str(e.value)
        for kind in ("markdown", "caption", "info", "warning", "subheader")
        for e in getattr(at, kind)
    ]
    assert not [x for x in texts if re.search(r"\bnan\b|\bNaN\b|Team None|团队 None", x)]
    for df in at.dataframe:
        frame = df.value
        for col in [c for c in frame.columns if str(c) in TEAM_HEADERS]:
            assert frame[col].notna().all(), (col, frame.head())


@pytest.mark.parametrize("lang", ["中文", "English"])
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("ds", DATASETS, ids=lambda d: d.name)
def test_page_opens(
    ds: Dataset,
    page: str,
    lang: str,
    stores: dict[str, Store],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()  # the fixture's CLI output
    at = app("dashboard.py", stores[ds.name].db, monkeypatch, lang=lang, asof=ds.as_of)
    if page != "dashboard.py":
        at.switch_page(page)  # page links resolve against the entry file
    assert_clean(at.run())


@pytest.mark.parametrize("ds", DATASETS, ids=lambda d: d.name)
def test_saved_plan_and_its_share_link(
    ds: Dataset, stores: dict[str, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan page on the saved year (versions, compare, catch-up, export) and the share link."""
    db = stores[ds.name].db
    at = app(
        "dashboard.py", db, monkeypatch, lang="English", asof=ds.as_of, year=str(ds.year), scenario="base"
    )
    at.switch_page("pages/1_plan.py")
    at.run()
    assert_clean(at)
    assert any("base" in str(m.value) for m in at.metric), [(m.label, m.value) for m in at.metric]
    # Catch up after the miss and prepare the Excel export (neither writes to the shared store).
    at.button(key="plan.cu_go").click().run()
    assert_clean(at)
    at.button(key="plan.xlsx_make").click().run()
    assert_clean(at)
    assert at.get("download_button")
    shared = app("dashboard.py", db, monkeypatch, lang="English", share=stores[ds.name].share_token).run()
    assert_clean(shared)
    assert shared.dataframe  # the shared version's targets


@pytest.mark.parametrize(
    "last_year,expected",
    [(28_780.50, 33_000), (733_215.0, 840_000), (10_000_000.0, 11_500_000), (1_500.0, 1_700), (0.0, 10_000)],
)
def test_default_target_keeps_two_digits_for_a_small_business(last_year: float, expected: int) -> None:
    """The plan page's starting target: last year x 1.15, rounded (to 10,000 it was 30,000 for 33,097)."""
    from types import SimpleNamespace

    import pandas as pd

    from components.plan_view import default_target

    inputs = SimpleNamespace(history_daily=pd.DataFrame({"amount": [last_year] if last_year else []}))
    assert default_target(inputs) == expected  # type: ignore[arg-type]
