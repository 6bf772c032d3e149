"""Streamlit pieces of the data page: the parse options read from widgets, the preview, history.

Text that comes from the user's file (headers, cell values, names, refusal messages that quote
them) is shown only through ``st.dataframe``, ``st.code`` or widget option labels, never as
markdown or HTML.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from analysis import importer, store
from analysis.errorreport import error_report_xlsx
from analysis.i18n import fmt_amount
from analysis.ingest import FIELDS, AmbiguousMapping, MissingColumns, StatusSummary
from components.safe import md
from components.shell import Shell

MAP_FIELDS = (*FIELDS, "stage")


def money(value: Decimal) -> str:
    """Exact money with cents (1,334.50): what the user compares with the file's own SUM."""
    return f"{value:,.2f}"


NONE = "\x00none"  # the "(none)" option of a mapping selectbox; never a real header


@dataclass(frozen=True)
class Options:
    """Parse options chosen on the page for one file (keys of the widgets are per file)."""

    sheet: str | None
    mapping: dict[str, str] | None
    date_order: str | None
    count_stages: set[str] | None


def file_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def read_options(fk: str) -> Options:
    """The options the widgets of this file hold now (empty on the first run for the file)."""
    ss = st.session_state
    sheet = ss.get(f"sheet_{fk}")
    wk = f"{fk}_{sheet or ''}"
    mapping: dict[str, str] = {}
    for f in MAP_FIELDS:
        fix = ss.get(f"fix_{f}_{wk}")
        if fix:
            mapping[f] = fix
        chosen = ss.get(f"map_{f}_{wk}")
        if chosen is not None:
            mapping[f] = "" if chosen == NONE else chosen
    stages = ss.get(f"stages_{wk}")
    yes = {v for v, answer in status_answers(wk).items() if answer == "count"}
    count = None if stages is None and not yes else {*(stages or ()), *yes}
    return Options(
        sheet=sheet,
        mapping=mapping or None,
        date_order=ss.get(f"dateorder_{wk}"),
        count_stages=count,
    )


def status_answers(wk: str) -> dict[str, str | None]:
    """The user's answer ("count", "drop" or None) for each status value the policy does not know."""
    ss = st.session_state
    return {v: ss.get(f"status_{wk}_{i}") for i, v in enumerate(ss.get(f"status_unknown_{wk}") or [])}


def status_unanswered(wk: str) -> list[str]:
    """Unknown status values not yet answered: the import waits for them."""
    return [v for v, a in status_answers(wk).items() if a is None]


def load_preview(sh: Shell, data: bytes, name: str, opts: Options) -> importer.Preview:
    """``importer.preview`` memoised per session on (file, options, database version)."""
    key = (file_key(data), repr(opts), store.data_version(sh.db))
    memo = st.session_state.setdefault("_import_previews", {})
    if key not in memo:
        memo.clear()  # one file at a time: keep memory flat
        memo[key] = importer.preview(
            sh.db,
            data,
            name,
            sheet=opts.sheet,
            mapping=opts.mapping,
            date_order=opts.date_order,
            count_stages=opts.count_stages,
        )
    pv: importer.Preview = memo[key]
    return pv


def refusal(sh: Shell, exc: Exception, fk: str, sheet: str | None) -> None:
    """A refused or ambiguous file: the reason as plain text, and the widgets that resolve it."""
    wk = f"{fk}_{sheet or ''}"
    st.error(sh.t("data.refused"), icon=":material/block:")
    st.code(str(exc), language=None, wrap_lines=True)
    if isinstance(exc, AmbiguousMapping) and exc.field == "date_order":
        st.info(sh.t("data.date_order_needed"))
        date_order_radio(sh, wk, None)
    elif isinstance(exc, AmbiguousMapping):
        st.info(sh.t("data.ambiguous", field=sh.t(f"field.{exc.field}")))
        st.radio(
            sh.t("data.choose_column", field=sh.t(f"field.{exc.field}")),
            exc.candidates,
            index=None,
            format_func=md,  # the file's own column names: radio options render Markdown
            key=f"fix_{exc.field}_{wk}",
        )
    elif isinstance(exc, MissingColumns):
        st.info(sh.t("data.missing", fields=", ".join(sh.t(f"field.{f}") for f in exc.fields)))
        for f in exc.fields:
            st.selectbox(
                sh.t("data.choose_column", field=sh.t(f"field.{f}")),
                exc.columns,
                index=None,
                key=f"fix_{f}_{wk}",
            )


def date_order_radio(sh: Shell, wk: str, current: str | None) -> None:
    opts = ["dmy", "mdy"]
    st.radio(
        sh.t("data.date_order"),
        opts,
        index=opts.index(current) if current in opts else None,
        format_func=lambda o: sh.t(f"data.{o}"),
        key=f"dateorder_{wk}",
        horizontal=True,
    )


