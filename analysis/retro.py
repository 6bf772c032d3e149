"""The period retrospective (总结与反思) for a month or a fiscal quarter, and the monthly report's numbers.

For one period up to an as-of day:

- **stages**: the month's ISO weeks (clipped to the month) or the quarter's months, each with its
  whole target, the plan to date, the actual to date, the gap (actual - plan to date) and attainment;
- **reps / teams**: target, plan to date, actual, previous period over the same number of days,
  attainment and growth vs the previous period (MoM / QoQ, like-for-like);
- **biggest misses**: the reps and teams furthest below the plan to date, with the risk flags the
  rules of :mod:`analysis.risks` raise for them as of the period's last counted day;
- **plan events**: plan versions saved in the period (with the number of manual changes) and the
  activation of a version when it fell in the period (the store keeps the latest activation only);
- **notes**: the weekly-review notes of the ISO weeks that overlap the period.

Money is int64 cents in frames and Decimal in totals; ratios are floats (None when the base is 0).
Nothing after as_of counts. Targets come from the fiscal year's active plan, else the default plan.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from analysis import metrics, risks, store
from analysis.calendar import FiscalYear
from analysis.i18n import fmt_amount, fmt_pct, t
from analysis.overview import fiscal_year_of

MISSES = 5
WINS = 5
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(?:FY)?(\d{4})-Q([1-4])$", re.IGNORECASE)


class RetroError(ValueError):
    """A period that cannot be reviewed (malformed, or starting after the as-of day)."""


def parse_period(label: str, fy_start_month: int = 1) -> metrics.Period:
    """``"2026-10"`` (a calendar month) or ``"FY2026-Q4"`` / ``"2026-Q4"`` (a fiscal quarter) → the period."""
    text = label.strip()
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12 or not 1900 < year < 2100:
            raise RetroError(f"month {label!r} does not exist")
        day = dt.date(year, month, 1)
        return metrics.period_of(fiscal_year_of(day, fy_start_month), day, "month")
    if m := _QUARTER.match(text):
        fy = FiscalYear(int(m.group(1)), fy_start_month)
        return metrics.period_by_label(fy, f"{fy.label}-Q{m.group(2)}")
    raise RetroError(f"period {label!r} is not a month like 2026-10 or a quarter like FY2026-Q4")


def period_options(as_of: dt.date, fy_start_month: int = 1, months: int = 12) -> list[str]:
    """Labels for a period picker, newest first: the last ``months`` months up to as_of, then the
    fiscal quarters that started on or before as_of in this and the previous fiscal year."""
    out = []
    first = as_of.replace(day=1)
    for i in range(months):
        m0 = first.year * 12 + first.month - 1 - i
        out.append(f"{m0 // 12:04d}-{m0 % 12 + 1:02d}")
    fy = fiscal_year_of(as_of, fy_start_month)
    quarters = [
        p.label
        for y in (fy.previous(), fy)
        for p in metrics.fiscal_periods(y)
        if p.grain == "quarter" and p.start <= as_of
    ]
    return out + quarters[::-1]


def default_period(as_of: dt.date) -> str:
    """The last complete month on or before as_of (the usual monthly retrospective; as_of is the
    last day with data, so a month whose last day is as_of is complete)."""
    done = as_of if (as_of + dt.timedelta(days=1)).day == 1 else as_of.replace(day=1) - dt.timedelta(days=1)
    return f"{done.year:04d}-{done.month:02d}"


def _previous(period: metrics.Period) -> tuple[dt.date, dt.date]:
    if period.grain == "quarter":
        return metrics.previous_period(period.start, period.end, "quarter")
    return metrics.previous_period(period.start, period.end, "month")


def _sum(a: np.ndarray, data: metrics.ProgressData, lo: dt.date, hi: dt.date) -> np.ndarray:
    """Per-rep sum over the days [lo, hi] (clipped to the data window); empty ranges give zeros."""
    i0, i1 = max(0, data.idx(lo)), min(data.n_days, data.idx(hi) + 1)
    if i1 <= i0:
        return np.zeros(a.shape[0], dtype=np.int64)
    return np.asarray(a[:, i0:i1].sum(axis=1), dtype=np.int64)


def _ratio(num: int, den: int) -> float | None:
    return None if den <= 0 else num / den


def rep_numbers(data: metrics.ProgressData, period: metrics.Period) -> pd.DataFrame:
    """Per rep: [rep_id, rep, team_id, team, target_cents (whole period), expected_cents (plan to
    as_of), actual_cents (to as_of), prev_cents (previous period, same number of days), gap_cents,
    attainment, growth]. Reps with no target, no sales and none in the previous period are left out."""
    last = min(period.end, data.as_of)
    n_el = max(0, (last - period.start).days + 1)
    p_start, p_end = _previous(period)
    tgt = _sum(data.plan, data, period.start, period.end)
    exp = _sum(data.plan, data, period.start, last)
    act = _sum(data.actual, data, period.start, last)
    prev = _sum(data.actual, data, p_start, min(p_end, p_start + dt.timedelta(days=n_el - 1)))
    return metrics.rep_period_numbers(data, tgt, exp, act, prev)


def team_numbers(reps: pd.DataFrame) -> pd.DataFrame:
    """Rep rows summed per team (exact cents); attainment and growth recomputed from the sums."""
    return metrics.team_period_numbers(reps)


def stage_spans(period: metrics.Period) -> list[tuple[str, str, dt.date, dt.date]]:
    """(label, grain, start, end) of the period's stages: a month's ISO weeks clipped to the month,
    a quarter's months."""
    out: list[tuple[str, str, dt.date, dt.date]] = []
    if period.grain == "quarter":
        d = period.start
        while d <= period.end:
            nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            out.append(
                (f"{d.year:04d}-{d.month:02d}", "month", d, min(period.end, nxt - dt.timedelta(days=1)))
            )
            d = nxt
        return out
    d = period.start
    while d <= period.end:
        sunday = d + dt.timedelta(days=6 - d.weekday())
        iso = d.isocalendar()
        out.append((f"{iso.year:04d}-W{iso.week:02d}", "week", d, min(period.end, sunday)))
        d = sunday + dt.timedelta(days=1)
    return out


