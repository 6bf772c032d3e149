"""Risks page helpers: cached report and register reads, evidence and register tables, settings editors.

Rules and numbers come from :mod:`analysis.risks`; this module caches, formats and writes through
the store. User text (names, plans, owners) is shown as plain text, never as HTML or Markdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import insights, risks, store
from analysis.i18n import fmt_amount, fmt_pct, t
from components import charts, tables
from components.safe import md

RATIO_WORDS = ("share", "attainment", "yoy", "pct", "threshold")
FLAG_COLUMNS = ("severity", "entity", "rule", "money", "reason", "register", "scope", "period")
FLAG_ROW_PX = 78  # three wrapped lines of the reason


def plain(text: str) -> str:
    """Escape Markdown so user text renders literally inside st.markdown / st.info (components.safe.md)."""
    return md(text)


@st.cache_data(show_spinner=False, max_entries=16)
def load_report(db: str, version: tuple[float, int], as_of: dt.date, fy_start_month: int) -> risks.RiskReport:
    del version  # part of the cache key only
    with store.connect(db, read_only=True) as con:
        return risks.evaluate(risks.load_inputs(con, as_of, fy_start_month))


@st.cache_data(show_spinner=False, max_entries=16)
def load_register(db: str, version: tuple[float, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    del version
    with store.connect(db, read_only=True) as con:
        return store.register_entries(con), store.register_history(con)


@st.cache_data(show_spinner=False, max_entries=16)
def load_settings(db: str, version: tuple[float, int]) -> tuple[risks.Thresholds, dict[str, dict[str, str]]]:
    del version
    with store.connect(db, read_only=True) as con:
        return risks.merge_thresholds(store.risk_thresholds(con)), risks.merge_playbook(
            store.risk_playbook(con)
        )


def flag_label(f: risks.Flag, lang: str) -> str:
    sev, rule = t(f"risk.sev.{f.severity}", lang), t(f"risk.rule.{f.rule}", lang)
    return f"[{sev}] {f.entity_label(lang)} · {rule}"


def flags_table(
    flags: list[risks.Flag],
    links: dict[tuple[str, str, str], tuple[int, str]],
    lang: str,
    key: str = "flags_table",
) -> None:
    """The flags as a table (reason wrapped); the page draws the top five and the rest apart."""
    rows = _flag_rows(flags, links, lang)
    # Reason wraps (a row taller than 4rem lets glide wrap text) in a wide column placed before the
    # secondary columns, so the sentence is read whole; scope and period may scroll off on narrow screens.
    widths: dict[str, int] = {
        "severity": 70,
        "entity": 90,
        "rule": 150,
        "money": 90,
        "reason": 400,
        "register": 100,
    }
    cfg = (
        {k: st.column_config.TextColumn(t(f"risk.col.{k}", lang), width=widths.get(k)) for k in rows[0]}
        if rows
        else None
    )
    st.dataframe(
        pd.DataFrame(rows),
        column_config=cfg,
        column_order=FLAG_COLUMNS,
        row_height=FLAG_ROW_PX,
        hide_index=True,
        width="stretch",
        key=key,
    )


def flags_download(
    flags: list[risks.Flag], links: dict[tuple[str, str, str], tuple[int, str]], lang: str
) -> None:
    """One Excel download of every flag shown (the top five and the rest together)."""
    heads = {k: t(f"risk.col.{k}", lang) for k in FLAG_COLUMNS}
    tables.download(
        {t("nav.risks", lang): tables.labelled(pd.DataFrame(_flag_rows(flags, links, lang)), heads)},
        "risks.xlsx",
        lang,
        key="flags_xlsx",  # once per page, for every flag shown (the top N and the rest)
    )


def _flag_rows(
    flags: list[risks.Flag], links: dict[tuple[str, str, str], tuple[int, str]], lang: str
) -> list[dict[str, str]]:
    rows = []
    for f in flags:
        link = links.get(f.key)
        rows.append(
            {
                "severity": t(f"risk.sev.{f.severity}", lang),
                "rule": t(f"risk.rule.{f.rule}", lang),
                "scope": t(f"risk.scope.{f.scope}", lang),
                "entity": f.entity_label(lang),
                "period": f.period,
                "reason": f.reason[lang],
                "register": "" if link is None else f"#{link[0]} " + t(f"risk.status.{link[1]}", lang),
                "money": fmt_amount(f.money_at_risk, lang),
            }
        )
    return rows


def _fmt_value(key: str, v: Any, lang: str) -> str:
    if isinstance(v, Decimal):
        return f"{fmt_amount(v, lang)} ({v:,.2f})"
    if isinstance(v, float) and any(w in key for w in RATIO_WORDS):
        return fmt_pct(v, lang)
    if isinstance(v, list) and v and isinstance(v[0], float):
        return ", ".join(fmt_pct(x, lang) for x in v)
    if isinstance(v, list) and v and isinstance(v[0], Decimal):
        return ", ".join(fmt_amount(x, lang) for x in v)
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


def evidence(f: risks.Flag, lang: str) -> None:
    """The flag's numbers as a two-column table, plus its follow-up list of customers if any."""
    rows = [
        {"item": t(f"risk.ev.{k}", lang), "value": _fmt_value(k, v, lang)}
        for k, v in f.evidence.items()
        if k != "follow_up"
    ]
    cfg = {
        "item": st.column_config.TextColumn(t("risk.col.item", lang)),
        "value": st.column_config.TextColumn(t("risk.col.value", lang)),
    }
    st.dataframe(
        pd.DataFrame(rows), column_config=cfg, hide_index=True, width="stretch", key="evidence_table"
    )
    if f.also:
        st.markdown(f"**{t('risk.also', lang)}**")
        more = pd.DataFrame(
            [
                {
                    "entity": a.entity_label(lang),
                    "rule": t(f"risk.rule.{a.rule}", lang),
                    "money": fmt_amount(a.money_at_risk, lang),
                    "reason": a.reason[lang],
                }
                for a in f.also
            ]
        )
        # The reason wraps (as in the flags table) so the sentence is read whole in the narrow column.
        w = {"entity": 70, "rule": 100, "money": 80, "reason": 320}
        cfg3 = {c: st.column_config.TextColumn(t(f"risk.col.{c}", lang), width=w[c]) for c in more.columns}
        st.dataframe(
            more,
            column_config=cfg3,
            row_height=FLAG_ROW_PX,
            hide_index=True,
            width="stretch",
            key="also_table",
        )
    follow = f.evidence.get("follow_up")
    if follow:
        st.markdown(f"**{t('risk.follow_up', lang)}**")
        fu = pd.DataFrame(follow)
        fu["sales"] = [fmt_amount(x, lang) for x in fu["sales"]]
        cfg2 = {c: st.column_config.TextColumn(t(f"risk.ev.{c}", lang)) for c in fu.columns}
        st.dataframe(fu.astype(str), column_config=cfg2, hide_index=True, width="stretch", key="follow_table")