def option_widgets(sh: Shell, pv: importer.Preview, fk: str) -> None:
    """Sheet choice, mapping correction, stage values and date order, prefilled from detection."""
    p = pv.parsed
    if len(p.sheets) > 1:
        st.selectbox(
            sh.t("data.sheet"), p.sheets, index=p.sheets.index(p.sheet or p.sheets[0]), key=f"sheet_{fk}"
        )
    wk = f"{fk}_{st.session_state.get(f'sheet_{fk}') or ''}"
    with st.expander(sh.t("data.mapping"), expanded=False):
        if p.mapping_remembered:
            st.caption(sh.t("data.mapping_remembered"))
        options = [NONE, *p.columns]
        cols = st.columns(3)
        for i, f in enumerate(MAP_FIELDS):
            current = p.mapping.get(f)
            with cols[i % 3]:
                st.selectbox(
                    sh.t(f"field.{f}"),
                    options,
                    index=options.index(current) if current in options else 0,
                    format_func=lambda o: sh.t("data.none") if o == NONE else o,
                    key=f"map_{f}_{wk}",
                )
    if p.status:
        status_widgets(sh, p.status, wk)
    if p.date_order in ("dmy", "mdy"):
        date_order_radio(sh, wk, p.date_order)


def status_widgets(sh: Shell, status: list[StatusSummary], wk: str) -> None:
    """The values of the status column: known ones in one multiselect (prefilled by the default
    policy), each value the policy does not know as a question without a default answer."""
    known = [s for s in status if s.policy != "unknown"]
    unknown = [s for s in status if s.policy == "unknown"]
    if known:
        rows = {s.value: s.rows for s in known}
        st.multiselect(
            sh.t("data.stages"),
            [s.value for s in known],
            default=[s.value for s in known if s.counts],
            format_func=lambda v: f"{v or '(empty)'} · {rows[v]:,}",
            key=f"stages_{wk}",
        )
    st.session_state[f"status_unknown_{wk}"] = [s.value for s in unknown]
    if unknown:
        st.warning(sh.t("data.status_unknown", n=len(unknown)), icon=":material/help:")
    for i, s in enumerate(unknown):
        st.radio(
            sh.t("data.status_ask", rows=f"{s.rows:,}", amount=money(Decimal(s.amount_cents) / 100)),
            ["count", "drop"],
            index=None,
            format_func=lambda o, v=s.value: sh.t(f"data.status.{o}", value=md(v or "(empty)")),
            key=f"status_{wk}_{i}",
            horizontal=True,
        )


def status_frame(sh: Shell, status: list[StatusSummary]) -> pd.DataFrame:
    """Every status value with its rows, amount, whether it counts and what the policy says."""
    return pd.DataFrame(
        {
            sh.t("data.col_status"): [s.value or "(empty)" for s in status],
            sh.t("data.col_count"): [s.rows for s in status],
            sh.t("data.col_amount"): [money(Decimal(s.amount_cents) / 100) for s in status],
            sh.t("data.col_counts"): [
                sh.t("data.counts.yes" if s.counts else "data.counts.no") for s in status
            ],
            sh.t("data.col_policy"): [sh.t(f"data.policy.{s.policy}") for s in status],
        }
    )


