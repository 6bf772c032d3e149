"""User text in Markdown-rendering elements: shown as the characters it is, never as markup.

Streamlit renders Markdown in st.markdown, st.caption, st.info/success/warning/error, titles,
metric and expander labels, radio and segmented-control options. A name from a file or a form
(``![p](http://host/p.png)``, ``[click](http://…)``, ``:red[x]``, ``$x$``, ``<b>``) must reach
those elements escaped: :func:`md` backslash-escapes every character CommonMark, GFM and
Streamlit's directives give a meaning, and turns line breaks into spaces. Tables (st.dataframe)
show cell text as it is and need nothing. Pure: no streamlit import.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones
# Markdown, GFM (tables, strikethrough, autolinks), HTML, math ($) or Streamlit's
# :directive[...] / :material/icon: syntax give a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'@/])")
_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")


# ``:`` as a character reference is never the start of a :directive[...] or :icon:.
_ENTITIES = {":": "&#58;"}
# GFM links bare ``http://…``, ``www.…`` and ``a@b.c`` after parsing, in the decoded text, so no
# escape stops it: an invisible WORD JOINER (U+2060) right after ``://``, ``www`` and ``@`` does
# (the link patterns need a letter there). The text looks the same; it is not a link.
_WJ = "\u2060"
_AUTOLINK = re.compile(r"(://|(?<![\w.])www(?=\.)|@)", re.IGNORECASE)


def _escape(m: re.Match[str]) -> str:
    ch = m.group(1)
    return _ENTITIES.get(ch, "\\" + ch)


def md(text: object) -> str:
    """``text`` escaped for a Markdown-rendering element (None → empty)."""
    if text is None:
        return ""
    plain = _AUTOLINK.sub(lambda m: m.group(1) + _WJ, _BREAKS.sub(" ", str(text)))
    return _SPECIAL.sub(_escape, plain)
