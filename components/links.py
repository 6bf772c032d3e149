"""Links: the "copy link" control, and choice widgets whose URL holds codes while they show words.

Call :func:`copy_link` at the end of a page (after the widgets bound to query parameters have run)
so the link reproduces what the user sees now.

Why not ``bind="query-params"`` for choices: on Streamlit 1.67 a bound selectbox, radio,
segmented control or multiselect writes the option *as shown* (its ``format_func`` label) into
the URL and accepts only shown labels back, so a translated label would make a link copied in
中文 fail in English. :func:`choice` and :func:`choices` keep the language-neutral code in the
URL (``?view=overdue``), show the translated label, and read the code back on a fresh page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
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


def _seed(key: str, value: object) -> None:
    """Give the widget its starting value once: from the URL on a fresh page, else the default."""
    if key not in st.session_state:
        st.session_state[key] = value


def _write(key: str, value: object, default: object) -> None:
    """The URL holds a non-default value's code(s) and nothing for the default (a clean link)."""
    if value == default or value is None or value == []:
        if key in st.query_params:
            del st.query_params[key]
    elif isinstance(value, list):
        st.query_params[key] = [str(v) for v in value]
    else:
        st.query_params[key] = str(value)


def choice(
    widget: Callable[..., Any],
    label: str,
    labels: Mapping[str, str],
    *,
    key: str,
    default: str | None,
    **kw: Any,
) -> str | None:
    """A single-choice widget (st.selectbox, st.radio, st.segmented_control or a column's) over the
    codes in ``labels`` (code → shown label), kept in the URL as ``?key=code``.

    A code in the URL that is not an option is ignored. Returns the chosen code, or ``default``
    when a control that can be cleared (segmented control) is cleared and the default is not None."""
    codes = list(labels)
    from_url = st.query_params.get(key)
    _seed(key, from_url if from_url in labels else default)
    value = widget(label, codes, format_func=lambda c: labels.get(c, c), key=key, **kw)
    if value is None and default is not None:
        value = default
    _write(key, value, default)
    return value  # type: ignore[no-any-return]


def choices(
    widget: Callable[..., Any],
    label: str,
    labels: Mapping[str, str],
    *,
    key: str,
    **kw: Any,
) -> list[str]:
    """A multi-choice widget (st.multiselect, st.pills with selection_mode="multi") over the codes in
    ``labels``, kept in the URL as repeated ``?key=a&key=b``; empty means "all" and leaves the URL clean."""
    _seed(key, [c for c in st.query_params.get_all(key) if c in labels])
    value = list(widget(label, list(labels), format_func=lambda c: labels.get(c, c), key=key, **kw) or [])
    _write(key, value, [])
    return value


def option_labels(prefix: str, codes: Sequence[str], lang: str, sep: str = ".") -> dict[str, str]:
    """code → translated label from the keys ``prefix.code`` (or ``prefix{sep}code``)."""
    return {c: t(f"{prefix}{sep}{c}", lang) for c in codes}