def preview_summary(sh: Shell, pv: importer.Preview) -> None:
    p = pv.parsed
    st.markdown(f"#### {sh.t('data.preview')}")
    err_rows = len({e.row for e in p.errors})
    # The exact total (what the user compares with the file's own SUM) gets the widest card, and the
    # date range a row of its own: in one row of five, 1,366 px cut them to "2,297,20…", "2014-01-03 – 201…".
    k = st.columns([1, 2, 1, 1])
    k[0].metric(sh.t("data.rows"), f"{len(p.rows):,}")
    k[1].metric(sh.t("data.total"), money(Decimal(p.total_cents) / 100))
    k[2].metric(sh.t("data.skipped"), f"{sum(s.count for s in p.skipped):,}")
    k[3].metric(sh.t("data.errors"), f"{err_rows:,}")
    first, last = pv.first_day, pv.last_day
    st.metric(sh.t("data.range"), f"{first} – {last}" if first else "–")
    if p.notes:
        with st.expander(sh.t("data.notes")):
            st.code("\n".join(p.notes), language=None, wrap_lines=True)
    if p.status:
        st.markdown(f"##### {sh.t('data.status_title')}")
        st.dataframe(status_frame(sh, p.status), hide_index=True, width="stretch")
    if p.skipped:
        st.markdown(f"##### {sh.t('data.skipped_title')}")
        st.dataframe(
            pd.DataFrame(
                {
                    sh.t("data.col_reason"): [s.reason for s in p.skipped],
                    sh.t("data.col_count"): [s.count for s in p.skipped],
                    sh.t("data.col_rows"): [", ".join(map(str, s.rows[:20])) for s in p.skipped],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if p.errors:
        st.markdown(f"##### {sh.t('data.errors_title')}")
        st.dataframe(errors_frame(sh, pv), hide_index=True, width="stretch", height=240)
        st.download_button(
            sh.t("data.download_errors"),
            error_report_xlsx(p),
            file_name="import_errors.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            on_click="ignore",
        )


def errors_frame(sh: Shell, pv: importer.Preview, limit: int = 1000) -> pd.DataFrame:
    errs = pv.parsed.errors[:limit]
    return pd.DataFrame(
        {
            sh.t("data.col_row"): [e.row for e in errs],
            sh.t("data.col_column"): [e.column for e in errs],
            sh.t("data.col_value"): [e.value for e in errs],
            sh.t("data.col_reason"): [e.reason for e in errs],
        }
    )


def overlap_choice(sh: Shell, pv: importer.Preview, wk: str) -> str:
    """The import mode: asked only when the file overlaps stored rows of its source."""
    ov = pv.overlap
    if not (ov["rows_in_range"] or ov["duplicate_keys"]):
        return "append"
    st.warning(
        sh.t(
            "data.overlap",
            source=pv.source,
            first=pv.first_day,
            last=pv.last_day,
            rows=f"{ov['rows_in_range']:,}",
            amount=fmt_amount(ov["amount_in_range"], sh.lang),
            keys=f"{ov['duplicate_keys']:,}",
        ),
        icon=":material/warning:",
    )
    default = "skip-duplicates" if ov["duplicate_keys"] else "append"
    mode: str = st.radio(
        sh.t("data.mode"),
        list(importer.MODES),
        index=importer.MODES.index(default),
        format_func=lambda m: sh.t(f"data.mode.{m}"),
        key=f"mode_{wk}",
    )
    return mode


def rep_choices(sh: Shell, pv: importer.Preview, wk: str, limit: int = 100) -> dict[str, str]:
    """Unknown reps: map each to an existing rep or create it. Returns the renames chosen."""
    if not pv.unknown_reps:
        return {}
    st.markdown(f"##### {sh.t('data.unknown_reps')}")
    st.caption(sh.t("data.unknown_reps_help"))
    renames: dict[str, str] = {}
    create = "\x00create"
    for i, u in enumerate(pv.unknown_reps[:limit]):
        others = [k for k in pv.known_reps if k not in u.suggestions]
        options = [create, *u.suggestions, *others]
        same = bool(u.suggestions) and importer.rep_key(u.suggestions[0]) == importer.rep_key(u.name)
        choice = st.selectbox(
            sh.t(
                "data.rep_label",
                name=md(u.name),  # a widget label renders Markdown (images too)
                rows=f"{u.rows:,}",
                amount=fmt_amount(Decimal(u.amount_cents) / 100, sh.lang),
            ),
            options,
            index=1 if same else 0,
            format_func=lambda o: sh.t("data.create_rep") if o == create else o,
            key=f"rep_{wk}_{i}",
        )
        if choice != create:
            renames[u.name] = choice
    return renames


# ---------------------------------------------------------------------------------------------
# History


@st.cache_data(show_spinner=False, max_entries=8)
def load_imports(db: str, version: tuple[float, int]) -> pd.DataFrame:
    del version
    with store.connect(db, read_only=True) as con:
        return store.list_imports(con)


def history_frame(sh: Shell, df: pd.DataFrame) -> pd.DataFrame:
    def when(v: Any) -> str:
        return "" if v is None or pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"

    return pd.DataFrame(
        {
            sh.t("data.h.id"): df["import_id"].astype(int),
            sh.t("data.h.file"): df["file_name"],
            sh.t("data.h.source"): df["source"],
            sh.t("data.h.rows"): df["rows"].astype(int),
            sh.t("data.h.total"): [money(Decimal(v)) for v in df["total"]],
            sh.t("data.h.first"): [
                str(v)[:10] if v is not None and not pd.isna(v) else "" for v in df["first_day"]
            ],
            sh.t("data.h.last"): [
                str(v)[:10] if v is not None and not pd.isna(v) else "" for v in df["last_day"]
            ],
            sh.t("data.h.mode"): df["mode"],
            sh.t("data.h.by"): df["created_by"].fillna(""),
            sh.t("data.h.at"): [when(v) for v in df["created_at"]],
            sh.t("data.h.state"): [
                sh.t("data.state.live") if when(v) == "" else f"{sh.t('data.state.undone')} {when(v)}"
                for v in df["undone_at"]
            ],
            sh.t("data.h.hash"): df["file_hash"].fillna("").str[:12],
        }
    )
