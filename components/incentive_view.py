"""Incentives page helpers: cached evaluation, the plan editor, and the translated tables and chart.

Numbers come from :mod:`analysis.incentives`; money is shown from exact integer cents as Decimal
yuan (never through a float), ratios as percentages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import incentives, metrics, store
from analysis.i18n import fmt_pct, t
from components import charts


def words(lang: str) -> dict[str, str]:
    return {k: t(f"inc.word.{k}", lang) for k in incentives.EXPLAIN_WORDS}


@st.cache_data(show_spinner=False, max_entries=16)
def load(
    db: str, version: tuple[float, int], as_of: dt.date, period: str, fy_start_month: int, lang: str
) -> incentives.Incentives:
    del version  # part of the cache key only
    with store.connect(db, read_only=True) as con:
        data = metrics.load_inputs(con, as_of, fy_start_month)
        plan = incentives.load_plan(con)
    return incentives.evaluate(data, metrics.period_by_label(data.fy, period), plan, words(lang))


def yuan(cents: object) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)  # type: ignore[call-overload]


def money(cents: object) -> str:
    """Exact yuan with thousands separators and two decimals (12,345.60)."""
    return f"{yuan(cents):,}"


def _pct(v: float | None, lang: str) -> str:
    return fmt_pct(None if v is None or v != v else float(v), lang)


def payout_table(tbl: pd.DataFrame, lang: str) -> pd.DataFrame:
    col = {k: t(f"inc.col.{k}", lang) for k in ("target", "actual", "attainment", "commission", "bonus")}
    return pd.DataFrame(
        {
            t("col.rep", lang): tbl["rep"].astype(str),
            t("col.team", lang): tbl["team"].astype(str),
            col["target"]: [money(c) for c in tbl["target_cents"]],
            col["actual"]: [money(c) for c in tbl["actual_cents"]],
            col["attainment"]: [_pct(v, lang) for v in tbl["attainment"]],
            col["commission"]: [money(c) for c in tbl["commission_cents"]],
            col["bonus"]: [money(c) for c in tbl["bonus_cents"]],
            t("inc.col.payout", lang): [money(c) for c in tbl["payout_cents"]],
            t("inc.col.forecast", lang): [money(c) for c in tbl["forecast_cents"]],
            t("inc.col.forecast_att", lang): [_pct(v, lang) for v in tbl["forecast_attainment"]],
            t("inc.col.forecast_payout", lang): [money(c) for c in tbl["forecast_payout_cents"]],
            t("inc.col.plan_payout", lang): [money(c) for c in tbl["plan_payout_cents"]],
            t("inc.col.note", lang): tbl["explain"].astype(str),
        }
    )


def board_table(board: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("inc.col.rank", lang): board["rank"],
            t("col.rep", lang): board["rep"].astype(str),
            t("col.team", lang): board["team"].astype(str),
            t("inc.col.attainment", lang): [_pct(v, lang) for v in board["attainment"]],
            t("inc.col.actual", lang): [money(c) for c in board["actual_cents"]],
            t("inc.col.payout", lang): [money(c) for c in board["payout_cents"]],
        }
    )


def streak_table(streaks: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col.rep", lang): streaks["rep"].astype(str),
            t("col.team", lang): streaks["team"].astype(str),
            t("inc.col.current", lang): streaks["current"],
            t("inc.col.best", lang): streaks["best"],
            t("inc.col.met", lang): [
                f"{m} / {w}" for m, w in zip(streaks["met_weeks"], streaks["weeks"], strict=True)
            ],
        }
    )


def payout_chart(tbl: pd.DataFrame, lang: str) -> go.Figure:
    return charts.grouped_bars(
        [str(r) for r in tbl["rep"]],
        {
            t("inc.pay_actual", lang): [float(yuan(c)) for c in tbl["payout_cents"]],  # chart only
            t("inc.pay_forecast", lang): [float(yuan(c)) for c in tbl["forecast_payout_cents"]],
        },
        lang=lang,
        x_title=t("col.rep", lang),
        y_title_key="inc.col.payout",
    )


# --- the plan editor -------------------------------------------------------------------------


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Editor rows as dicts, without trailing rows left completely blank (an added, unused row)."""
    rows = frame.to_dict(orient="records")
    while rows and all(v is None or (isinstance(v, float) and v != v) or v == "" for v in rows[-1].values()):
        rows.pop()
    return [{str(k): v for k, v in r.items()} for r in rows]


