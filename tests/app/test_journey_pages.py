"""Every page on a store that holds only a manager's own file (issue 22), in Chinese and English.

Per real dataset: ``init`` → ``import`` → a plan saved and activated for the data's last year,
then each page (home + pages/*.py) opened with the as-of date inside the data's range. No page
may raise (``at.exception``) or show an error.
"""

from __future__ import annotations

import glob
import re
import shutil
from pathlib import Path

import pytest

from analysis import cli
from tests.app.conftest import ROOT, app
from tests.conftest import SHARED_DATA
from tests.unit.test_journey import DATASETS, Dataset, one_rep_csv

TEAM_HEADERS = {"team", "Team", "团队"}
PAGES = [
    "dashboard.py",
    *sorted(str(Path(p).relative_to(ROOT)) for p in glob.glob(str(ROOT / "pages" / "*.py"))),
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One store per dataset, built once: an import and an active plan, nothing else."""
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
        for args in (
            ["init"],
            ["import", str(src)],
            ["plan", "--year", str(ds.year), "--target", "3000000", "--save", "base", "--activate"],
        ):
            assert cli.main([*args, "--db", str(db), "--json"]) == 0, args
        out[ds.name] = db
    return out


@pytest.mark.parametrize("lang", ["中文", "English"])
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("ds", DATASETS, ids=lambda d: d.name)
def test_page_opens(
    ds: Dataset,
    page: str,
    lang: str,
    stores: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()  # the fixture's CLI output
    at = app("dashboard.py", stores[ds.name], monkeypatch, lang=lang, asof=ds.as_of)
    if page != "dashboard.py":
        at.switch_page(page)  # page links resolve against the entry file
    at.run()
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
