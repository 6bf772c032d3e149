"""Home page tiles: the manager's morning (year and month standing, who is behind, top risks, what is
due, the last import). Numbers come from :func:`analysis.home.morning`; every tile links to the page
and view that explains it, with the view's filters in the link's query parameters.

User text (team, rep, task and file names) goes into link labels and captions escaped, never as
Markdown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import home, store, tasks
from analysis.i18n import fmt_compact, fmt_exact, fmt_pct, t
from components import progress_view, risk_view, shell

PROGRESS = "pages/2_progress.py"
PLAN = "pages/1_plan.py"
RISKS = "pages/4_risks.py"
TASKS = "pages/6_tasks.py"
DATA = "pages/3_data.py"


@st.cache_data(show_spinner=False, max_entries=16)
def load_morning(
    db: str, version: tuple[float, int], as_of: dt.date, fy_start_month: int, today: dt.date
) -> home.Morning:
    """The morning summary: sales measured to ``as_of``, deadlines judged against ``today``."""
    pdata = progress_view.load_data(db, version, as_of, fy_start_month)
    report = risk_view.load_report(db, version, as_of, fy_start_month)
    with store.connect(db, read_only=True) as con:
        task_frame = tasks.load(con)
        register = store.register_entries(con)
        imports = store.list_imports(con)
    return home.morning(pdata, report, task_frame, register, imports, today)


def link(page: str, label: str, params: dict[str, str] | None = None, icon: str | None = None) -> None:
    """A page link carrying the view's filters; nothing when the page does not exist."""
    if (shell.ROOT / page).exists():
        st.page_link(page, label=label, query_params=params or None, icon=icon)


def plan_note(m: home.Morning, lang: str) -> None:
    """Which plan the targets come from; without an active plan, say so and offer to build one."""
    fy = m.fy.label
    if m.plan_source == "active":
        st.caption(t("home.plan_active", lang, label=risk_view.plain(m.plan_label)))
        return
    if m.plan_source == "default":
        assumption = t("home.default_assumption", lang, label=m.plan_label)
        st.info(t("home.no_plan", lang, fy=fy, assumption=assumption), icon=":material/info:")
    else:
        st.warning(t("home.no_target", lang, fy=fy), icon=":material/warning:")
    link(PLAN, t("home.build_plan", lang, fy=fy), {"year": str(m.fy.year)}, icon=":material/target:")


def standing(title: str, s: home.Standing, lang: str) -> None:
    """Target, actual, gap to pace and forecast of one period in a bordered card, linked to Progress."""
    with st.container(border=True):
        st.markdown(f"**{title}**")
        # Two by two: four cards in a row of a half-width column would cut 1,743.9万 at 1,366 px.
        c = [*st.columns(2), *st.columns(2)]
        c[0].metric(t("prog.target", lang), fmt_compact(s.target, lang), help=_exact(s.target, lang))
        c[1].metric(
            t("prog.actual", lang),
            fmt_compact(s.actual, lang),
            delta=t("home.attainment_of", lang, v=fmt_pct(s.attainment, lang)),
            delta_color="off",
            delta_arrow="off",
            help=_exact(s.actual, lang),
        )
        c[2].metric(
            t("home.gap", lang),
            fmt_compact(s.pace_gap, lang),
            delta=fmt_pct(s.pace_gap_pct, lang, signed=True),
            help=t(
                "home.gap_help", lang, expected=fmt_compact(s.expected, lang), exact=fmt_exact(s.pace_gap)
            ),
        )
        c[3].metric(
            t("prog.forecast", lang),
            fmt_compact(s.forecast, lang),
            help=_exact(s.forecast, lang),
        )
        # The range on its own line: inside a card's value it would be cut at 1,366 px.
        st.caption(
            t(
                "home.forecast_band",
                lang,
                lo=fmt_compact(s.low, lang),
                hi=fmt_compact(s.high, lang),
                p=fmt_pct(s.probability, lang),
            )
        )
        link(
            PROGRESS, t("home.open_progress", lang), {"period": s.period.label}, icon=":material/trending_up:"
        )


