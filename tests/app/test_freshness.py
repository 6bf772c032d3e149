"""The sidebar's as-of day defaults to the last day with data and says so (zh + en)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.app.test_progress import PAGE, app
from tests.conftest import DEMO_END


def sidebar_captions(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.value for c in at.sidebar.caption]


class TestDefaultAsOf:
    @pytest.mark.parametrize(("lang", "text"), [("中文", "数据截至"), ("English", "data through")])
    def test_first_open_is_the_last_data_day(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, lang: str, text: str
    ) -> None:
        at = app(PAGE, demo_db, monkeypatch, lang=lang).run()
        assert not at.exception
        assert at.date_input(key="asof").value == DEMO_END
        assert f"{text} {DEMO_END}" in sidebar_captions(at)
        assert DEMO_END.isoformat() in at.subheader[0].value

    def test_a_later_day_is_measured_to_the_last_data_day(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        later = DEMO_END + dt.timedelta(days=5)
        at = app(PAGE, demo_db, monkeypatch, lang="English", asof=later.isoformat()).run()
        assert not at.exception
        assert at.date_input(key="asof").value == later
        assert any(f"measured to {DEMO_END}" in c for c in sidebar_captions(at))
        assert f"as of {DEMO_END}" in at.subheader[0].value  # the numbers stop at the last data day

    def test_empty_store_defaults_to_today(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(PAGE, tmp_path / "new.duckdb", monkeypatch).run()
        assert not at.exception
        assert at.date_input(key="asof").value == dt.date.today()
        assert not any("数据截至" in c for c in sidebar_captions(at))