def grain_labels(lang: str) -> dict[str, str]:
    return {g: t(f"inc.grain.{g}", lang) for g in incentives.GRAINS}


def refusal(exc: incentives.PlanError, lang: str) -> str:
    """The translated 'which row / value and why' sentence of a refused plan."""
    field = t(f"inc.field.{exc.field}", lang) if exc.field else ""
    if exc.row is not None:
        where = t("inc.where.row", lang, table=t(f"inc.table.{exc.table}", lang), row=exc.row, field=field)
    elif field:
        where = t("inc.where.field", lang, field=field)
    else:
        where = ""
    value = exc.value if exc.value is not None else ""
    why = t(
        f"inc.why.{exc.code}", lang, value=value, expected=exc.expected if exc.expected is not None else ""
    )
    return t("inc.refused", lang, where=where, why=why)


def plan_editor(
    plan: incentives.CommissionPlan, lang: str, *, editable: bool = True
) -> incentives.CommissionPlan | None:
    """The plan form. Returns the validated plan when saved, None otherwise; a refusal is shown
    as an error naming the table, row, column and value. ``editable=False`` shows the plan read-only."""
    if not editable:
        st.info(t("access.admin_only", lang), icon=":material/lock:")
    labels = grain_labels(lang)
    code_of = {v: k for k, v in labels.items()}
    with st.form("inc_plan_form"):
        c1, c2 = st.columns(2)
        rate = c1.number_input(
            t("inc.base_rate", lang),
            value=float(plan.base_rate * 100),
            step=0.5,
            format="%.4f",
            key="inc_rate",
            disabled=not editable,
        )
        gate = c2.number_input(
            t("inc.gate", lang),
            value=float(plan.gate * 100),
            step=5.0,
            format="%.2f",
            key="inc_gate",
            disabled=not editable,
        )
        st.markdown(f"**{t('inc.tiers', lang)}**")
        st.caption(t("inc.tiers_help", lang))
        tiers = st.data_editor(
            pd.DataFrame(incentives.tier_rows(plan), columns=["lower_pct", "upper_pct", "multiplier"]).astype(
                "float64"
            ),
            num_rows="dynamic" if editable else "fixed",
            hide_index=True,
            width="stretch",
            key="tier_editor",
            disabled=not editable,
            column_config={
                k: st.column_config.NumberColumn(t(f"inc.field.{k}", lang), format="%.2f")
                for k in ("lower_pct", "upper_pct", "multiplier")
            },
        )
        st.markdown(f"**{t('inc.caps', lang)}**")
        cap_cols = st.columns(len(incentives.GRAINS))
        caps: dict[str, object] = {
            g: col.number_input(
                t(f"inc.field.cap_{g}", lang),
                value=None if plan.caps.get(g) is None else float(yuan(plan.caps[g])),
                step=1000.0,
                format="%.2f",
                key=f"inc_cap_{g}",
                disabled=not editable,
            )
            for g, col in zip(incentives.GRAINS, cap_cols, strict=True)
        }
        st.markdown(f"**{t('inc.bonuses', lang)}**")
        bonus_frame = pd.DataFrame(
            incentives.bonus_rows(plan), columns=["grain", "threshold_pct", "amount"]
        ).astype({"threshold_pct": "float64", "amount": "float64"})
        bonus_frame["grain"] = bonus_frame["grain"].map(labels).astype(object)
        bonuses = st.data_editor(
            bonus_frame,
            num_rows="dynamic" if editable else "fixed",
            hide_index=True,
            width="stretch",
            key="bonus_editor",
            disabled=not editable,
            column_config={
                "grain": st.column_config.SelectboxColumn(
                    t("inc.field.grain", lang), options=list(labels.values())
                ),
                "threshold_pct": st.column_config.NumberColumn(
                    t("inc.field.threshold_pct", lang), format="%.2f"
                ),
                "amount": st.column_config.NumberColumn(t("inc.field.amount", lang), format="%.2f"),
            },
        )
        if not st.form_submit_button(t("inc.save", lang), disabled=not editable) or not editable:
            return None
    bonus_rows = [{**r, "grain": code_of.get(str(r.get("grain")), r.get("grain"))} for r in _rows(bonuses)]
    try:
        return incentives.build_plan(rate, _rows(tiers), gate_pct=gate, caps=caps, bonuses=bonus_rows)
    except incentives.PlanError as exc:
        st.error(refusal(exc, lang), icon=":material/block:")
        return None
