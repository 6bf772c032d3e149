"""components/safe.md: user text for Markdown-rendering elements (issue 21)."""

from __future__ import annotations

import re

import pytest

from components.safe import md

WJ = "\u2060"


class TestMd:
    @pytest.mark.parametrize(
        "text",
        [
            "![p](http://host/p.png?leak=rep)",
            "[click](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            ":red[alarm] :material/warning:",
            "$x^2$",
            "# heading\n- item",
            "**bold** _it_ ~~s~~ `code` | a | b |",
            "&lt;b&gt;",
        ],
    )
    def test_no_markup_survives(self, text: str) -> None:
        out = md(text)
        # every Markdown-significant ASCII character is escaped or a character reference
        unescaped = re.sub(r"\\.|&#\d+;", "", out)
        assert not set(unescaped) & set("![]()<>`*_~|#$:&")
        assert "\n" not in out

    @pytest.mark.parametrize("url", ["http://host/x", "HTTPS://host", "www.host.com", "a.b@host.com"])
    def test_bare_links_are_broken_by_an_invisible_joiner(self, url: str) -> None:
        out = md(url)
        assert WJ in out
        shown = re.sub(r"\\(.)", r"\1", out).replace("&#58;", ":").replace(WJ, "")
        assert shown == url  # what the reader sees is the text itself

    def test_plain_text_and_chinese_are_unchanged(self) -> None:
        assert md("华东一组 张三") == "华东一组 张三"
        assert md(None) == "" and md(12) == "12"
