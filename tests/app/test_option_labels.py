"""Every choice on every page is shown in the user's language: no option, default or label of a
selectbox, radio, segmented control, multiselect or pills equals an internal code (issue 20).

The codes stay in the URL (components/links.choice); the words are what a manager reads.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from analysis import allocate, importer, incentives, ingest, planning, risks, scorecard, spread, tasks
from components import plan_view
from tests.app.conftest import ROOT, app

PAGES = [
    "dashboard.py",
    *sorted(str(Path(p).relative_to(ROOT)) for p in glob.glob(str(ROOT / "pages" / "*.py"))),
]

# Internal codes a user must never read as a choice (they may sit in the URL).
CODES = frozenset(
    {
        *risks.SEVERITIES,
        *risks.SCOPES,
        *risks.RULES,
        *tasks.TASK_TYPES,
        *tasks.PRIORITIES,
        *tasks.STATUSES,
        *tasks.STATES,
        *spread.SPREAD_METHODS,
        *allocate.ALLOC_METHODS,
        *allocate.LEVELS,
        *planning.CALENDARS,
        *planning.HISTORY_WINDOWS,
        *plan_view.GRAINS,
        *plan_view.LEVELS,
        *incentives.GRAINS,
        *scorecard.KPIS,
        *importer.MODES,
        *ingest.FIELDS,
        "all",
        "due_soon",
        "week",
        "plan",
        "last_year",
        "product",
        "open",
        "mitigating",
        "closed",
    }
)
WIDGETS = ("selectbox", "radio", "button_group", "multiselect")


def shown_choices(at) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(widget type, label, option) for every choice widget on the page."""
    out = []
    for kind in WIDGETS:
        for w in at.get(kind):
            for opt in getattr(w, "options", []):
                out.append((kind, str(w.label), str(opt)))
            out.append((kind, "label", str(w.label)))
    return out


@pytest.mark.parametrize("lang", ["中文", "English"])
@pytest.mark.parametrize("page", PAGES)
def test_no_choice_shows_an_internal_code(page: str, lang: str, demo_db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at = app("dashboard.py", demo_db, monkeypatch, lang=lang, asof="2026-11-26")
    if page != "dashboard.py":
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    bad = [c for c in shown_choices(at) if c[2] in CODES]
    assert not bad, bad


class TestLinksAreLanguageNeutral:
    """A link copied in 中文 opens the same view in English and the other way round: the URL holds codes."""

    @pytest.mark.parametrize("lang", ["中文", "English"])
    def test_codes_in_the_url_open_the_view_in_either_language(
        self, lang: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(
            "dashboard.py",
            demo_db,
            monkeypatch,
            lang=lang,
            asof="2026-11-26",
            rule="behind_pace",
            scope="team",
        )
        at.switch_page("pages/4_risks.py")
        at.query_params["sev"] = ["high", "medium"]
        at.run()
        assert not at.exception
        assert at.selectbox(key="rule").value == "behind_pace"
        assert at.selectbox(key="scope").value == "team"
        assert at.multiselect(key="sev").value == ["high", "medium"]
        shown = {"中文": ("连续落后进度", "团队"), "English": ("Behind pace", "Team")}[lang]
        assert (
            at.selectbox(key="rule").format_func("behind_pace"),
            at.selectbox(key="scope").format_func("team"),
        ) == shown

    def test_a_choice_writes_its_code_and_the_default_leaves_the_url_clean(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof="2026-11-26")
        at.switch_page("pages/5_insights.py")
        at.run()
        assert "vs" not in at.query_params
        at.button_group(key="vs").set_value("last_year").run()
        at.button_group(key="by").set_value("rep").run()
        assert (at.query_params["vs"], at.query_params["by"]) == ("last_year", "rep")
        at.button_group(key="vs").set_value("plan").run()
        assert "vs" not in at.query_params
        odd = app("dashboard.py", demo_db, monkeypatch, asof="2026-11-26", vs="nonsense")
        odd.switch_page("pages/5_insights.py")
        odd.run()
        assert odd.button_group(key="vs").value == "plan"  # an unknown code is ignored