def _exact(v: object, lang: str) -> str:
    return t("home.exact", lang, v=fmt_exact(v))  # type: ignore[arg-type]


def behind(m: home.Morning, lang: str) -> None:
    """The teams and reps furthest behind pace this month, each linked to its progress view."""
    st.markdown(f"**{t('home.behind', lang)}**")
    if m.behind_teams.empty and m.behind_reps.empty:
        st.caption(t("home.behind_none", lang))
        return
    period = m.month.period.label
    for by, frame in (("team", m.behind_teams), ("rep", m.behind_reps)):
        if frame.empty:
            continue
        st.caption(t(f"home.behind_{by}s", lang))
        for r in frame.itertuples(index=False):
            who = str(r.team) if by == "team" else f"{r.rep} · {r.team}"
            # The progress page lists team-less reps as the team "—" too, so the link names it.
            params = {"period": period, "team": str(r.team)}
            if by == "rep":
                params["rep"] = str(r.rep)
            label = t(
                "home.behind_row",
                lang,
                who=risk_view.plain(who),
                gap=fmt_compact(int(r.gap_cents) / 100, lang),
                pct=fmt_pct(r.gap_pct, lang, signed=True),
            )
            link(PROGRESS, label, params)


def flags(m: home.Morning, lang: str) -> None:
    """The top flags by money at stake, each linked to the risks page filtered to its rule and scope."""
    st.markdown(f"**{t('home.risks', lang)}**")
    if not m.flags:
        st.caption(t("home.risks_none", lang))
        return
    for rf in m.flags:
        f = rf.flag
        label = t(
            "home.risk_row",
            lang,
            who=risk_view.plain(f.entity_label(lang)),
            rule=t(f"risk.rule.{f.rule}", lang),
            money=fmt_compact(rf.money_at_risk, lang),
        )
        link(RISKS, label, {"rule": f.rule, "scope": f.scope}, icon=":material/warning:")
    link(RISKS, t("home.risks_all", lang, n=m.n_flags))


SHOWN = 3  # items listed under each count


def _items(frame: pd.DataFrame) -> None:
    """The first tasks of a list as plain text: title · rep · deadline (user text escaped)."""
    for r in frame.head(SHOWN).itertuples(index=False):
        st.caption(f"{risk_view.plain(str(r.title))} · {risk_view.plain(str(r.rep))} · {r.deadline}")


def due(m: home.Morning, lang: str) -> None:
    """Tasks overdue and due this week, register items due, and the last import."""
    st.markdown(f"**{t('home.due', lang)}**")
    st.caption(t("home.due_caption", lang, end=m.week_end.isoformat()))
    link(
        TASKS,
        t("home.tasks_overdue", lang, n=len(m.tasks_overdue)),
        {"view": "overdue"},
        icon=":material/alarm:",
    )
    _items(m.tasks_overdue)
    link(
        TASKS, t("home.tasks_week", lang, n=len(m.tasks_this_week)), {"view": "week"}, icon=":material/event:"
    )
    _items(m.tasks_this_week)
    link(RISKS, t("home.register_due", lang, n=len(m.register_due)), None, icon=":material/assignment:")
    for r in m.register_due.head(SHOWN).itertuples(index=False):
        owner = "" if r.owner is None or r.owner != r.owner else f" · {risk_view.plain(str(r.owner))}"
        rule = t(f"risk.rule.{r.rule}", lang)
        st.caption(f"{risk_view.plain(str(r.entity_name))} · {rule}{owner} · {r.due_date}")
    st.markdown(f"**{t('home.import', lang)}**")
    imp = m.last_import
    if imp is None:
        st.caption(t("home.import_none", lang))
    else:
        st.caption(
            t(
                "home.import_row",
                lang,
                at=f"{imp.at:%Y-%m-%d %H:%M}",
                rows=f"{imp.rows:,}",
                total=fmt_compact(imp.total, lang),
                first=imp.first_day or "",
                last=imp.last_day or "",
            )
        )
    link(DATA, t("home.import_open", lang), None, icon=":material/upload_file:")