def stages(data: metrics.ProgressData, period: metrics.Period) -> pd.DataFrame:
    """Company target vs actual per stage: [stage, grain, start, end, target_cents, expected_cents,
    actual_cents, gap_cents, attainment, complete] (complete = the stage ended on or before as_of)."""
    rows = []
    for label, grain, s, e in stage_spans(period):
        last = min(e, data.as_of)
        tgt = int(_sum(data.plan, data, s, e).sum())
        exp = int(_sum(data.plan, data, s, last).sum()) if last >= s else 0
        act = int(_sum(data.actual, data, s, last).sum()) if last >= s else 0
        rows.append([label, grain, s, e, tgt, exp, act, act - exp, _ratio(act, tgt), e <= data.as_of])
    cols = ["stage", "grain", "start", "end", "target_cents", "expected_cents", "actual_cents", "gap_cents",
            "attainment", "complete"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def biggest_misses(reps: pd.DataFrame, teams: pd.DataFrame, n: int = MISSES) -> pd.DataFrame:
    """The ``n`` teams and the ``n`` reps furthest below their plan to date (gap < 0), worst first:
    [scope, entity_id, name, team, target_cents, expected_cents, actual_cents, gap_cents, attainment]."""
    cols = ["scope", "entity_id", "name", "team", "target_cents", "expected_cents", "actual_cents", "gap_cents",
            "attainment"]  # fmt: skip
    parts = []
    for scope, df, id_col, name_col in (("team", teams, "team_id", "team"), ("rep", reps, "rep_id", "rep")):
        below = df[df["gap_cents"] < 0].sort_values(["gap_cents", id_col]).head(n)
        parts.append(
            pd.DataFrame(
                {
                    "scope": scope,
                    "entity_id": below[id_col].astype(str),
                    "name": below[name_col].astype(str),
                    "team": below["team"].astype(str),
                    **{c: below[c] for c in cols[4:]},
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def plan_events(
    versions: list[store.PlanVersion],
    activations: pd.DataFrame,
    changes: pd.DataFrame,
    start: dt.date,
    end: dt.date,
) -> pd.DataFrame:
    """Plan versions saved and activations made in [start, end], oldest first:
    [when, event ('created' | 'activated'), scenario, version, fiscal_year, target (Decimal),
    author, note, changes (manual changes recorded with that version)]."""
    n_changes: dict[tuple[str, int], int] = {}
    for sc, v in zip(changes.get("scenario", []), changes.get("version", []), strict=True):
        n_changes[(str(sc), int(v))] = n_changes.get((str(sc), int(v)), 0) + 1
    by_id = {v.version_id: v for v in versions}
    rows: list[list[Any]] = []
    for v in versions:
        if start <= v.created_at.date() <= end:
            rows.append([v.created_at, "created", v.scenario, v.version, v.fiscal_year, v.target, v.author,
                         v.note, n_changes.get((v.scenario, v.version), 0)])  # fmt: skip
    for a in activations.to_dict(orient="records"):
        when = pd.Timestamp(a["set_at"]).to_pydatetime()
        pv = by_id.get(int(a["version_id"]))
        if pv is not None and start <= when.date() <= end:
            rows.append([when, "activated", pv.scenario, pv.version, pv.fiscal_year, pv.target, a["set_by"],
                         None, 0])  # fmt: skip
    cols = ["when", "event", "scenario", "version", "fiscal_year", "target", "author", "note", "changes"]
    return pd.DataFrame(rows, columns=cols).sort_values("when", kind="stable").reset_index(drop=True)


def overlapping_weeks(start: dt.date, end: dt.date) -> list[str]:
    """ISO week labels of every week that shares a day with [start, end]."""
    out = []
    d = start - dt.timedelta(days=start.weekday())
    while d <= end:
        iso = d.isocalendar()
        out.append(f"{iso.year:04d}-W{iso.week:02d}")
        d += dt.timedelta(days=7)
    return out


@dataclass(frozen=True)
class Retrospective:
    period: metrics.Period
    as_of: dt.date  # last day that counts (the period's end, or earlier for a running period)
    plan_source: str
    plan_label: str
    stages: pd.DataFrame
    reps: pd.DataFrame
    teams: pd.DataFrame
    misses: pd.DataFrame
    flags: dict[tuple[str, str], list[risks.Flag]]  # (scope, entity_id) of a miss → its flags
    events: pd.DataFrame
    notes: pd.DataFrame  # [iso_week, rep_id, rep, note, author, updated_at]
    wins: pd.DataFrame = field(default_factory=pd.DataFrame)  # store.largest_deals

    @property
    def complete(self) -> bool:
        return self.as_of >= self.period.end

    @property
    def total(self) -> dict[str, Any]:
        """Company totals: money as Decimal, attainment and growth as floats (None when the base is 0)."""
        s = {
            c: int(self.reps[c].sum())
            for c in ("target_cents", "expected_cents", "actual_cents", "prev_cents")
        }
        return {
            "target": metrics.cents_to_decimal(s["target_cents"]),
            "expected": metrics.cents_to_decimal(s["expected_cents"]),
            "actual": metrics.cents_to_decimal(s["actual_cents"]),
            "previous": metrics.cents_to_decimal(s["prev_cents"]),
            "gap": metrics.cents_to_decimal(s["actual_cents"] - s["expected_cents"]),
            "attainment": _ratio(s["actual_cents"], s["target_cents"]),
            "growth": metrics.growth_rate(s["actual_cents"], s["prev_cents"]),
        }

    def flag_text(self, scope: str, entity_id: str, lang: str) -> str:
        """The reasons of a miss's flags in ``lang``, one per line ('' when none)."""
        return "\n".join(
            f"[{t('risk.sev.' + f.severity, lang)}] {f.reason[lang]}"
            for f in self.flags.get((scope, entity_id), [])
        )

    def summary(self, lang: str) -> list[str]:
        """A few sentences for the top of the retrospective (总结)."""
        tot = self.total
        out = []
        if not self.complete:
            out.append(t("retro.sum_running", lang, asof=self.as_of))
        out.append(
            t(
                "retro.sum_total",
                lang,
                actual=fmt_amount(tot["actual"], lang),
                target=fmt_amount(tot["target"], lang),
                att=fmt_pct(tot["attainment"], lang),
                growth=fmt_pct(tot["growth"], lang, signed=True),
            )
        )
        done = self.stages[self.stages["complete"]]
        out.append(t("retro.sum_stages", lang, below=int((done["gap_cents"] < 0).sum()), n=len(done)))
        if not self.misses.empty:
            m = self.misses.sort_values("gap_cents").iloc[0]
            who = t("retro.scope." + str(m["scope"]), lang) + " " + str(m["name"])
            out.append(
                t("retro.sum_miss", lang, who=who, gap=fmt_amount(Decimal(int(m["gap_cents"])) / 100, lang))
            )
        saved = int((self.events["event"] == "created").sum()) if not self.events.empty else 0
        active = int((self.events["event"] == "activated").sum()) if not self.events.empty else 0
        out.append(t("retro.sum_versions", lang, saved=saved, active=active))
        return out


def build(
    data: metrics.ProgressData,
    period: metrics.Period,
    *,
    flags: list[risks.Flag],
    versions: list[store.PlanVersion],
    activations: pd.DataFrame,
    changes: pd.DataFrame,
    notes: pd.DataFrame,
    wins: pd.DataFrame,
    n_misses: int = MISSES,
) -> Retrospective:
    """Assemble the retrospective from loaded parts (pure; see :func:`load` for the store reads)."""
    reps = rep_numbers(data, period)
    teams = team_numbers(reps)
    misses = biggest_misses(reps, teams, n_misses)
    wanted = set(zip(misses["scope"], misses["entity_id"], strict=True))
    by_key: dict[tuple[str, str], list[risks.Flag]] = {}
    for f in flags:
        if (f.scope, f.entity_id) in wanted:
            by_key.setdefault((f.scope, f.entity_id), []).append(f)
    last = min(period.end, data.as_of)
    # Plan events are not sales data: they count up to the day asked for, even past the last
    # day with sales (to which the numbers are measured).
    until = min(period.end, data.requested_as_of or data.as_of)
    if not changes.empty:
        when = pd.to_datetime(changes["changed_at"]).dt.date
        changes = changes[(when >= period.start) & (when <= until)]
    return Retrospective(
        period=period,
        as_of=last,
        plan_source=data.plan_source,
        plan_label=data.plan_label,
        stages=stages(data, period),
        reps=reps,
        teams=teams,
        misses=misses,
        flags=by_key,
        events=plan_events(versions, activations, changes, period.start, until),
        notes=notes,
        wins=wins,
    )


def load(
    con: store.Connection, label: str, as_of: dt.date | None = None, fy_start_month: int = 1
) -> Retrospective:
    """Read and build the retrospective of ``label`` (a month or fiscal quarter) as of ``as_of``
    (default: the period's last day). Flags are evaluated as of the last counted day."""
    period = parse_period(label, fy_start_month)
    day = min(period.end, as_of) if as_of is not None else period.end
    if day < period.start:
        raise RetroError(f"period {label} starts after the as-of day {as_of}")
    rin = risks.load_inputs(con, day, fy_start_month)
    return build(
        rin.data,
        period,
        flags=risks.flatten(risks.evaluate(rin).flags),  # a folded rep keeps its reasons here
        versions=store.list_plan_versions(con),
        activations=store.plan_activations(con),
        changes=store.plan_changes(con),
        notes=store.review_notes_for_weeks(con, overlapping_weeks(period.start, day)),
        wins=store.largest_deals(con, period.start, day, WINS),
    )
