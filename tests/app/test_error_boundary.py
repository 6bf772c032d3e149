"""The page error boundary: a crash shows one line with an error id; the traceback goes to the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.calendar import CalendarError
from analysis.messages import Message
from components import data
from components.shell import ERROR_ID, SHOW_EXCEPTIONS_ENV
from tests.app.conftest import ROOT, app


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log() -> Iterator[_Records]:
    handler = _Records()
    logger = logging.getLogger("components.shell")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def crashing(demo_db: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception, **params: str) -> AppTest:
    """The home page on the demo, with the overview read failing with ``exc`` (after the sidebar)."""

    def fail(*_args: object) -> None:
        raise exc

    monkeypatch.setattr(data, "load_overview", fail)
    return app("dashboard.py", demo_db, monkeypatch, **params).run()


INTERNAL = RuntimeError("internal detail: /secret/path.duckdb")


@pytest.mark.parametrize("lang,needle", [("中文", "错误编号"), ("English", "error id")])
def test_crash_is_one_line_with_an_error_id(
    lang: str, needle: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch, log: _Records
) -> None:
    monkeypatch.delenv(SHOW_EXCEPTIONS_ENV)
    at = crashing(demo_db, monkeypatch, INTERNAL, lang=lang)
    assert not at.exception  # no traceback element
    assert len(at.error) == 1
    text = at.error[0].value
    assert needle in text and "\n" not in text
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    error_id = ERROR_ID.search(text)
    assert error_id, text
    # The server log holds the same id and the traceback.
    mine = [r for r in log.records if error_id.group(0) in r.getMessage()]
    assert len(mine) == 1 and mine[0].exc_info and mine[0].exc_info[0] is RuntimeError
    assert at.title  # what was drawn before the failure stays


def test_a_message_for_users_says_what(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SHOW_EXCEPTIONS_ENV)
    refused = CalendarError(Message("msg.cal.year_range", year="1800"))
    at = crashing(demo_db, monkeypatch, refused, lang="English")
    assert not at.exception
    assert "1800" in at.error[0].value  # the refused year, in the user's language


def test_tests_keep_the_exception_element(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The autouse fixture of tests/app keeps crashes visible to ``at.exception``."""
    at = crashing(demo_db, monkeypatch, INTERNAL)
    assert at.exception and not at.error


def test_config_hides_tracebacks_from_users() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
