"""Edits with locks that keep totals exact, and undo/redo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.rebalance import EditHistory, Locks, RebalanceError, edit_cell, edit_rep_total, rebalance

D = Decimal


class TestRebalance:
    def test_proportional_over_unlocked(self) -> None:
        values = {"a": D(100), "b": D(200), "c": D(300), "d": D(400)}
        out = rebalance(values, {"a": D(400)}, {"d"}, total=D(1000), unit=D(1))
        # 300 more for a is taken from b and c in proportion 200 : 300; d is locked.
        assert out == {"a": D(400), "b": D(80), "c": D(120), "d": D(400)}

    def test_equal_when_all_zero(self) -> None:
        out = rebalance({"a": D(0), "b": D(0), "c": D(0)}, {"a": D(0)}, total=D(10), unit=D(1))
        assert out == {"a": D(0), "b": D(5), "c": D(5)}

    def test_largest_remainder(self) -> None:
        out = rebalance({"a": D(1), "b": D(1), "c": D(1), "e": D(0)}, {"e": D(0)}, total=D(100), unit=D(1))
        assert out == {"a": D(34), "b": D(33), "c": D(33), "e": D(0)}

    def test_total_change(self) -> None:
        out = rebalance({"a": D(10), "b": D(30)}, {}, {"a"}, total=D(50), unit=D(1))
        assert out == {"a": D(10), "b": D(40)}

    @pytest.mark.parametrize(
        ("edits", "locked", "match"),
        [
            ({"a": D(-1)}, set(), "cannot be negative"),
            ({"a": D("10.5")}, set(), "not a multiple of the rounding unit 1"),
            ({"a": D(50)}, {"b", "c"}, "all other cells are locked"),
            ({"a": D(700)}, {"b", "c"}, "too large"),
            ({"a": D(601)}, {"c"}, "too large.*at most 400"),
            ({"c": D(1)}, {"c"}, "is locked"),
            ({"z": D(1)}, set(), "not in this plan"),
        ],
    )
    def test_refused(self, edits: dict[str, D], locked: set[str], match: str) -> None:
        values = {"a": D(100), "b": D(300), "c": D(600)}
        with pytest.raises(RebalanceError, match=match):
            rebalance(values, edits, locked, total=D(1000), unit=D(1))

    @settings(max_examples=100, deadline=None)
    @given(
        st.lists(st.integers(0, 10_000), min_size=2, max_size=15),
        st.data(),
        st.sampled_from([D("0.01"), D(1), D(100)]),
    )
    def test_locked_unchanged_total_kept(self, raw: list[int], data: st.DataObject, unit: D) -> None:
        values = {i: unit * v for i, v in enumerate(raw)}
        total = sum(values.values(), D(0))
        keys = list(values)
        locked = set(data.draw(st.lists(st.sampled_from(keys), max_size=len(keys) - 1)))
        free = [k for k in keys if k not in locked]
        edited = data.draw(st.sampled_from(free))
        new = unit * data.draw(st.integers(0, 20_000))
        try:
            out = rebalance(values, {edited: new}, locked, total=total, unit=unit)
        except RebalanceError:
            others = [k for k in free if k != edited]
            locked_sum = sum((values[k] for k in locked), D(0))
            assert new > total - locked_sum or (not others and new != values[edited])
            return
        assert sum(out.values(), D(0)) == total
        assert all(out[k] == values[k] for k in locked)
        assert out[edited] == new
        assert all(v >= 0 and v % unit == 0 for v in out.values())


def grid_fixture() -> tuple[dict[tuple[object, str], D], dict[object, object]]:
    months = ["2027-01", "2027-02", "2027-03"]
    grid = {(r, m): D(100) for r in ("a", "b", "c") for m in months}
    return grid, {"a": "t1", "b": "t1", "c": "t2"}


class TestGrid:
    def test_row_mode_keeps_rep_total(self) -> None:
        grid, team_of = grid_fixture()
        out = edit_cell(grid, ("a", "2027-01"), D(160), team_of=team_of, unit=D(1))
        assert [out[("a", m)] for m in ("2027-01", "2027-02", "2027-03")] == [D(160), D(70), D(70)]
        assert all(out[k] == grid[k] for k in grid if k[0] != "a")

    def test_column_mode_keeps_team_month_total(self) -> None:
        grid, team_of = grid_fixture()
        out = edit_cell(grid, ("a", "2027-01"), D(160), team_of=team_of, unit=D(1), mode="column")
        assert out[("b", "2027-01")] == D(40) and out[("c", "2027-01")] == D(100)  # other team untouched

    def test_column_lock(self) -> None:
        grid, team_of = grid_fixture()
        locks = Locks(columns=frozenset({"2027-02"}))
        out = edit_cell(grid, ("a", "2027-01"), D(160), team_of=team_of, locks=locks, unit=D(1))
        assert out[("a", "2027-02")] == D(100) and out[("a", "2027-03")] == D(40)

    def test_rep_total_moves_to_teammates(self) -> None:
        grid, team_of = grid_fixture()
        out = edit_rep_total(grid, "a", D(360), team_of=team_of, unit=D(1))
        assert sum(v for k, v in out.items() if k[0] == "a") == D(360)
        assert sum(v for k, v in out.items() if k[0] == "b") == D(240)
        assert sum(v for k, v in out.items() if k[0] == "c") == D(300)

    def test_rep_total_with_locked_row(self) -> None:
        grid, team_of = grid_fixture()
        with pytest.raises(RebalanceError, match="all other cells are locked"):
            edit_rep_total(grid, "a", D(250), team_of=team_of, locks=Locks(rows=frozenset({"b"})), unit=D(1))

    def test_locked_cell_refused(self) -> None:
        grid, team_of = grid_fixture()
        locks = Locks(cells=frozenset({("a", "2027-01")}))
        with pytest.raises(RebalanceError, match="locked"):
            edit_cell(grid, ("a", "2027-01"), D(1), team_of=team_of, locks=locks)


class TestHistory:
    def test_undo_redo_restore_exactly(self) -> None:
        grid, team_of = grid_fixture()
        h = EditHistory.start(grid)
        g1 = edit_cell(grid, ("a", "2027-01"), D(160), team_of=team_of, unit=D(1))
        h = h.push(g1)
        g2 = edit_cell(g1, ("b", "2027-03"), D(0), team_of=team_of, unit=D(1))
        h = h.push(g2)
        assert h.current == g2
        h = h.undo()
        assert h.current == g1 and h.can_redo
        h = h.undo()
        assert h.current == grid and not h.can_undo
        h = h.redo().redo()
        assert h.current == g2 and not h.can_redo
        with pytest.raises(RebalanceError, match="nothing to redo"):
            h.redo()

    def test_push_clears_redo_and_state_is_copied(self) -> None:
        grid, _ = grid_fixture()
        h = EditHistory.start(grid).push({**grid, ("a", "2027-01"): D(1)}).undo()
        h = h.push(grid)
        assert not h.can_redo
        grid[("a", "2027-01")] = D(999)  # mutating the caller's dict does not change history
        assert h.current[("a", "2027-01")] == D(100)

    @settings(max_examples=50, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 300)), min_size=1, max_size=8))
    def test_undo_all_restores_start(self, edits: list[tuple[str, int]]) -> None:
        grid, team_of = grid_fixture()
        h = EditHistory.start(grid)
        states = [grid]
        for rep, v in edits:
            try:
                g = edit_cell(h.current, (rep, "2027-02"), D(v), team_of=team_of, unit=D(1))
            except RebalanceError:
                continue
            h = h.push(g)
            states.append(g)
            assert sum(g.values()) == D(900)
        for expected in reversed(states):
            assert h.current == expected
            if h.can_undo:
                h = h.undo()
