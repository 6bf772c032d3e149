"""The app's own table download, in place of Streamlit's dataframe CSV export.

Streamlit's "download as CSV" (and copy to clipboard) on ``st.dataframe`` writes cell text as it
is, so a rep or customer named ``=HYPERLINK(...)`` opens in Excel as a live formula. The app turns
that export off for every table (``client.disableDataExport`` in .streamlit/config.toml) and
offers this download where a table is worth taking away: an .xlsx built by
:func:`analysis.report.table_workbook`, where text is neutralised and typed as text.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from analysis import report
from analysis.i18n import t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(sheets: Mapping[str, pd.DataFrame], file_name: str, lang: str, *, key: str) -> None:
    """A small "download (Excel)" button for the frames (sheet name → frame), built on click."""
    st.download_button(
        t("table.download", lang),
        lambda: report.table_workbook(sheets),
        file_name=file_name,
        mime=XLSX,
        key=key,
        icon=":material/download:",
        type="tertiary",
        on_click="ignore",
    )


def labelled(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The frame's columns in ``labels`` (column → shown header), in that order."""
    cols = [c for c in labels if c in frame.columns]
    return frame[cols].rename(columns=dict(labels))