def team_of_entity(scope: object, entity_id: object, rep_team: Mapping[str, object]) -> object:
    """The team a flag or register entry concerns (None: company-wide), for the write check."""
    if scope == "rep":
        return rep_team.get(str(entity_id))
    return str(entity_id) if scope == "team" else None


def register_editor(reg: pd.DataFrame, lang: str, *, read_only: bool = False) -> pd.DataFrame:
    """The register as an editor (owner, plan, due date, status editable); returns the edited frame.

    ``read_only``: every column locked (a viewer sees the register but cannot change it)."""
    status_label = {s: t(f"risk.status.{s}", lang) for s in store.REGISTER_STATUSES}
    view = pd.DataFrame(
        {
            "entry_id": reg["entry_id"].astype(int),
            "rule": [t(f"risk.rule.{r}", lang) for r in reg["rule"]],
            "entity": reg["entity_name"].astype(str),
            "severity": [t(f"risk.sev.{s}", lang) for s in reg["severity"]],
            "owner": reg["owner"].astype(str),
            "plan": reg["plan"].astype(str),
            "due_date": pd.to_datetime(reg["due_date"]).dt.date,
            "status": [status_label[s] for s in reg["status"]],
            "occurrences": reg["occurrences"].astype(int),
            "last_seen": reg["last_seen"].astype(str),
        }
    )
    text = st.column_config.TextColumn
    cfg = {
        "entry_id": st.column_config.NumberColumn("#", format="%d"),
        "rule": text(t("risk.col.rule", lang), width=150),
        "entity": text(t("risk.col.entity", lang), width=80),
        "severity": text(t("risk.col.severity", lang), width=70),
        "owner": text(t("risk.col.owner", lang), required=True, width=110),
        "plan": text(t("risk.col.plan", lang), width=290),
        "due_date": st.column_config.DateColumn(t("risk.col.due", lang), format="YYYY-MM-DD"),
        "status": st.column_config.SelectboxColumn(
            t("risk.col.status", lang), options=list(status_label.values()), required=True
        ),
        "occurrences": st.column_config.NumberColumn(t("risk.col.occurrences", lang)),
        "last_seen": text(t("risk.col.last_seen", lang)),
    }
    locked = ["entry_id", "rule", "entity", "severity", "occurrences", "last_seen"]
    # Status and due date before the long plan, which wraps like the flags' reason.
    order = ["entry_id", "entity", "rule", "severity", "owner", "status", "due_date", "plan", "occurrences",
             "last_seen"]  # fmt: skip
    edited: pd.DataFrame = st.data_editor(
        view,
        column_config=cfg,
        column_order=order,
        row_height=FLAG_ROW_PX,
        disabled=True if read_only else locked,
        hide_index=True,
        width="stretch",
        key="register_editor",
    )
    return edited


