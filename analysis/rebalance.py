"""Edit planned values with locks while totals stay exact; undo and redo.

A grid maps (rep_id, month) to a Decimal target. Editing a cell moves the difference onto the
other unlocked cells of the same parent (the rep's row, or the team's column), in proportion to
their current values (equally if they are all zero), with largest-remainder rounding in
multiples of ``unit``. Locked cells never change.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeVar

from analysis.messages import Message, message_of
from analysis.money import MoneyError, split_exact

K = TypeVar("K", bound=Hashable)
Cell = tuple[object, str]  # (rep_id, month label "2027-04")
Grid = dict[Cell, Decimal]


class RebalanceError(ValueError):
    """An edit that cannot be honoured; the message says why in a manager's words.

    Raised with an :class:`analysis.messages.Message`: ``str(exc)`` is the English sentence,
    ``analysis.messages.render(exc, lang)`` the sentence in the page's language.
    """


def _fmt(d: Decimal) -> str:
    return f"{d:,}"


def rebalance(
    values: Mapping[K, Decimal],
    edits: Mapping[K, Decimal],
    locked: Iterable[K] = (),
    *,
    total: Decimal,
    unit: Decimal = Decimal("0.01"),
) -> dict[K, Decimal]:
    """Apply ``edits`` to sibling ``values`` and re-spread so they sum exactly to ``total``.

    Locked cells keep their values; the rest (unlocked, not edited) share what is left in
    proportion to their current values (equally if all zero), in multiples of ``unit``.
    ``total`` may differ from the current sum (used to change a parent's total).
    Raises RebalanceError for: unknown or locked edited cells, negative values, values that are
    not multiples of ``unit``, edits exceeding the free total, or nothing left to absorb a change.
    """
    locked_set = set(locked)
    unknown = [k for k in edits if k not in values]
    if unknown:
        raise RebalanceError(Message("msg.rebalance.not_in_plan", cell=str(unknown[0])))
    for k, v in edits.items():
        if k in locked_set:
            raise RebalanceError(Message("msg.rebalance.locked", cell=str(k)))
        if v < 0:
            raise RebalanceError(Message("msg.rebalance.negative", cell=str(k), value=_fmt(v)))
        if v % unit:
            raise RebalanceError(
                Message("msg.rebalance.not_multiple", cell=str(k), value=_fmt(v), unit=_fmt(unit))
            )
    if total % unit:
        raise RebalanceError(Message("msg.rebalance.total_not_multiple", total=_fmt(total), unit=_fmt(unit)))
    fixed = sum((edits[k] for k in edits), Decimal(0)) + sum(
        (values[k] for k in values if k in locked_set), Decimal(0)
    )
    free_keys = [k for k in values if k not in locked_set and k not in edits]
    free_total = total - fixed
    if free_total < 0:
        locked_sum = sum((values[k] for k in values if k in locked_set), Decimal(0))
        raise RebalanceError(
            Message(
                "msg.rebalance.too_large",
                fixed=_fmt(fixed),
                locked=_fmt(locked_sum),
                total=_fmt(total),
                most=_fmt(total - fixed + sum(edits.values(), Decimal(0))),
            )
        )
    out = dict(values)
    out.update(edits)
    if not free_keys:
        if free_total != 0:
            raise RebalanceError(Message("msg.rebalance.all_locked", change=_fmt(free_total)))
        return out
    current = [values[k] for k in free_keys]
    weights = current if any(c > 0 for c in current) else [Decimal(1)] * len(current)
    try:
        parts = split_exact(free_total, weights, unit)
    except MoneyError as exc:  # pragma: no cover - inputs are validated above
        raise RebalanceError(str(exc)) from exc
    for k, v in zip(free_keys, parts, strict=True):
        out[k] = v
    return out


@dataclass(frozen=True)
class Locks:
    """Locked cells, whole rows (reps) and whole columns (months)."""

    cells: frozenset[Cell] = frozenset()
    rows: frozenset[object] = frozenset()
    columns: frozenset[str] = frozenset()

    def is_locked(self, cell: Cell) -> bool:
        return cell in self.cells or cell[0] in self.rows or cell[1] in self.columns


def _row(grid: Mapping[Cell, Decimal], rep: object) -> dict[Cell, Decimal]:
    return {k: v for k, v in grid.items() if k[0] == rep}


def edit_cell(
    grid: Mapping[Cell, Decimal],
    cell: Cell,
    value: Decimal,
    *,
    team_of: Mapping[object, object],
    locks: Locks = Locks(),
    unit: Decimal = Decimal("0.01"),
    mode: Literal["row", "column"] = "row",
) -> Grid:
    """Set one (rep, month) cell.

    mode "row": the rep's annual total stays; the rep's other unlocked months absorb the change.
    mode "column": the team's total for that month stays; the other unlocked reps of the same team
    in that month absorb it (their annual totals change).
    """
    if cell not in grid:
        raise RebalanceError(Message("msg.rebalance.not_in_plan", cell=str(cell)))
    if locks.is_locked(cell):
        raise RebalanceError(Message("msg.rebalance.locked", cell=f"{cell[0]} / {cell[1]}"))
    rep, month = cell
    if mode == "row":
        siblings = _row(grid, rep)
    elif mode == "column":
        team = team_of[rep]
        siblings = {k: v for k, v in grid.items() if k[1] == month and team_of[k[0]] == team}
    else:
        raise RebalanceError(Message("msg.rebalance.unknown_mode", value=repr(mode)))
    locked = {k for k in siblings if locks.is_locked(k)}
    new = rebalance(siblings, {cell: value}, locked, total=sum(siblings.values(), Decimal(0)), unit=unit)
    out = dict(grid)
    out.update(new)
    return out


def edit_rep_total(
    grid: Mapping[Cell, Decimal],
    rep: object,
    value: Decimal,
    *,
    team_of: Mapping[object, object],
    locks: Locks = Locks(),
    unit: Decimal = Decimal("0.01"),
) -> Grid:
    """Set a rep's annual total; the team total stays, so the team's other reps absorb the change.

    Each changed row is re-spread over its unlocked months in proportion to the current values.
    A rep whose row is locked, or whose months are all locked, does not change.
    """
    if rep not in team_of:
        raise RebalanceError(Message("msg.rebalance.unknown_rep", rep=str(rep)))
    team = team_of[rep]
    mates = [r for r in team_of if team_of[r] == team]
    rows: dict[object, dict[Cell, Decimal]] = {r: {} for r in mates}
    for k, v in grid.items():  # one pass: scanning the grid once per rep is slow at 500 reps
        if k[0] in rows:
            rows[k[0]][k] = v
    totals = {r: sum(rows[r].values(), Decimal(0)) for r in mates}

    def frozen(r: object) -> bool:
        return r in locks.rows or all(locks.is_locked(k) for k in rows[r])

    if frozen(rep):
        raise RebalanceError(Message("msg.rebalance.row_locked", rep=str(rep)))
    new_totals = rebalance(
        totals,
        {rep: value},
        {r for r in mates if frozen(r)},
        total=sum(totals.values(), Decimal(0)),
        unit=unit,
    )
    out = dict(grid)
    for r, t in new_totals.items():
        if t == totals[r]:
            continue
        row = rows[r]
        locked = {k for k in row if locks.is_locked(k)}
        try:
            out.update(rebalance(row, {}, locked, total=t, unit=unit))
        except RebalanceError as exc:
            raise RebalanceError(Message("msg.rebalance.in", where=str(r), msg=message_of(exc))) from exc
    return out


@dataclass(frozen=True)
class EditHistory:
    """Immutable undo/redo stack of grid states; every method returns a new history."""

    past: tuple[Mapping[Cell, Decimal], ...]
    future: tuple[Mapping[Cell, Decimal], ...] = field(default=())

    @classmethod
    def start(cls, state: Mapping[Cell, Decimal]) -> EditHistory:
        return cls(past=(dict(state),))

    @property
    def current(self) -> Grid:
        return dict(self.past[-1])

    @property
    def can_undo(self) -> bool:
        return len(self.past) > 1

    @property
    def can_redo(self) -> bool:
        return bool(self.future)

    def push(self, state: Mapping[Cell, Decimal]) -> EditHistory:
        """Record a new state; the redo stack is cleared as in any editor."""
        return EditHistory(past=(*self.past, dict(state)), future=())

    def undo(self) -> EditHistory:
        if not self.can_undo:
            raise RebalanceError(Message("msg.rebalance.nothing_to_undo"))
        return EditHistory(past=self.past[:-1], future=(self.past[-1], *self.future))

    def redo(self) -> EditHistory:
        if not self.can_redo:
            raise RebalanceError(Message("msg.rebalance.nothing_to_redo"))
        return EditHistory(past=(*self.past, self.future[0]), future=self.future[1:])
