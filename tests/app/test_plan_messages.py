"""The plan page shows the engine's refusals, notes and explanations in the page's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.messages import render
from components.drag_bars import DragResult, apply_drag
from tests.actors import shown
from tests.app.test_plan_page import edit_grid, errors, page, working


def infos(at: object) -> str:
    return "\n".join(str(i.value) for i in at.info)  # type: ignore[attr-defined]


class TestChinese:
    def test_an_impossible_edit_is_refused_in_chinese(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch)
        before = working(at).grid
        at = edit_grid(at, {0: {"2027-01": 1_000_000_000.0}})
        assert not at.exception
        assert "修改未生效：新值太大：修改和锁定的单元格合计" in errors(at)
        assert "too large" not in errors(at)
        assert working(at).grid == before

    def test_a_locked_row_is_refused_in_chinese(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch)
        at = edit_grid(at, {1: {"lock": True}})
        at = edit_grid(at, {1: {"2027-05": 100.0}})
        assert "已锁定：请先解锁再修改" in errors(at)

    def test_notes_and_explanations_in_chinese(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch)
        assert "FY2026 的销售数据只到 2026-11-26；尚未结束的月份借用前一年同月的数据：" in infos(at)
        assert "has sales only up to" not in infos(at)
        how = [shown(v) for t in at.table for v in t.value.iloc[:, -1]]  # cells are escaped Markdown
        assert how and all("× 工作日权重 → 占比" in h for h in how)

    def test_catch_up_refusal_in_chinese(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch)  # FY2027 has not started on 2026-11-27
        at.button(key="plan.cu_go").click().run()
        # The catch-up measures to the last day with data (8cea287): the demo's 2026-11-26.
        assert "截至日期 2026-11-26 必须在 FY2027 之内" in errors(at)


class TestEnglish:
    def test_notes_and_explanations_in_english(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        assert "FY2026 has sales only up to 2026-11-26; months not yet complete use the same month" in infos(
            at
        )
        how = [shown(v) for t in at.table for v in t.value.iloc[:, -1]]  # cells are escaped Markdown
        assert how and all("× working-day weight → share" in h for h in how)


def test_drag_refusal_renders_in_either_language() -> None:
    values = [100, 200, 300]
    _, _, err = apply_drag(
        values, [False, True, True], DragResult(edit=(0, 50)), total_cents=600, unit_cents=1
    )
    assert err is not None and "nowhere to go" in err  # English as a str, as before
    assert render(err, "zh").startswith("其他单元格都已锁定")
