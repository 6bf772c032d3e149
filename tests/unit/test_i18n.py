"""The translation table and number formatting."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from analysis.i18n import LANGS, TEXT, fmt_amount, fmt_pct, t

ROOT = Path(__file__).resolve().parents[2]


class TestTable:
    def test_every_key_has_every_language(self) -> None:
        missing = [(k, lang) for k, v in TEXT.items() for lang in LANGS if not v.get(lang)]
        assert missing == []

    def test_placeholders_agree_between_languages(self) -> None:
        for key, v in TEXT.items():
            fields = {lang: set(re.findall(r"{(\w+)", v[lang])) for lang in LANGS}
            assert fields["zh"] == fields["en"], key

    def test_keys_used_in_pages_exist(self) -> None:
        used: set[str] = set()
        for path in [
            ROOT / "dashboard.py",
            *(ROOT / "pages").glob("*.py"),
            *(ROOT / "components").glob("*.py"),
        ]:
            used |= set(
                re.findall(r"""(?:sh\.t|\bt)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", path.read_text("utf-8"))
            )
        assert used, "no translation keys found in pages: the scan is broken"
        assert sorted(k for k in used if k not in TEXT) == []

    def test_unknown_key_falls_back_to_key(self) -> None:
        assert t("no.such.key", "en") == "no.such.key"


class TestFormat:
    @pytest.mark.parametrize(
        "value,lang,expected",
        [
            (Decimal("12345678.9"), "zh", "1,234.6万"),
            (Decimal("123456789"), "zh", "1.23亿"),
            (Decimal("9999"), "zh", "9,999"),
            (Decimal("12345678.9"), "en", "12,345,679"),
            (None, "en", "n/a"),
        ],
    )
    def test_amounts(self, value: Decimal | None, lang: str, expected: str) -> None:
        assert fmt_amount(value, lang) == expected

    @pytest.mark.parametrize(
        "value,signed,expected",
        [(0.153, False, "15.3%"), (-0.05, True, "-5.0%"), (None, True, "n/a"), (float("inf"), False, "n/a")],
    )
    def test_percentages(self, value: float | None, signed: bool, expected: str) -> None:
        assert fmt_pct(value, "en", signed=signed) == expected
