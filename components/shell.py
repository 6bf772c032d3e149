"""The shared page frame: page config, the sidebar (menu, language, as-of date) and the URL state.

Language and as-of date are widgets bound to query parameters (``?lang=en&asof=2026-11-27``),
so a copied link reproduces the view and they persist across page switches.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.logger import get_logger
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analysis import store
from analysis.access import LOCAL, Access
from analysis.i18n import DEFAULT_LANG, LANGS, t
from analysis.messages import Message, render
from components import auth, data
from components.safe import md

LANG_BY_LABEL = {t(f"lang.{code}", code): code for code in LANGS}  # {"中文": "zh", "English": "en"}

ROOT = Path(__file__).resolve().parent.parent

# The menu follows the manager's loop: plan, track, act, evaluate, then the data. One job per entry.
# (section title key or None, [(script path relative to the app root, translation key, icon)]);
# pages appear once their file exists.
MENU: list[tuple[str | None, list[tuple[str, str, str]]]] = [
    (None, [("dashboard.py", "nav.home", ":material/dashboard:")]),
    ("nav.sec.plan", [("pages/1_plan.py", "nav.plan", ":material/target:")]),
    (
        "nav.sec.track",
        [
            ("pages/2_progress.py", "nav.progress", ":material/trending_up:"),
            ("pages/4_risks.py", "nav.risks", ":material/warning:"),
            ("pages/5_insights.py", "nav.insights", ":material/insights:"),
        ],
    ),
    (
        "nav.sec.act",
        [
            ("pages/6_tasks.py", "nav.tasks", ":material/task_alt:"),
            ("pages/7_review.py", "nav.review", ":material/event_note:"),
        ],
    ),
    (
        "nav.sec.evaluate",
        [
            ("pages/8_scorecard.py", "nav.scorecard", ":material/leaderboard:"),
            ("pages/9_incentives.py", "nav.incentives", ":material/workspace_premium:"),
        ],
    ),
    ("nav.sec.data", [("pages/3_data.py", "nav.data", ":material/upload_file:")]),
]
PAGES = [entry for _, entries in MENU for entry in entries]


def menu(lang: str) -> None:
    """The sidebar menu: a small caption per section, then its page links."""
    # Links need folder navigation, which Streamlit only enables when pages/ holds pages.
    if not any((ROOT / "pages").glob("*.py")):
        return
    for section, entries in MENU:
        shown = [(path, key, icon) for path, key, icon in entries if (ROOT / path).exists()]
        if not shown:
            continue
        if section is not None:
            st.caption(t(section, lang))
        for path, key, icon in shown:
            st.page_link(path, label=t(key, lang), icon=icon)


@dataclass(frozen=True)
class Shell:
    lang: str
    as_of: dt.date
    db: str
    # The real date (components.data.today): deadlines are judged against it, sales against as_of.
    today: dt.date
    access: Access = LOCAL  # who is signed in and may change what (components/auth.py)

    def t(self, key: str, **fmt: object) -> str:
        return t(key, self.lang, **fmt)


# The sidebar's URL-bound widgets, drawn on every page: their last non-default values (as the URL
# spells them), kept outside widget state so a page switch cannot lose them.
CARRIED = "shell.carried"
PAGE_SEEN = "shell.page"


def _carry_over(title_key: str) -> None:
    """After a page switch, put the sidebar's values back into the URL and widgets when dropped.

    Streamlit binds a widget to its query parameter per page script, so a switch drops the params
    the previous page bound (``populate_from_query_string`` keeps only the main script's and the
    new page's), and restores a value only if it preserved it: a value first seeded from the URL
    (``/?lang=English``) was lost on the first switch. Runs before the widgets bind on this page.
    """
    previous = st.session_state.get(PAGE_SEEN)
    st.session_state[PAGE_SEEN] = title_key
    if previous in (None, title_key):  # a new session (the URL decides) or a rerun of this page
        return
    for key, value in dict(st.session_state.get(CARRIED, {})).items():
        if key in st.query_params:
            continue
        try:
            st.query_params[key] = value  # the URL of the new page carries it again
        except StreamlitAPIException:  # still bound on this page: the widget keeps it itself
            continue
        st.session_state[key] = _FROM_URL[key](value)  # and the widget shows it


def _remember(lang_label: str, as_of: dt.date, default_as_of: dt.date) -> None:
    carried = {}
    if lang_label != next(iter(LANG_BY_LABEL)):
        carried["lang"] = lang_label
    if as_of != default_as_of:
        carried["asof"] = as_of.isoformat()
    st.session_state[CARRIED] = carried


_FROM_URL = {"lang": str, "asof": dt.date.fromisoformat}


def page(title_key: str) -> Shell:
    """Set up a page: config, sidebar, and the shared URL state. Call first on every page."""
    # The URL carries the label (?lang=English): a bound widget serialises its shown option.
    label_now = st.session_state.get("lang") or st.query_params.get("lang") or ""
    lang_now = LANG_BY_LABEL.get(str(label_now), DEFAULT_LANG)
    _error_boundary(title_key, lang_now)
    _carry_over(title_key)
    st.set_page_config(page_title=f"{t(title_key, lang_now)} · {t('app.title', lang_now)}", layout="wide")
    if "share" in st.query_params:  # a share link shows only its plan version, on any page
        from components import share_view

        share_view.render(str(st.query_params.get("share") or ""), lang_now)
        st.stop()
    access = auth.current(lang_now)  # every rerun; stops with a sign-in screen when needed
    exposed = exposed_address()
    if exposed is not None:
        st.warning(t("access.exposed", lang_now, address=exposed), icon=":material/public:")
    with st.sidebar:
        st.markdown(f"### {t('app.title', lang_now)}")
        menu(lang_now)
        st.divider()
        label = st.radio(
            t("side.lang", lang_now), list(LANG_BY_LABEL), key="lang", bind="query-params", horizontal=True
        )
        lang = LANG_BY_LABEL.get(str(label), DEFAULT_LANG)
        db = str(store.db_path())
        # The last day with data (today when there is none): a later day would count as elapsed
        # without sales (analysis.overview.default_as_of).
        default_as_of = data.default_as_of(db)
        as_of = st.date_input(
            t("side.asof", lang), value=default_as_of, key="asof", bind="query-params", format="YYYY-MM-DD"
        )
        if isinstance(as_of, dt.date):
            _remember(str(label), as_of, default_as_of)
        through = data.data_through(db)
        if through is not None:
            st.caption(t("side.data_through", lang, day=through.isoformat()))
            if isinstance(as_of, dt.date) and as_of > through:
                st.caption(t("side.measured_to", lang, day=through.isoformat()))
        st.caption(f"{t('side.db', lang)}: `{Path(db).name}`")
        auth.sidebar(access, lang)
    if not isinstance(as_of, dt.date):
        as_of = default_as_of
    return Shell(lang=str(lang), as_of=as_of, db=db, access=access, today=data.today())


# The one error boundary of every page. An exception that escapes a page script reaches
# Streamlit's script runner, which logs it and calls the run context's ``on_script_error``
# (what ``st.App(on_script_error=…)`` sets; a ``streamlit run`` app sets it here, per run). The
# user gets one line: what failed, what to do, and an id that finds the traceback in the server
# log. ``client.showErrorDetails = "none"`` in .streamlit/config.toml covers failures before
# ``page()`` runs (an import error): Streamlit's own box then shows no traceback either.
SHOW_EXCEPTIONS_ENV = "SALES_SHOW_EXCEPTIONS"
ERROR_ID = re.compile(r"\bE-[0-9a-f]{8}\b")  # "1" in AppTests: keep the exception element they check
_LOG = get_logger(__name__)


def _error_boundary(title_key: str, lang: str) -> None:
    ctx = get_script_run_ctx()
    if ctx is not None:
        ctx.on_script_error = functools.partial(page_failed, title_key=title_key, lang=lang)


def page_failed(exc: Exception, *, title_key: str, lang: str) -> bool:
    """Log ``exc`` with a new error id and show the one-line message; True hides Streamlit's own."""
    if os.environ.get(SHOW_EXCEPTIONS_ENV) == "1":
        return False
    error_id = f"E-{secrets.token_hex(4)}"  # ERROR_ID finds it in the log and on the page
    _LOG.error("page error %s on %s (%s)", error_id, title_key, type(exc).__name__, exc_info=exc)
    if isinstance(exc, store.StoreLocked):
        what = t("err.locked", lang)
    elif isinstance(exc, store.StoreError) or (exc.args and isinstance(exc.args[0], Message)):
        what = render(exc, lang).splitlines()[0]  # written for users: a refused value, a store problem
    else:
        what = t("err.page.what", lang, page=t(title_key, lang))
    st.error(t("err.page", lang, what=what, id=error_id), icon=":material/error:")
    return True


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def exposed_address() -> str | None:
    """The bind address when the server is reachable from other machines without sign-in, else None.

    An unset ``server.address`` makes Streamlit listen on every interface, so it counts as exposed."""
    address = str(st.get_option("server.address") or "")
    if address in LOOPBACK or address.startswith("127.") or auth.configured():
        return None
    return address or "0.0.0.0"


@contextmanager
def writing(sh: Shell) -> Iterator[store.Connection]:
    """A read-write connection acting as the signed-in user: every page's one way to write.

    The store's gate checks ``sh.access`` before each write; a refusal (``store.Refused``,
    nothing written) is shown as a message and stops this run."""
    try:
        with store.connect(sh.db, actor=sh.access) as con:
            yield con
    except store.Refused as exc:
        auth.show_refusal(exc, sh.lang)
        st.stop()


def store_error(shell: Shell, exc: Exception) -> None:
    """Show a store problem as a message, never a stack trace."""
    if isinstance(exc, store.StoreLocked):
        st.warning(shell.t("err.locked"), icon=":material/lock_clock:")
    else:
        st.error(shell.t("err.store", msg=md(str(exc).splitlines()[0])), icon=":material/error:")
