"""The working plan of a session: what it came from, its edit history, and grid edits with locks.

The working plan is a base :class:`analysis.plan.Plan` plus an :class:`EditHistory` of month grids;
the plan shown is ``apply_month_grid(base, history.current)``. Everything here is plain Python
(no widgets) except :func:`get` / :func:`put`, which keep the state in ``st.session_state``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
import streamlit as st

from analysis.messages import Message, message_of
from analysis.plan import Plan, apply_month_grid
from analysis.planning import PlanInputs, PlanRequest
from analysis.rebalance import (
    Cell,
    EditHistory,
    Grid,
    Locks,
    RebalanceError,
    edit_cell,
    edit_rep_total,  # noqa: F401 - re-exported for the page helpers
    rebalance,
)

STATE_KEY = "plan.working"
PENDING_KEY = "plan.pending_widgets"  # widget values to set before the widgets are drawn next run
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Working:
    """The plan being edited in this session."""

    source: tuple[str, int]  # ("draft", year) or ("version", version_id)
    req: PlanRequest
    inputs: PlanInputs
    base: Plan
    history: EditHistory
    origin: Grid  # the month grid when loaded/built: changes are recorded against it
    base_grid: Grid  # the month grid of ``base`` (differs from origin after a catch-up or import)
    scenario: str | None = None  # the loaded version's scenario and number (save is based on it)
    based_on: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # recorded with the saved parameters

    @classmethod
    def start(
        cls,
        source: tuple[str, int],
        req: PlanRequest,
        inputs: PlanInputs,
        plan: Plan,
        *,
        scenario: str | None = None,
        based_on: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Working:
        grid = plan.month_grid()
        return cls(
            source, req, inputs, plan, EditHistory.start(grid), grid, grid, scenario, based_on, extra or {}
        )

    @property
    def grid(self) -> Grid:
        return self.history.current

    @property
    def plan(self) -> Plan:
        """The base plan with the edited months re-spread over their days.

        Only changed cells go to apply_month_grid: the others keep their exact days, which after a
        catch-up hold actuals to the cent (not multiples of the rounding unit).
        """
        changed = {k: v for k, v in self.grid.items() if self.base_grid.get(k) != v}
        return apply_month_grid(self.base, changed) if changed else self.base

    @property
    def unit(self) -> Decimal:
        return self.base.unit

    def with_grid(self, grid: Grid) -> Working:
        return replace(self, history=self.history.push(grid))

    def rebased(self, plan: Plan, **extra: Any) -> Working:
        """A new base plan (catch-up), keeping the origin so the save records every change."""
        grid = plan.month_grid()
        return replace(
            self, base=plan, base_grid=grid, history=self.history.push(grid), extra=self.extra | extra
        )


def replace_history(w: Working, history: EditHistory) -> Working:
    """Undo / redo: the same working plan at another point of its history."""
    return replace(w, history=history)


def get() -> Working | None:
    w = st.session_state.get(STATE_KEY)
    return w if isinstance(w, Working) else None


def put(w: Working) -> None:
    st.session_state[STATE_KEY] = w


def set_widgets_next_run(**values: object) -> None:
    """Queue widget values (e.g. the scenario after a save); applied by :func:`apply_pending`."""
    pending = dict(st.session_state.get(PENDING_KEY, {}))
    pending.update(values)
    st.session_state[PENDING_KEY] = pending


def keep_choices_across_language(lang: str, keys: Iterable[str]) -> None:
    """Re-assign translated-option widgets' values when the language changes.

    The browser holds a choice as its shown label ("团队"); after a switch to English that label is
    no longer an option and Streamlit would fall back to the default. Setting the value again
    from Python before the widget is drawn re-sends it under the new label.
    """
    if st.session_state.get("plan.lang_seen") not in (None, lang):
        for k in keys:
            if k in st.session_state:
                st.session_state[k] = st.session_state[k]
    st.session_state["plan.lang_seen"] = lang


def apply_pending() -> None:
    """Call at the top of the page, before any widget whose value was queued is drawn."""
    for k, v in st.session_state.pop(PENDING_KEY, {}).items():
        st.session_state[k] = v


# --- grid edits ---------------------------------------------------------------------------------


def to_decimal(value: object) -> Decimal:
    """An edited number as an exact Decimal (cents); floats from the editor are read via repr."""
    if value is None or (isinstance(value, float) and value != value):
        raise RebalanceError(Message("msg.rebalance.empty"))
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(CENT)


def rep_totals(grid: Mapping[Cell, Decimal]) -> dict[object, Decimal]:
    out: dict[object, Decimal] = {}
    for (rep, _m), v in grid.items():
        out[rep] = out.get(rep, Decimal(0)) + v
    return out


def apply_cell_edits(
    grid: Grid,
    edits: Iterable[tuple[Cell, Decimal]],
    *,
    team_of: Mapping[object, object],
    locks: Locks,
    unit: Decimal,
    mode: Literal["row", "column"],
) -> Grid:
    """Apply (cell, value) edits one after another; any refusal refuses them all (RebalanceError)."""
    out = grid
    for cell, value in edits:
        if out[cell] == value:
            continue
        out = edit_cell(out, cell, value, team_of=team_of, locks=locks, unit=unit, mode=mode)
    return out


def set_month_totals(grid: Grid, totals: Mapping[str, Decimal], *, locks: Locks, unit: Decimal) -> Grid:
    """Give company months new totals; each month's unlocked reps share the change pro rata."""
    out = dict(grid)
    for month, total in totals.items():
        column = {k: v for k, v in grid.items() if k[1] == month}
        if sum(column.values(), Decimal(0)) == total:
            continue
        locked = [k for k in column if locks.is_locked(k)]
        try:
            out.update(rebalance(column, {}, locked, total=total, unit=unit))
        except RebalanceError as exc:
            raise RebalanceError(Message("msg.rebalance.in", where=month, msg=message_of(exc))) from exc
    return out


def changes(origin: Mapping[Cell, Decimal], current: Mapping[Cell, Decimal]) -> pd.DataFrame:
    """Changed (rep, month) cells as [rep_id, period, old, new] (Decimal) for the change log."""
    rows = [
        {"rep_id": str(k[0]), "period": k[1], "old": origin.get(k, Decimal(0)), "new": v}
        for k, v in current.items()
        if origin.get(k, Decimal(0)) != v
    ]
    return pd.DataFrame(rows, columns=["rep_id", "period", "old", "new"])
