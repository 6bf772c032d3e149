"""Shared fixtures: a small deterministic demo database built once per test session."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from analysis import demo

# Shared 2-core machines are slow and noisy: no per-example deadline and no "too slow" health
# check, so a property test fails only on a real counterexample, never on machine load.
settings.register_profile("shared", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared")

DEMO_END = dt.date(2026, 11, 26)
DEMO_ROWS = 30_000


def _shared_data() -> Path:
    """../shared/data beside the checkout, or $SHARED_DATA, or the workplace's /work/shared/data."""
    candidates = [Path(os.environ["SHARED_DATA"])] if os.environ.get("SHARED_DATA") else []
    candidates += [Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


SHARED_DATA = _shared_data()


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company's sales only: no plans, tasks, reviews or register entries yet, so a
    test of a feature starts from a known, empty state of that feature."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build_demo(str(path), rows=DEMO_ROWS, end=DEMO_END, living=False)
    return path


@pytest.fixture(scope="session")
def living_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company as `make run` builds it: the sales plus a year of use (plans, tasks,
    weekly reviews, register entries, CSAT answers, incentive scheme)."""
    path = tmp_path_factory.mktemp("living") / "living.duckdb"
    demo.build_demo(str(path), rows=DEMO_ROWS, end=DEMO_END)
    return path


@pytest.fixture
def living_db(living_db_master: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the living demo database that a test may write to."""
    path = tmp_path / "living.duckdb"
    shutil.copy(living_db_master, path)
    yield path


@pytest.fixture
def demo_db(demo_db_master: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the demo database that a test may write to."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_master, path)
    yield path


@pytest.fixture
def shared_data(tmp_path: Path) -> Path:
    """Copies of ../shared/data (read-only originals) in a temp folder."""
    if not SHARED_DATA.exists():
        pytest.fail(f"shared fixtures missing at {SHARED_DATA}")
    out = tmp_path / "shared"
    shutil.copytree(SHARED_DATA, out)
    for f in out.iterdir():
        f.chmod(0o644)
    return out
