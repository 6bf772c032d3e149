"""The drag component's Python side: applying events exactly, refusing bad edits, taking each event once.

AppTest cannot run the component's JavaScript, so events are built here as the browser sends them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from components.drag_bars import DragResult, apply_drag, parse_event, take_event
from tests.app.conftest import ROOT

VALUES = [12_000_000, 9_000_000, 15_000_000, 8_000_000, 10_000_000, 6_000_000]
TOTAL = sum(VALUES)
LOCKS = [False, False, False, True, False, False]


def apply(result: DragResult, values: list[int] = VALUES, locks: list[bool] = LOCKS, unit: int = 100) -> Any:
    return apply_drag(values, locks, result, total_cents=TOTAL, unit_cents=unit)


class TestApplyEdit:
    def test_edit_sets_the_bar_and_keeps_the_total(self) -> None:
        values, locks, err = apply(DragResult(edit=(2, 20_000_000)))
        assert err is None
        assert values[2] == 20_000_000
        assert values[3] == VALUES[3]  # locked
        assert sum(values) == TOTAL
        assert locks == LOCKS
        assert all(values[k] < VALUES[k] for k in (0, 1, 4, 5))

    def test_others_share_in_proportion(self) -> None:
        values, _, _ = apply(DragResult(edit=(2, 9_000_000)))  # frees 6,000,000 over 37,000,000 of weight
        assert values[0] == 12_000_000 + round(6_000_000 * 12 / 37, -2)
        assert values[5] == 6_000_000 + round(6_000_000 * 6 / 37, -2)

    @pytest.mark.parametrize("unit", [1, 100, 10_000, 1_000_000])
    def test_values_are_multiples_of_the_unit(self, unit: int) -> None:
        values, _, err = apply(DragResult(edit=(0, 13_333_333)), unit=unit)
        assert err is None
        assert sum(values) == TOTAL
        assert all(v % unit == 0 for k, v in enumerate(values) if k != 3)

    @pytest.mark.parametrize(
        "result,needle",
        [
            (DragResult(edit=(2, TOTAL)), "too large"),  # above total minus locked
            (DragResult(edit=(3, 1_000_000)), "locked"),
            (DragResult(edit=(0, -100)), "negative"),
            (DragResult(edit=(9, 100)), "no bar 10"),
        ],
        ids=["above-free-total", "locked-bar", "negative", "unknown-bar"],
    )
    def test_refused_edit_keeps_values_and_says_why(self, result: DragResult, needle: str) -> None:
        values, locks, err = apply(result)
        assert err is not None and needle in err
        assert values == VALUES and locks == LOCKS

    def test_nowhere_to_go_when_all_others_are_locked(self) -> None:
        locks = [False, True, True, True, True, True]
        values, _, err = apply(DragResult(edit=(0, 11_000_000)), locks=locks)
        assert err is not None and "nowhere to go" in err
        assert values == VALUES

    def test_messages_name_bars_by_label(self) -> None:
        labels = ["A", "B", "C", "D", "E", "F"]
        _, _, err = apply_drag(
            VALUES, LOCKS, DragResult(edit=(3, 100)), total_cents=TOTAL, unit_cents=100, labels=labels
        )
        assert err is not None and err.startswith("D is locked")


class TestApplyLock:
    @pytest.mark.parametrize("index,flag", [(0, True), (3, False)])
    def test_lock_toggles_only_that_bar(self, index: int, flag: bool) -> None:
        values, locks, err = apply(DragResult(lock=(index, flag)))
        assert err is None and values == VALUES
        assert locks[index] is flag
        assert [lk for k, lk in enumerate(locks) if k != index] == [
            lk for k, lk in enumerate(LOCKS) if k != index
        ]

    def test_a_locked_bar_then_stays_put(self) -> None:
        _, locks, _ = apply(DragResult(lock=(0, True)))
        values, _, err = apply(DragResult(edit=(1, 5_000_000)), locks=locks)
        assert err is None and values[0] == VALUES[0] and values[3] == VALUES[3] and sum(values) == TOTAL


class TestEvents:
    @pytest.mark.parametrize(
        "raw,expected",
        [
            (
                {"id": "a-1", "seq": 1, "edit": {"index": 2, "value_cents": 500}},
                DragResult(edit=(2, 500), event_id="a-1"),
            ),
            ({"id": "a-2", "lock": {"index": 0, "locked": True}}, DragResult(lock=(0, True), event_id="a-2")),
            (
                {"id": "a-3", "edit": {"index": 1, "value_cents": 700.0}},
                DragResult(edit=(1, 700), event_id="a-3"),
            ),
            (None, None),
            ({"edit": {"index": 2, "value_cents": 500}}, None),  # no id
            ({"id": "x", "edit": {"index": 6, "value_cents": 500}}, None),  # out of range
            ({"id": "x", "edit": {"index": True, "value_cents": 500}}, None),
            ({"id": "x", "edit": {"index": 1, "value_cents": 5.5}}, None),
            ({"id": "x", "lock": {"index": 1, "locked": "yes"}}, None),
        ],
    )
    def test_parse(self, raw: object, expected: DragResult | None) -> None:
        assert parse_event(raw, 6) == expected

    def test_same_event_is_taken_once(self) -> None:
        seen: dict[str, Any] = {}
        raw = {"id": "n1-1", "seq": 1, "edit": {"index": 2, "value_cents": 500}}
        assert take_event(raw, seen, "bars", 6) == DragResult(edit=(2, 500), event_id="n1-1")
        assert take_event(raw, seen, "bars", 6) is None  # a rerun still carrying it
        nxt = {"id": "n1-2", "seq": 2, "lock": {"index": 2, "locked": True}}
        assert take_event(nxt, seen, "bars", 6) == DragResult(lock=(2, True), event_id="n1-2")

    def test_keys_are_independent(self) -> None:
        seen: dict[str, Any] = {}
        raw = {"id": "n1-1", "lock": {"index": 0, "locked": True}}
        assert take_event(raw, seen, "months", 6) is not None
        assert take_event(raw, seen, "reps", 6) is not None

    def test_applying_a_deduplicated_stream_applies_each_edit_once(self) -> None:
        seen: dict[str, Any] = {}
        values, locks = list(VALUES), list(LOCKS)
        stream = [
            {"id": "k-1", "edit": {"index": 0, "value_cents": 13_000_000}},
            {"id": "k-1", "edit": {"index": 0, "value_cents": 13_000_000}},
            {"id": "k-2", "lock": {"index": 0, "locked": True}},
            {"id": "k-3", "edit": {"index": 1, "value_cents": 10_000_000}},
            {"id": "k-3", "edit": {"index": 1, "value_cents": 10_000_000}},
        ]
        applied = 0
        for raw in stream:
            res = take_event(raw, seen, "bars", 6)
            if res is not None:
                values, locks, err = apply(res, values, locks)
                assert err is None
                applied += 1
        assert applied == 3
        assert values[0] == 13_000_000 and values[1] == 10_000_000 and sum(values) == TOTAL


def test_harness_renders_without_errors() -> None:
    at = AppTest.from_file(str(ROOT / "tests" / "browser" / "drag_app.py"), default_timeout=30).run()
    assert not at.exception
    shown = json.loads(at.code[0].value)
    assert shown["values"] == VALUES and shown["total"] == TOTAL and shown["events"] == 0
