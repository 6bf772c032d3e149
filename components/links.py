"""The "copy link" control: the current page's URL with its query parameters, ready to copy.

Call it at the end of a page (after the widgets bound to query parameters have run) so the
link reproduces what the user sees now.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from analysis.i18n import t

# Never put into a copied link: a share token belongs to the person it was given to.
PRIVATE_PARAMS = frozenset({"share"})


def current_url() -> str:
    """The browser's URL of this page (scheme, host, path) plus the current query parameters."""
    params = [(k, v) for k in st.query_params for v in st.query_params.get_all(k) if k not in PRIVATE_PARAMS]
    query = urlencode(params)
    base = st.context.url or ""
    if not base:  # no browser (AppTest): a relative link still carries the view
        return f"?{query}" if query else "/"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def copy_link(lang: str) -> None:
    """A sidebar box showing the current URL; its copy button puts the link on the clipboard."""
    with st.sidebar:
        st.caption(t("link.copy", lang))
        st.code(current_url(), language=None, wrap_lines=True)
