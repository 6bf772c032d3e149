"""The read-only view a share link opens: one plan version's targets, no edit controls.

Called by ``shell.page`` whenever the URL has ``?share=``, on any page, before the sidebar is
drawn, so a link never reaches the rest of the app. The token is checked on every rerun (a
revoked link stops working at once); a refused token shows a message and nothing of the data.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import planning, share, store
from analysis.i18n import fmt_amount, t
from analysis.spread import PlanInputError
from components.safe import md


def _pivot(frame: pd.DataFrame, index: list[str], periods: list[str], year: str) -> pd.DataFrame:
    wide = frame.pivot_table(index=index, columns="period", values="cents", aggfunc="sum", sort=False)
    wide = wide.reindex(columns=periods).fillna(0).astype("int64")
    wide[year] = wide.sum(axis=1)
    return (wide / 100).reset_index()  # floats for display only; the sums above are exact cents


def render(token: str, lang: str) -> None:
    """The whole page for ``?share=TOKEN``: the version's targets by month, or why the link does not work."""
    st.title(t("share.title", lang))
    try:
        with store.connect(read_only=True) as con:
            res = share.resolve(con, token)
            if not res.ok or res.link is None:
                st.error(t(f"share.{res.status}", lang), icon=":material/link_off:")
                return
            pv, by_rep = planning.version_cents(con, res.link.version_id, "month", "rep")
            reps = store.reps_frame(con)
            teams = store.teams_frame(con)
    except (store.StoreError, PlanInputError):
        st.error(t("share.unavailable", lang), icon=":material/error:")
        return
    st.subheader(t("share.heading", lang, scenario=md(pv.scenario), version=pv.version, year=pv.fiscal_year))
    st.caption(t("share.meta", lang, author=md(pv.author or "—"), at=f"{pv.created_at:%Y-%m-%d %H:%M}"))
    expires = f"{res.link.expires_at:%Y-%m-%d %H:%M}" if res.link.expires_at else t("share.never", lang)
    k1, k2, k3 = st.columns(3)
    k1.metric(t("share.target", lang), fmt_amount(pv.target, lang))
    k2.metric(t("share.reps", lang), f"{by_rep['rep_id'].nunique()}")
    k3.metric(t("share.expires", lang), expires)

    rep_name = dict(zip(reps["rep_id"], reps["name"], strict=True))
    team_name = dict(zip(teams["team_id"], teams["name"], strict=True))
    by_rep = by_rep.assign(
        team=by_rep["team_id"].map(lambda x: team_name.get(x, x)),
        rep=by_rep["rep_id"].map(lambda x: rep_name.get(x, x)),
    )
    periods = list(dict.fromkeys(by_rep["period"]))
    year = t("share.total", lang)
    money = st.column_config.NumberColumn(format="%,.2f")
    cfg = dict.fromkeys([*periods, year], money)
    cfg |= {"team": t("col.team", lang), "rep": t("col.rep", lang)}  # names are shown as plain cell text
    st.markdown(f"#### {t('share.by_team', lang)}")
    st.dataframe(_pivot(by_rep, ["team"], periods, year), column_config=cfg, hide_index=True, width="stretch")
    st.markdown(f"#### {t('share.by_rep', lang)}")
    st.dataframe(
        _pivot(by_rep, ["team", "rep"], periods, year), column_config=cfg, hide_index=True, width="stretch"
    )