def register_changes(before: pd.DataFrame, after: pd.DataFrame, lang: str) -> dict[int, dict[str, Any]]:
    """entry_id -> {field: new value} for rows the user changed in :func:`register_editor`."""
    code = {t(f"risk.status.{s}", lang): s for s in store.REGISTER_STATUSES}
    out: dict[int, dict[str, Any]] = {}
    for (_, old), (_, new) in zip(before.iterrows(), after.iterrows(), strict=True):
        ch: dict[str, Any] = {}
        if str(new["owner"]) != str(old["owner"]):
            ch["owner"] = str(new["owner"])
        if str(new["plan"]) != str(old["plan"]):
            ch["plan"] = str(new["plan"])
        old_due = None if pd.isna(old["due_date"]) else pd.Timestamp(old["due_date"]).date()
        new_due = None if pd.isna(new["due_date"]) else pd.Timestamp(new["due_date"]).date()
        if new_due != old_due:
            ch["due_date"] = new_due
        if code.get(str(new["status"]), old["status"]) != old["status"]:
            ch["status"] = code[str(new["status"])]
        if ch:
            out[int(old["entry_id"])] = ch
    return out


def settings_editors(
    thresholds: risks.Thresholds, playbook: dict[str, dict[str, str]], lang: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Editors for thresholds [rule, param, value] and the playbook [rule, action_zh, action_en]."""
    th = pd.DataFrame(
        [
            {"rule_id": r, "rule": t(f"risk.rule.{r}", lang), "param": p, "value": float(v)}
            for r, ps in thresholds.items()
            for p, v in ps.items()
        ]
    )
    th_out: pd.DataFrame = st.data_editor(
        th,
        column_config={
            "rule_id": None,
            "rule": st.column_config.TextColumn(t("risk.col.rule", lang)),
            "param": st.column_config.TextColumn(t("risk.col.param", lang)),
            "value": st.column_config.NumberColumn(t("risk.col.value", lang), min_value=0.0, step=0.01),
        },
        disabled=["rule", "param"],
        hide_index=True,
        width="stretch",
        key="thresholds_editor",
    )
    pb = pd.DataFrame(
        [
            {"rule_id": r, "rule": t(f"risk.rule.{r}", lang), "zh": a["zh"], "en": a["en"]}
            for r, a in playbook.items()
        ]
    )
    pb_out: pd.DataFrame = st.data_editor(
        pb,
        column_config={
            "rule_id": None,
            "rule": st.column_config.TextColumn(t("risk.col.rule", lang)),
            "zh": st.column_config.TextColumn(t("risk.col.action_zh", lang), width="large", required=True),
            "en": st.column_config.TextColumn(t("risk.col.action_en", lang), width="large", required=True),
        },
        disabled=["rule"],
        hide_index=True,
        width="stretch",
        key="playbook_editor",
    )
    return th_out, pb_out


# --- insights page ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def load_insights(
    db: str, version: tuple[float, int], as_of: dt.date, fy_start_month: int
) -> insights.InsightsView:
    del version
    with store.connect(db, read_only=True) as con:
        return insights.load_view(con, as_of, fy_start_month)


def waterfall(parts: pd.DataFrame, base_label: str, now_label: str, lang: str) -> go.Figure:
    """Base total → one bar per member's gap → current total; the bars add up exactly (cents)."""
    div, suffix = charts.money_scale(lang)
    names = [t("ins.others", lang) if n == insights.OTHERS else str(n) for n in parts["name"]]
    base = int(parts["base_cents"].sum())
    fig = go.Figure(
        go.Waterfall(
            x=[base_label, *names, now_label],
            measure=["absolute", *["relative"] * len(parts), "total"],
            y=[base / 100 / div, *[g / 100 / div for g in parts["gap_cents"]], 0],
            increasing={"marker": {"color": charts.PALETTE[2]}},
            decreasing={"marker": {"color": charts.PALETTE[4]}},
            totals={"marker": {"color": charts.PALETTE[0]}},
            hovertemplate="%{y:,.1f}<extra></extra>",
        )
    )
    fig = charts.style(fig, x_title="", y_title=t("ins.sales", lang) + suffix)
    # Zoom on the moving part: the deltas are small next to the totals.
    levels = [base + int(x) for x in [0, *parts["gap_cents"].cumsum()]]
    lo, hi = min(levels) / 100 / div, max(levels) / 100 / div
    pad = max((hi - lo) * 0.25, abs(hi) * 0.02, 1e-9)
    fig.update_yaxes(rangemode="normal", range=[lo - pad, hi + pad])
    return fig


def drivers_table(view: insights.InsightsView, lang: str) -> pd.DataFrame:
    """One row per scope: the three factors now and last year, and their contributions to the change."""
    rows = []
    for key, d in view.drivers.items():
        opc, aov = d.orders_per_customer, d.order_value_cents
        c = d.contributions_cents
        rows.append(
            {
                t("ins.scope", lang): t("risk.company", lang)
                if key == "company"
                else view.team_names.get(key, key),
                t("ins.customers", lang): f"{d.customers[0]:,} / {d.customers[1]:,}",
                t("ins.frequency", lang): " / ".join("n/a" if x is None else f"{x:.2f}" for x in opc),
                t("ins.order_value", lang): " / ".join(
                    "n/a" if x is None else fmt_amount(Decimal(round(x)) / 100, lang) for x in aov
                ),
                t("ins.change", lang): fmt_amount(
                    Decimal(d.revenue_cents[0] - d.revenue_cents[1]) / 100, lang
                ),
                t("ins.by_customers", lang): fmt_amount(Decimal(c["customers"]) / 100, lang),
                t("ins.by_frequency", lang): fmt_amount(Decimal(c["frequency"]) / 100, lang),
                t("ins.by_order_value", lang): fmt_amount(Decimal(c["order_value"]) / 100, lang),
            }
        )
    return pd.DataFrame(rows)


def health_table(df: pd.DataFrame, first: list[str], lang: str) -> pd.DataFrame:
    out = df[first].copy()
    out[t("ins.customers", lang)] = df["customers"]
    out[t("ins.top1", lang)] = [fmt_pct(x, lang) for x in df["top1_share"]]
    out[t("ins.top5", lang)] = [fmt_pct(x, lang) for x in df["top5_share"]]
    out["HHI"] = [f"{x:.3f}" for x in df["hhi"]]
    for col in ("new_cents", "returning_cents"):
        if col in df.columns:
            out[t(f"ins.{col}", lang)] = [fmt_amount(Decimal(int(x)) / 100, lang) for x in df[col]]
    return out.rename(columns={"rep": t("risk.col.entity", lang), "team": t("ins.team", lang)})
