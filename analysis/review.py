"""The weekly review (周会, 建立反馈机制) for one ISO week: per rep actual vs weekly target, WoW
growth, wins (largest deals), problems (risk flags), last week's actions with their status, notes.

Targets come from the fiscal year's active plan, else the default plan of :mod:`analysis.metrics`
(last year × 1.15). Money is int64 cents in frames and Decimal in totals; growth and attainment
are floats (None when the base is zero). Nothing after ``as_of`` counts: a week that is still
running is compared like-for-like (the same number of days of the previous week).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from analysis import metrics, risks, store, tasks
from analysis.i18n import fmt_amount, fmt_pct, t

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
WINS = 5


class ReviewError(ValueError):
    """A review request that cannot be answered (e.g. a malformed week)."""


def parse_week(label: str) -> tuple[dt.date, dt.date]:
    """``"2026-W48"`` → (Monday, Sunday) of that ISO week; ReviewError for anything else."""
    m = _WEEK.match(label.strip())
    if not m:
        raise ReviewError(f"week {label!r} is not an ISO week like 2026-W48")
    try:
        monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise ReviewError(f"week {label!r} does not exist ({exc})") from exc
    return monday, monday + dt.timedelta(days=6)


def week_label(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def last_complete_week(day: dt.date) -> str:
    """The ISO week the review opens on: the last Monday-Sunday week that ends on or before ``day``
    (``day`` is the last day with data: a week still running shows one or two days' numbers)."""
    return week_label(day - dt.timedelta(days=(day.weekday() + 1) % 7))


def previous_week(label: str) -> str:
    return week_label(parse_week(label)[0] - dt.timedelta(days=7))


@dataclass(frozen=True)
class WeeklyReview:
    week: str
    start: dt.date
    end: dt.date
    as_of: dt.date  # last day that counts (the week's Sunday, or earlier for a running week)
    plan_source: str
    plan_label: str
    reps: (
        pd.DataFrame
    )  # [rep_id, rep, team_id, team, target_cents, expected_cents, actual_cents, prev_cents, attainment, wow]
    teams: (
        pd.DataFrame
    )  # [team_id, team, target_cents, expected_cents, actual_cents, prev_cents, attainment, wow]
    wins: pd.DataFrame  # store.largest_deals
    flags: list[risks.Flag]
    actions: pd.DataFrame  # tasks raised in last week's review, with state as of as_of
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> dict[str, object]:
        """Company totals: money as Decimal, attainment and WoW as floats (None when the base is 0)."""
        tgt, act = int(self.reps["target_cents"].sum()), int(self.reps["actual_cents"].sum())
        prev = int(self.reps["prev_cents"].sum())
        return {
            "target": metrics.cents_to_decimal(tgt),
            "expected": metrics.cents_to_decimal(int(self.reps["expected_cents"].sum())),
            "actual": metrics.cents_to_decimal(act),
            "previous": metrics.cents_to_decimal(prev),
            "attainment": None if tgt <= 0 else act / tgt,
            "wow": metrics.growth_rate(act, prev),
        }

    @property
    def complete(self) -> bool:
        return self.as_of >= self.end

    def problems(self, lang: str) -> pd.DataFrame:
        """Risk flags as [severity, rule, entity, reason, action] in ``lang``."""
        rows = [
            [f.severity, f.rule, f.entity_label(lang), f.reason[lang], f.action[lang]] for f in self.flags
        ]
        return pd.DataFrame(rows, columns=["severity", "rule", "entity", "reason", "action"])


def week_numbers(data: metrics.ProgressData, start: dt.date) -> pd.DataFrame:
    """Per rep for the ISO week starting ``start``: target (whole week), expected (plan of the
    elapsed days), actual to as_of, and the previous week's actual over the same number of days.

    Reps with no target, no sales this week and none the week before are left out."""
    n_el = max(0, min(7, (data.as_of - start).days + 1))
    i0 = data.idx(start)

    def cols(a: np.ndarray, lo: int, n: int) -> np.ndarray:
        lo_c, hi_c = max(0, lo), max(0, min(data.n_days, lo + n))
        return np.asarray(a[:, lo_c:hi_c].sum(axis=1), dtype=np.int64)

    tgt = cols(data.plan, i0, 7)
    exp = cols(data.plan, i0, n_el)
    act = cols(data.actual, i0, n_el)
    prev = cols(data.actual, i0 - 7, n_el)
    return _weekly(metrics.rep_period_numbers(data, tgt, exp, act, prev))


def team_numbers(reps: pd.DataFrame) -> pd.DataFrame:
    """Rep rows summed per team (exact cents), with attainment and WoW recomputed from the sums."""
    return _weekly(metrics.team_period_numbers(reps))


def _weekly(numbers: pd.DataFrame) -> pd.DataFrame:
    """The review's columns: growth is week on week (``wow``); no gap column."""
    return numbers.drop(columns="gap_cents").rename(columns={"growth": "wow"})


def build(
    data: metrics.ProgressData,
    week: str,
    *,
    wins: pd.DataFrame,
    flags: list[risks.Flag],
    actions: pd.DataFrame,
    notes: dict[str, str],
) -> WeeklyReview:
    """Assemble the review from loaded parts (pure; see :func:`load` for the store reads)."""
    start, end = parse_week(week)
    reps = week_numbers(data, start)
    acts = tasks.classify(actions, data.as_of) if not actions.empty else actions.assign(state=[])
    return WeeklyReview(
        week=week,
        start=start,
        end=end,
        as_of=data.as_of,
        plan_source=data.plan_source,
        plan_label=data.plan_label,
        reps=reps,
        teams=team_numbers(reps),
        wins=wins,
        flags=[f for f in flags if f.scope in ("company", "team", "rep")],
        actions=acts,
        notes=notes,
    )


def load(
    con: store.Connection, week: str, as_of: dt.date | None = None, fy_start_month: int = 1
) -> WeeklyReview:
    """Read and build the review of ``week``; ``as_of`` (default: the week's Sunday) caps a running week."""
    start, end = parse_week(week)
    day = min(end, as_of) if as_of is not None else end
    if day < start:
        raise ReviewError(f"week {week} starts after the as-of day {as_of}")
    rin = risks.load_inputs(con, day, fy_start_month)
    report = risks.evaluate(rin)
    notes_df = store.review_notes(con, week)
    return build(
        rin.data,
        week,
        wins=store.largest_deals(con, start, day, WINS),
        flags=report.flags,
        actions=store.list_tasks(con, review_week=previous_week(week)),
        notes=dict(zip(notes_df["rep_id"].astype(str), notes_df["note"].astype(str), strict=True)),
    )


def save(
    con: store.Connection,
    week: str,
    notes: dict[str, str],
    next_actions: list[tasks.NewTask],
    created: dt.date,
) -> list[int]:
    """Save the notes per rep and turn next actions into tasks tagged with ``week``, in one
    transaction (both or neither); returns task ids."""
    parse_week(week)
    with store.transaction(con):
        store.save_review_notes(con, week, notes)
        return _actions(con, week, next_actions, created)


def _actions(
    con: store.Connection, week: str, next_actions: list[tasks.NewTask], created: dt.date
) -> list[int]:
    items = [
        tasks.NewTask(
            rep_id=a.rep_id,
            title=a.title,
            task_type=a.task_type,
            priority=a.priority,
            deadline=a.deadline,
            customer_id=a.customer_id,
            source="review",
            review_week=week,
            note=a.note,
        )
        for a in next_actions
    ]
    return tasks.create(con, items, created) if items else []


# --- Markdown ----------------------------------------------------------------------------------


def _md(text: object) -> str:
    """Table-safe text: pipes escaped, newlines flattened."""
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = df.to_dict(orient="records")  # type: ignore[assignment]
    return recs


def _money(cents: object, lang: str) -> str:
    return fmt_amount(Decimal(int(str(cents))) / 100, lang)


def to_markdown(rv: WeeklyReview, lang: str) -> str:
    """The review as Markdown for pasting into 企业微信 / 钉钉 / email."""
    tot = rv.total
    lines = [
        f"## {t('rev.md_title', lang, week=rv.week, start=rv.start, end=rv.end)}",
        "",
        t(
            "rev.md_summary",
            lang,
            actual=fmt_amount(tot["actual"], lang),  # type: ignore[arg-type]
            target=fmt_amount(tot["target"], lang),  # type: ignore[arg-type]
            att=fmt_pct(tot["attainment"], lang),  # type: ignore[arg-type]
            wow=fmt_pct(tot["wow"], lang, signed=True),  # type: ignore[arg-type]
        ),
        "",
        f"### {t('rev.reps', lang)}",
        "",
        f"| {t('col.rep', lang)} | {t('col.team', lang)} | {t('rev.target', lang)} | {t('rev.actual', lang)} "
        f"| {t('rev.attainment', lang)} | {t('rev.wow', lang)} | {t('rev.note', lang)} |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in _records(rv.reps):
        lines.append(
            f"| {_md(r['rep'])} | {_md(r['team'])} | {_money(r['target_cents'], lang)} "
            f"| {_money(r['actual_cents'], lang)} | {fmt_pct(r['attainment'], lang)} "
            f"| {fmt_pct(r['wow'], lang, signed=True)} | {_md(rv.notes.get(str(r['rep_id']), ''))} |"
        )
    lines += ["", f"### {t('rev.wins', lang)}", ""]
    for w in _records(rv.wins):
        day = pd.Timestamp(w["day"]).date()
        lines.append(f"- {day} {_md(w['rep'])} · {_md(w['customer'])}: {_money(w['amount_cents'], lang)}")
    if rv.wins.empty:
        lines.append(f"- {t('rev.none', lang)}")
    lines += ["", f"### {t('rev.problems', lang)}", ""]
    probs = rv.problems(lang)
    for p in _records(probs):
        lines.append(
            f"- [{t('risk.sev.' + str(p['severity']), lang)}] {_md(p['reason'])} → {_md(p['action'])}"
        )
    if probs.empty:
        lines.append(f"- {t('rev.none', lang)}")
    lines += ["", f"### {t('rev.last_actions', lang)}", ""]
    for a in _records(rv.actions):
        due = pd.Timestamp(a["deadline"]).date()
        state = t("task.state." + str(a["state"]), lang)
        lines.append(f"- {_md(a['rep'])}: {_md(a['title'])} ({due}) — {state}")
    if rv.actions.empty:
        lines.append(f"- {t('rev.none', lang)}")
    return "\n".join(lines) + "\n"
