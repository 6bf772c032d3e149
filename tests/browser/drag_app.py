"""Harness page for the drag component's browser test: six bars, one locked, values shown as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `streamlit run tests/browser/drag_app.py`

from analysis.i18n import t  # noqa: E402
from components.drag_bars import apply_drag, drag_bars  # noqa: E402

# A label with markup proves that names are shown as text, never parsed as HTML.
LABELS = ["张伟", "李娜", "王芳", "赵磊 (锁定)", "<b>Ökonom & Co</b>", "陈静"]
START = [12_000_000, 9_000_000, 15_000_000, 8_000_000, 10_000_000, 6_000_000]  # cents; 600,000.00 in all
TOTAL = sum(START)
UNIT = 100  # whole yuan

st.set_page_config(page_title="drag harness", layout="wide")
lang = str(st.query_params.get("lang", "zh"))
if "vals" not in st.session_state:
    st.session_state.update(
        vals=list(START), locks=[False, False, False, True, False, False], events=0, err=None
    )

res = drag_bars(
    LABELS,
    st.session_state.vals,
    st.session_state.locks,
    total_cents=TOTAL,
    unit_cents=UNIT,
    key="bars",
    lang=lang,
    axis_title="销售目标" if lang == "zh" else "Target",
)
if res is not None:
    vals, locks, err = apply_drag(
        st.session_state.vals, st.session_state.locks, res, total_cents=TOTAL, unit_cents=UNIT, labels=LABELS
    )
    st.session_state.update(vals=vals, locks=locks, events=st.session_state.events + 1, err=err)
    st.rerun()

if st.session_state.err:
    st.warning(t("drag.refused", lang, msg=st.session_state.err))
state = {
    "values": st.session_state.vals,
    "locked": st.session_state.locks,
    "total": sum(st.session_state.vals),
    "events": st.session_state.events,
    "error": st.session_state.err,
}
st.code(json.dumps(state, ensure_ascii=False), language="json")
