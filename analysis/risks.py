"""Risk flags with evidence: pure rules over the progress arrays and the customer activity frame.

Every rule reads :class:`RiskInputs` (built by :func:`load_inputs`, the only function here that
touches the store) and a threshold set, and returns :class:`Flag` objects: rule, scope
(company / team / rep), entity, period, severity (high / medium / low), the evidence numbers,
a one-sentence reason in Chinese and English, and the playbook's suggested action.

Money in evidence is Decimal yuan (exact, from integer cents); ratios are floats rounded to 4
places; days are ISO dates. Thresholds have defaults here and user overrides in the store
(``risk_thresholds``); the playbook defaults live in the translation table, overrides in
``risk_playbook``. Nothing after ``as_of`` is read, so a past day can be replayed.

Weeks are ISO weeks (Monday-Sunday); "complete weeks" end on or before as_of. Working days follow
the calendar of the progress data (China's holidays and make-up workdays plus user overrides).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis import metrics, store
from analysis.allocate import is_vacancy
from analysis.i18n import LANGS, fmt_amount, fmt_pct, t

SEVERITIES = ("high", "medium", "low")
SCOPES = ("company", "team", "rep")

# rule -> parameter -> default. "enabled" is 1/0. Every value is a number so one table holds them all.
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "forecast_attainment": {
        "enabled": 1,
        "threshold": 0.90,
        "min_workdays": 5,
        "max_p_reach": 0.20,
        "z": 1.96,
    },
    "behind_pace": {"enabled": 1, "gap_pct": 0.10, "weeks": 3, "z": 1.96},
    "wow_decline": {"enabled": 1, "weeks": 3, "z": 1.96},
    "yoy_decline": {"enabled": 1, "decline_pct": 0.10, "weeks": 13, "z": 1.96},
    "concentration": {"enabled": 1, "share": 0.40},
    "silent_customers": {
        "enabled": 1,
        "k": 2.5,
        "min_orders": 6,
        "min_days": 30,
        "min_share": 0.05,
        "p_value": 0.025,
    },
    "orphaned_customers": {"enabled": 1},
    "rep_no_sales": {"enabled": 1, "days": 10},
    "unrealistic_target": {"enabled": 1, "k": 1.5, "min_months": 3},
    "overdue_tasks": {"enabled": 1},
}
RULES: tuple[str, ...] = tuple(DEFAULT_THRESHOLDS)
QUARTER_DAYS = 91  # customer-book flags put at risk a quarter of the book's usual sales
TOP_N = 5  # the risks page leads with this many flags; the rest sit behind an expander
HISTORY_DAYS = 730  # customer cadence is learnt from two years of orders
TRAILING_DAYS = 365  # concentration: trailing twelve months


class RiskError(ValueError):
    """A risk request that cannot be answered; the message says why."""


Thresholds = dict[str, dict[str, float]]


def merge_thresholds(saved: pd.DataFrame | None) -> Thresholds:
    """Defaults overridden by saved rows [rule, param, value]; unknown rules/params are ignored."""
    out = {r: dict(p) for r, p in DEFAULT_THRESHOLDS.items()}
    if saved is not None:
        for rule, param, value in zip(saved["rule"], saved["param"], saved["value"], strict=True):
            if rule in out and param in out[rule]:
                out[rule][param] = float(value)
    return out


def merge_playbook(saved: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """rule -> {"zh", "en"} suggested action: the translation table's default unless edited."""
    out = {r: {lang: t(f"risk.action.{r}", lang) for lang in LANGS} for r in RULES}
    if saved is not None:
        for rule, zh, en in zip(saved["rule"], saved["action_zh"], saved["action_en"], strict=True):
            if rule in out:
                out[rule] = {"zh": str(zh), "en": str(en)}
    return out


@dataclass(frozen=True)
class Flag:
    """One risk flag. ``key`` (rule, scope, entity_id) identifies a recurring risk in the register."""

    rule: str
    scope: str
    entity_id: str
    entity_name: str
    period: str
    severity: str
    evidence: dict[str, Any]
    reason: dict[str, str]
    action: dict[str, str]
    money_at_risk: Decimal = Decimal(0)  # yuan; what the ranking sorts on (see the module docstring)
    also: tuple[Flag, ...] = ()  # the entity's weaker flags (and folded-in ones), as further evidence

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.scope, self.entity_id)

    @property
    def keys(self) -> list[tuple[str, str, str]]:
        """This flag's key and those of the flags folded into it (for the register link)."""
        return [self.key, *(k for f in self.also for k in f.keys)]

    def entity_label(self, lang: str) -> str:
        return t("risk.company", lang) if self.scope == "company" else self.entity_name

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The CLI / JSON shape; money stays Decimal (the CLI prints decimal strings)."""
        return {
            "rule": self.rule,
            "scope": self.scope,
            "entity": {"id": self.entity_id, "name": self.entity_label(lang)},
            "period": self.period,
            "severity": self.severity,
            "evidence": self.evidence,
            "reason": self.reason[lang],
            "action": self.action[lang],
            "money_at_risk": self.money_at_risk,
            "also": [
                {
                    "rule": f.rule,
                    "scope": f.scope,
                    "entity": {"id": f.entity_id, "name": f.entity_label(lang)},
                    "reason": f.reason[lang],
                    "money_at_risk": f.money_at_risk,
                }
                for f in self.also
            ],
        }


@dataclass(frozen=True)
class Skipped:
    """A rule that did not run and why (a translation key), so the page can say so."""

    rule: str
    reason_key: str


@dataclass(frozen=True)
class RiskInputs:
    data: metrics.ProgressData
    customers: pd.DataFrame  # store.customer_activity over HISTORY_DAYS
    tasks: pd.DataFrame | None  # store.open_tasks, None when there is no task table
    thresholds: Thresholds = field(default_factory=lambda: merge_thresholds(None))
    playbook: dict[str, dict[str, str]] = field(default_factory=lambda: merge_playbook(None))


@dataclass(frozen=True)
class RiskReport:
    """Flags as of ``as_of``, the day they are measured to (the day asked for, ``requested_as_of``,
    capped at ``data_through``, the store's last day with sales)."""

    as_of: dt.date
    flags: list[Flag]
    skipped: list[Skipped]
    data_through: dt.date | None = None
    requested_as_of: dt.date | None = None

    def top(self, n: int = TOP_N) -> list[Flag]:
        """The ``n`` flags to act on first (flags are kept ranked; see :func:`evaluate`)."""
        return self.flags[:n]

    def frame(self, lang: str) -> pd.DataFrame:
        """One row per flag: [rule, scope, entity_id, entity, period, severity, reason, action]."""
        cols = ["rule", "scope", "entity_id", "entity", "period", "severity", "reason", "action"]
        rows = [
            [
                f.rule,
                f.scope,
                f.entity_id,
                f.entity_label(lang),
                f.period,
                f.severity,
                f.reason[lang],
                f.action[lang],
            ]
            for f in self.flags
        ]
        return pd.DataFrame(rows, columns=cols)


# --- helpers -----------------------------------------------------------------------------------


def _r4(x: float) -> float:
    return round(float(x), 4)


def _money(cents: int | float) -> Decimal:
    return metrics.cents_to_decimal(cents)


def _who(scope: str, name: str, lang: str) -> str:
    return t(f"risk.who.{scope}", lang, name=name)


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _dates(col: pd.Series) -> NDArray[np.int64]:
    """Date column as day ordinals; missing → -1."""
    days = pd.to_datetime(col).to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    ok = ~np.isnat(days)
    out = np.full(len(days), -1, dtype=np.int64)
    out[ok] = days[ok].astype(np.int64) + _EPOCH_ORDINAL
    return out


def employed(reps: pd.DataFrame, day: dt.date) -> NDArray[np.bool_]:
    """Reps hired on or before ``day`` and not gone before it (a team's unassigned plan line is no rep)."""
    o = day.toordinal()
    hire, leave = _dates(reps["hire_date"]), _dates(reps["leave_date"])
    person = ~np.array([is_vacancy(r) for r in reps["rep_id"]], dtype=bool)
    return np.asarray(((hire < 0) | (hire <= o)) & ((leave < 0) | (leave >= o)) & person, dtype=bool)


def _severity(value: float, high: float, medium: float) -> str:
    """'high' when value >= high, 'medium' when >= medium, else 'low' (larger = worse)."""
    return "high" if value >= high else "medium" if value >= medium else "low"


def _flag(
    inputs: RiskInputs,
    rule: str,
    scope: str,
    entity_id: object,
    name: object,
    period: str,
    severity: str,
    evidence: dict[str, Any],
    fmt: Callable[[str], dict[str, object]],
    money: int | float = 0,
) -> Flag:
    nm = str(name) if name is not None else str(entity_id)
    reason = {lang: t(f"risk.reason.{rule}", lang, who=_who(scope, nm, lang), **fmt(lang)) for lang in LANGS}
    return Flag(
        rule=rule,
        scope=scope,
        entity_id=str(entity_id),
        entity_name=nm,
        period=period,
        severity=severity,
        evidence=evidence,
        reason=reason,
        action=dict(inputs.playbook[rule]),
        money_at_risk=_money(max(0.0, float(money))),
    )


def _scopes(
    data: metrics.ProgressData, rep_mask: NDArray[np.bool_]
) -> list[tuple[str, str, str, NDArray[np.bool_]]]:
    """(scope, id, name, row mask): the company, each team, and each rep in ``rep_mask``."""
    reps = data.reps
    out: list[tuple[str, str, str, NDArray[np.bool_]]] = [
        ("company", "company", "", np.ones(len(reps), dtype=bool))
    ]
    team_ids = reps["team_id"].to_numpy(dtype=object)
    for tid, tname in reps[["team_id", "team"]].drop_duplicates("team_id").itertuples(index=False):
        if tid is None or (isinstance(tid, float) and np.isnan(tid)):
            continue
        out.append(("team", str(tid), str(tname), np.asarray(team_ids == tid, dtype=bool)))
    for i, (rid, rname) in enumerate(zip(reps["rep_id"], reps["name"], strict=True)):
        if rep_mask[i]:
            m = np.zeros(len(reps), dtype=bool)
            m[i] = True
            out.append(("rep", str(rid), str(rname), m))
    return out


def _week_label(start: dt.date) -> str:
    iso = start.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def complete_weeks(data: metrics.ProgressData, n: int) -> list[dt.date]:
    """Mondays of the last ``n`` complete ISO weeks up to as_of that lie inside the data window."""
    last_sunday = data.as_of - dt.timedelta(days=(data.as_of.weekday() + 1) % 7)
    starts = [last_sunday - dt.timedelta(days=6 + 7 * i) for i in range(n)]
    return [s for s in reversed(starts) if data.idx(s) >= 0]


def _weekly(
    data: metrics.ProgressData, weeks: list[dt.date]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """[rep, week] actual and plan cents, and [week] working days."""
    cols = np.array([data.idx(s) for s in weeks], dtype=np.int64)
    act = (
        np.stack([data.actual[:, c : c + 7].sum(axis=1) for c in cols], axis=1)
        if len(cols)
        else np.zeros((len(data.reps), 0), np.int64)
    )
    plan = (
        np.stack([data.plan[:, c : c + 7].sum(axis=1) for c in cols], axis=1)
        if len(cols)
        else np.zeros((len(data.reps), 0), np.int64)
    )
    work = np.array([int(data.work[c : c + 7].sum()) for c in cols], dtype=np.int64)
    return act.astype(np.int64), plan.astype(np.int64), work


def _significant(mean_gap: float, ratios: list[float], n: float, z: float) -> bool:
    """Whether a mean shortfall ``mean_gap`` over ``n`` weeks is at least ``z`` standard errors, the
    standard error being the week-to-week noise of the entity's actual/reference ratios / sqrt(n).

    The noise is estimated from successive differences (sd of the week-on-week changes / sqrt 2,
    von Neumann's estimator): a decline under way, the very thing being tested, would inflate the
    plain sd of the ratios and hide itself. Fewer than four ratios to judge the spread by: not
    significant (not enough evidence)."""
    if len(ratios) < 4:
        return False
    sd = float(np.std(np.diff(ratios), ddof=1)) / np.sqrt(2)
    return bool(sd == 0 or mean_gap / (sd / np.sqrt(n)) >= z)


def _welch_z(before: NDArray[np.int64], after: NDArray[np.int64]) -> float:
    """(mean before - mean after) / its standard error (Welch, unequal variances); +inf when both
    samples are constant and differ, 0 when they do not differ."""
    diff = float(before.mean() - after.mean())
    se = float(np.sqrt(before.var(ddof=1) / len(before) + after.var(ddof=1) / len(after)))
    if se == 0:
        return float("inf") if diff > 0 else 0.0
    return diff / se


# --- rules -------------------------------------------------------------------------------------


def rule_forecast_attainment(inputs: RiskInputs) -> list[Flag]:
    """Forecast at the end of as_of's month / period target below ``threshold``, per company, team and
    employed rep (forecast as on the progress page).

    Evidence needed: at least ``min_workdays`` elapsed working days of the month; the forecast
    band's probability of reaching the target at most ``max_p_reach`` (the miss is likely; see
    :func:`metrics.forecast_band`); and the shortfall significant against the entity's own
    week-to-week noise (1 - forecast/target at least ``z`` x the noise of its weekly actual/plan
    ratios / sqrt(elapsed weeks), one-sided; see :func:`_significant`): a rep whose weeks swing
    by 30 % is not flagged for a 12 % miss. Money at risk: target - forecast."""
    th = inputs.thresholds["forecast_attainment"]
    thr = th["threshold"]
    data = inputs.data
    period = metrics.period_of(data.fy, data.as_of, "month")
    out = []
    for scope, key, name, _ in _scopes(data, employed(data.reps, data.as_of)):
        p = metrics.progress(data, period, scope, None if scope == "company" else key)  # type: ignore[arg-type]
        if p.target <= 0 or p.complete and p.elapsed_workdays == 0:
            continue
        ratio = float(p.forecast / p.target)
        if ratio >= thr or p.elapsed_workdays < th["min_workdays"]:
            continue
        prob = p.band.probability
        if prob is None or prob > th["max_p_reach"]:
            continue
        rows = data.rows(scope, None if scope == "company" else key)  # type: ignore[arg-type]
        if not _significant(1 - ratio, metrics.weekly_ratios(data, rows)[0], p.elapsed_workdays / 5, th["z"]):
            continue
        ev = {
            "forecast_attainment": _r4(ratio),
            "threshold": thr,
            "target": p.target,
            "actual": p.actual,
            "forecast": p.forecast,
            "elapsed_workdays": p.elapsed_workdays,
            "remaining_workdays": p.remaining_workdays,
            "p_reach": _r4(prob),
            "plan": data.plan_source,
        }

        def fmt(lang: str, p: metrics.Progress = p, ratio: float = ratio) -> dict[str, object]:
            return {
                "period": period.label,
                "value": fmt_pct(ratio, lang),
                "forecast": fmt_amount(p.forecast, lang),
                "target": fmt_amount(p.target, lang),
                "threshold": fmt_pct(thr, lang),
            }

        sev = _severity(thr - ratio, 0.20, 0.10)
        short = int((p.target - p.forecast) * 100)
        out.append(_flag(inputs, "forecast_attainment", scope, key, name, period.label, sev, ev, fmt, short))
    return out


def rule_behind_pace(inputs: RiskInputs) -> list[Flag]:
    """Weekly actual below plan by more than ``gap_pct`` in each of the last ``weeks`` complete weeks
    (weeks with a plan only), per company, team and employed rep.

    Evidence needed: those ``weeks`` complete weeks, and a gap significant against the entity's
    usual week-to-week noise: mean gap / (noise of its weekly actual/plan ratios / sqrt(weeks))
    at least ``z`` (a one-sided normal test; 1.96 ~ 2.5 %; see :func:`_significant`). Money at
    risk: plan - actual over those weeks."""
    th = inputs.thresholds["behind_pace"]
    n, gap = int(th["weeks"]), th["gap_pct"]
    data = inputs.data
    weeks = complete_weeks(data, n)
    if n < 1 or len(weeks) < n:
        return []
    act, plan, _ = _weekly(data, weeks)
    out = []
    for scope, key, name, rows in _scopes(data, employed(data.reps, data.as_of)):
        a, p = act[rows].sum(axis=0), plan[rows].sum(axis=0)
        if (p <= 0).any():
            continue
        att = a / p
        if not (att < 1 - gap).all():
            continue
        mean_gap = float(1 - a.sum() / p.sum())
        if not _significant(mean_gap, metrics.weekly_ratios(data, rows)[0], n, th["z"]):
            continue
        labels = [_week_label(w) for w in weeks]
        ev = {
            "weeks": labels,
            "weekly_attainment": [_r4(x) for x in att],
            "gap_pct": _r4(mean_gap),
            "threshold": gap,
            "actual": _money(int(a.sum())),
            "plan": _money(int(p.sum())),
        }

        def fmt(lang: str, mean_gap: float = mean_gap) -> dict[str, object]:
            return {"weeks": n, "gap": fmt_pct(mean_gap, lang), "threshold": fmt_pct(gap, lang)}

        sev = _severity(mean_gap, 2 * gap, 1.5 * gap)
        short = int(p.sum() - a.sum())
        out.append(
            _flag(inputs, "behind_pace", scope, key, name, f"{labels[0]}..{labels[-1]}", sev, ev, fmt, short)
        )
    return out


def rule_wow_decline(inputs: RiskInputs) -> list[Flag]:
    """Sales per working day fell week on week ``weeks`` times in a row up to the last complete week
    (weeks without working days are skipped), per company and team.

    Evidence needed: the run of declines, and a total drop significant against the usual
    week-to-week change of the rate: drop / (sd of the 26 weeks' changes x sqrt(run length)) at
    least ``z``. Money at risk: what the run's weeks sold below the first week's rate."""
    th = inputs.thresholds["wow_decline"]
    n = int(th["weeks"])
    data = inputs.data
    weeks = complete_weeks(data, 26)
    act, _, work = _weekly(data, weeks)
    keep = work > 0
    weeks = [w for w, k in zip(weeks, keep, strict=True) if k]
    act, work = act[:, keep], work[keep]
    out = []
    none = np.zeros(len(data.reps), dtype=bool)
    for scope, key, name, rows in _scopes(data, none):
        rate = act[rows].sum(axis=0) / work
        streak = 0
        for i in range(len(rate) - 1, 0, -1):
            if rate[i] < rate[i - 1]:
                streak += 1
            else:
                break
        if n < 1 or streak < n or rate[-1 - streak] <= 0:
            continue
        first, last = float(rate[-1 - streak]), float(rate[-1])
        drop = 1 - last / first
        changes = np.diff(rate)
        sd = float(np.std(changes, ddof=1)) if len(changes) >= 2 else 0.0
        if sd <= 0 or (first - last) / (sd * np.sqrt(streak)) < th["z"]:
            continue
        lost = float(((first - rate[-streak:]) * work[-streak:]).sum())
        labels = [_week_label(w) for w in weeks[-1 - streak :]]
        ev = {
            "weeks": labels,
            "daily_rate": [_money(round(x)) for x in rate[-1 - streak :]],
            "streak": streak,
            "decline_pct": _r4(drop),
            "threshold_weeks": n,
        }

        def fmt(lang: str, streak: int = streak, drop: float = drop) -> dict[str, object]:
            return {"weeks": streak, "drop": fmt_pct(drop, lang)}

        sev = _severity(drop, 0.30, 0.15)
        out.append(
            _flag(inputs, "wow_decline", scope, key, name, f"{labels[0]}..{labels[-1]}", sev, ev, fmt, lost)
        )
    return out


def rule_yoy_decline(inputs: RiskInputs) -> list[Flag]:
    """Sales of the trailing ``weeks`` x 7 days down more than ``decline_pct`` on the same days 52 weeks
    earlier, per company, team and rep employed through both windows.

    Evidence needed: the decline significant in a two-sample test of the weekly sums (Welch's z on
    the ``weeks`` weeks of each window, one-sided, at least ``z``). Money at risk: last year's sales
    of the window - this year's."""
    th = inputs.thresholds["yoy_decline"]
    days, thr = int(th["weeks"]) * 7, th["decline_pct"]
    data = inputs.data
    end = data.idx(data.as_of) + 1
    start, ly_start = end - days, end - days - 364
    if ly_start < 0 or days <= 0:
        return []
    ly_first = data.as_of - dt.timedelta(days=days + 364 - 1)
    mask = employed(data.reps, data.as_of) & employed(data.reps, ly_first)
    cur = data.actual[:, start:end].sum(axis=1)
    ly = data.actual[:, ly_start : ly_start + days].sum(axis=1)
    n_w = days // 7
    cur_w = data.actual[:, start:end].reshape(len(data.reps), n_w, 7).sum(axis=2)
    ly_w = data.actual[:, ly_start : ly_start + days].reshape(len(data.reps), n_w, 7).sum(axis=2)
    period = f"{data.day(start)}..{data.as_of}"
    out = []
    for scope, key, name, rows in _scopes(data, mask):
        c, p = int(cur[rows].sum()), int(ly[rows].sum())
        if p <= 0:
            continue
        g = c / p - 1
        if g >= -thr or _welch_z(ly_w[rows].sum(axis=0), cur_w[rows].sum(axis=0)) < th["z"]:
            continue
        ev = {
            "yoy": _r4(g),
            "threshold": -thr,
            "sales": _money(c),
            "sales_last_year": _money(p),
            "days": days,
        }

        def fmt(lang: str, g: float = g, c: int = c, p: int = p) -> dict[str, object]:
            return {
                "days": days,
                "yoy": fmt_pct(g, lang, signed=True),
                "cur": fmt_amount(_money(c), lang),
                "ly": fmt_amount(_money(p), lang),
            }

        sev = _severity(-g, 2 * thr, 1.5 * thr)
        out.append(_flag(inputs, "yoy_decline", scope, key, name, period, sev, ev, fmt, p - c))
    return out


def _trailing(inputs: RiskInputs) -> tuple[dt.date, pd.DataFrame]:
    """(first day of the trailing 12 months, customer rows with 12-month sales)."""
    c = inputs.customers
    return inputs.data.as_of - dt.timedelta(days=TRAILING_DAYS - 1), c[c["amount_cents"] > 0]


def rule_concentration(inputs: RiskInputs) -> list[Flag]:
    """One customer above ``share`` of an employed rep's trailing-12-month sales.

    Evidence: twelve months of the rep's own sales (a structural fact, no test needed). Money at
    risk: a quarter of that customer's 12-month sales (what losing it would cost next quarter)."""
    thr = inputs.thresholds["concentration"]["share"]
    data = inputs.data
    first, c = _trailing(inputs)
    reps = data.reps[employed(data.reps, data.as_of)]
    out: list[Flag] = []
    if c.empty:
        return out
    tot = c.groupby("rep_id")["amount_cents"].sum()
    top = c.sort_values(["amount_cents", "customer_id"], ascending=[False, True]).drop_duplicates("rep_id")
    n_cust = c.groupby("rep_id")["customer_id"].nunique()
    rows: list[dict[str, Any]] = top.to_dict(orient="records")  # type: ignore[assignment]
    names = dict(zip(reps["rep_id"], reps["name"], strict=True))
    for r in rows:
        if r["rep_id"] not in names:
            continue
        total = int(tot[r["rep_id"]])
        share = int(r["amount_cents"]) / total
        if share <= thr:
            continue
        name = names[r["rep_id"]]
        ev = {
            "top_customer_share": _r4(share),
            "top_customer": str(r["customer"]),
            "top_customer_id": str(r["customer_id"]),
            "top_customer_sales": _money(int(r["amount_cents"])),
            "rep_sales": _money(total),
            "customers": int(n_cust[r["rep_id"]]),
            "threshold": thr,
        }

        def fmt(lang: str, share: float = share, cust: str = str(r["customer"])) -> dict[str, object]:
            return {"share": fmt_pct(share, lang), "customer": cust, "threshold": fmt_pct(thr, lang)}

        sev = _severity(share, 0.60, 0.50)
        quarter = int(r["amount_cents"]) / 4
        out.append(
            _flag(
                inputs,
                "concentration",
                "rep",
                r["rep_id"],
                name,
                f"{first}..{data.as_of}",
                sev,
                ev,
                fmt,
                quarter,
            )
        )
    return out


def silent_customers(
    customers: pd.DataFrame,
    as_of: dt.date,
    *,
    k: float = DEFAULT_THRESHOLDS["silent_customers"]["k"],
    min_orders: int = int(DEFAULT_THRESHOLDS["silent_customers"]["min_orders"]),
    min_days: int = int(DEFAULT_THRESHOLDS["silent_customers"]["min_days"]),
) -> pd.DataFrame:
    """The follow-up list: regular customers (at least ``min_orders`` order days) whose silence since
    the last order is longer than ``k`` x their usual interval and at least ``min_days``.

    Usual interval = (last - first order day) / (order days - 1), in days. Columns [rep_id,
    customer_id, customer, last_day, interval_days, silent_days, overdue_ratio, amount_cents,
    total_cents], longest overdue first."""
    cols = ["rep_id", "customer_id", "customer", "last_day", "interval_days", "silent_days", "overdue_ratio",
            "amount_cents", "total_cents"]  # fmt: skip
    n = customers["order_days"].to_numpy(dtype=np.float64)
    first, last = _dates(customers["first_day"]), _dates(customers["last_day"])
    regular = n >= max(2, min_orders)
    # Judge on arrays first: only the few silent rows are copied and get Python dates.
    interval = np.divide(last - first, n - 1, out=np.zeros(len(n)), where=regular)
    silent = as_of.toordinal() - last
    hit = regular & (silent > k * interval) & (silent >= min_days)
    if not hit.any():
        return pd.DataFrame(columns=cols)
    c = customers[hit].copy()
    interval, silent, last = interval[hit], silent[hit], last[hit]
    c["interval_days"] = np.round(interval, 1)
    c["silent_days"] = silent
    c["overdue_ratio"] = np.round(
        np.divide(silent, interval, out=np.full(len(c), np.inf), where=interval > 0), 2
    )
    c["last_day"] = [dt.date.fromordinal(int(o)) for o in last]
    out: pd.DataFrame = c[cols].sort_values(["overdue_ratio", "total_cents"], ascending=False)
    return out.reset_index(drop=True)


def _silence_by_chance(customers: pd.DataFrame, k: float, min_orders: int, min_days: int) -> pd.Series:
    """Per rep: how many of its regular customers would be silent as long as the follow-up list
    asks (more than k x interval and at least min_days) if each ordered at random (Poisson) at its
    usual interval: the sum of e^(-max(k I, min_days) / I)."""
    n = customers["order_days"].to_numpy(dtype=np.float64)
    first, last = _dates(customers["first_day"]), _dates(customers["last_day"])
    regular = n >= max(2, min_orders)
    interval = np.divide(last - first, n - 1, out=np.zeros(len(n)), where=regular)
    ok = regular & (interval > 0)
    p = np.zeros(len(n))
    p[ok] = np.exp(-np.maximum(k * interval[ok], min_days) / interval[ok])
    return pd.Series(p, index=customers.index).groupby(customers["rep_id"]).sum()


def _poisson_tail(m: int, lam: float) -> float:
    """P(X >= m) for X ~ Poisson(lam)."""
    if m <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    term, below = math.exp(-lam), 0.0
    for j in range(m):
        below += term
        term *= lam / (j + 1)
    return max(0.0, 1.0 - below)


def _interval(r: dict[str, Any]) -> float | None:
    """Usual days between order days of one customer row (None with a single order day)."""
    if r.get("interval_days") is not None:
        return float(r["interval_days"])
    n = int(r["order_days"])
    if n < 2:
        return None
    span = (pd.Timestamp(r["last_day"]) - pd.Timestamp(r["first_day"])).days
    return round(span / (n - 1), 1)


def _top_list(df: pd.DataFrame, n: int = 5) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = df.head(n).to_dict(orient="records")  # type: ignore[assignment]
    return [
        {
            "customer": str(r["customer"]),
            "last_order": pd.Timestamp(r["last_day"]).date(),
            "usual_interval_days": _interval(r),
            "sales": _money(int(r["total_cents"])),
        }
        for r in rows
    ]


def rule_silent_customers(inputs: RiskInputs) -> list[Flag]:
    """Per employed rep: regular customers silent longer than ``k`` x their usual interval, flagged when
    they carried at least ``min_share`` of the rep's sales over the customer history window.

    Evidence needed: at least ``min_orders`` order days per customer to know its interval, and
    more silent customers than chance explains. A customer ordering at random (Poisson) at its
    usual interval I stays silent for x days with probability e^(-x/I) (~8 % at x = 2.5 I), so a
    rep with many regular customers always has a few silent ones: the expected number is the sum
    of those probabilities over the rep's regular customers, and the rep is flagged only when
    seeing as many silent ones has a Poisson tail probability below ``p_value``. When the whole
    company has more silent customers than chance (a long holiday, a slow season), the expected
    number is scaled up by the other reps' ratio: only a rep silent beyond its peers is flagged.
    Money at risk:
    a quarter of their usual sales (two-year sales x 91 / 730)."""
    th = inputs.thresholds["silent_customers"]
    data = inputs.data
    c = inputs.customers
    quiet = silent_customers(
        c, data.as_of, k=th["k"], min_orders=int(th["min_orders"]), min_days=int(th["min_days"])
    )
    reps = data.reps[employed(data.reps, data.as_of)]
    tot = c.groupby("rep_id")["total_cents"].sum()
    by_rep = dict(tuple(quiet.groupby("rep_id", sort=False))) if not quiet.empty else {}
    chance = _silence_by_chance(c, th["k"], int(th["min_orders"]), int(th["min_days"]))
    n_quiet = quiet.groupby("rep_id").size() if not quiet.empty else pd.Series(dtype=np.int64)
    out = []
    for rid, name in zip(reps["rep_id"], reps["name"], strict=True):
        q = by_rep.get(rid)
        if q is None or int(tot.get(rid, 0)) <= 0:
            continue
        lost = int(q["total_cents"].sum())
        share = lost / int(tot[rid])
        # Silence the other reps share beyond chance (a holiday, a slow season) is not this rep's.
        lam, others = float(chance.get(rid, 0.0)), float(chance.sum()) - float(chance.get(rid, 0.0))
        if others > 0:
            lam *= max(1.0, (int(n_quiet.sum()) - len(q)) / others)
        if share < th["min_share"] or _poisson_tail(len(q), lam) >= th["p_value"]:
            continue
        ev = {
            "customers": len(q),
            "silent_sales": _money(lost),
            "share_of_rep_sales": _r4(share),
            "k": th["k"],
            "follow_up": _top_list(q),
        }

        def fmt(lang: str, nq: int = len(q), share: float = share) -> dict[str, object]:
            return {"n": nq, "share": fmt_pct(share, lang), "k": f"{th['k']:g}"}

        sev = _severity(share, 0.20, 0.10)
        quarter = lost * QUARTER_DAYS / HISTORY_DAYS
        out.append(
            _flag(inputs, "silent_customers", "rep", rid, name, f"≤{data.as_of}", sev, ev, fmt, quarter)
        )
    return out


def rule_orphaned_customers(inputs: RiskInputs) -> list[Flag]:
    """Reps who left on or before as_of whose customers have not ordered since (from anyone).

    Evidence: the leave date and the customers' order history. Money at risk: a quarter of those
    customers' usual sales (two-year sales x 91 / 730)."""
    data = inputs.data
    c = inputs.customers
    reps = data.reps
    leave = _dates(reps["leave_date"])
    left = (leave >= 0) & (leave <= data.as_of.toordinal())
    if not left.any() or c.empty:
        return []
    last_any = c.assign(_o=_dates(c["last_day"])).groupby("customer_id")["_o"].max()
    company = int(c["total_cents"].sum())
    out = []
    for i in np.flatnonzero(left):
        rid, name, lv = reps["rep_id"].iloc[i], reps["name"].iloc[i], int(leave[i])
        mine = c[c["rep_id"] == rid]
        if mine.empty:
            continue
        orphan = mine[mine["customer_id"].map(last_any).to_numpy() <= lv].sort_values(
            "total_cents", ascending=False
        )
        if orphan.empty:
            continue
        value = int(orphan["total_cents"].sum())
        share = value / company if company > 0 else 0.0
        left_on = dt.date.fromordinal(lv)
        ev = {
            "left_on": left_on,
            "customers": len(orphan),
            "their_sales": _money(value),
            "share_of_company": _r4(share),
            "days_since_left": data.as_of.toordinal() - lv,
            "follow_up": _top_list(orphan),
        }

        def fmt(
            lang: str, n: int = len(orphan), value: int = value, d: dt.date = left_on
        ) -> dict[str, object]:
            return {"n": n, "left": d.isoformat(), "value": fmt_amount(_money(value), lang)}

        sev = _severity(share, 0.02, 0.005)
        quarter = value * QUARTER_DAYS / HISTORY_DAYS
        out.append(
            _flag(
                inputs,
                "orphaned_customers",
                "rep",
                rid,
                name,
                f"{left_on}..{data.as_of}",
                sev,
                ev,
                fmt,
                quarter,
            )
        )
    return out


def rule_rep_no_sales(inputs: RiskInputs) -> list[Flag]:
    """Employed reps with no sales for at least ``days`` working days up to as_of (counted from the
    later of the last sale and the hire date; reps who left are excluded).

    Evidence needed: ``days`` working days in a row. Money at risk: the plan of those days."""
    n = int(inputs.thresholds["rep_no_sales"]["days"])
    data = inputs.data
    end = data.idx(data.as_of) + 1
    mask = employed(data.reps, data.as_of)
    hire = _dates(data.reps["hire_date"])
    out = []
    for i in np.flatnonzero(mask):
        sold = np.flatnonzero(data.actual[i, :end] != 0)
        last = int(sold[-1]) if len(sold) else -1
        since = last + 1
        if hire[i] >= 0:
            since = max(since, hire[i] - data.start.toordinal())
        idle = int(data.work[max(0, since) : end].sum())
        if idle < n:
            continue
        last_day = data.day(last) if last >= 0 else None
        ev = {"last_sale": last_day, "working_days_without_sales": idle, "threshold": n}

        def fmt(lang: str, idle: int = idle, last_day: dt.date | None = last_day) -> dict[str, object]:
            return {"days": idle, "last": last_day.isoformat() if last_day else t("risk.never", lang)}

        sev = _severity(idle, 2 * n, 1.5 * n)
        rid, name = data.reps["rep_id"].iloc[i], data.reps["name"].iloc[i]
        missed = int(data.plan[i, max(0, since) : end].sum())
        out.append(_flag(inputs, "rep_no_sales", "rep", rid, name, f"≤{data.as_of}", sev, ev, fmt, missed))
    return out


def _months(data: metrics.ProgressData) -> tuple[list[dt.date], NDArray[np.int64]]:
    """Calendar months of the window and the column where each starts."""
    firsts = sorted({data.day(i).replace(day=1) for i in range(data.n_days)})
    firsts = [m for m in firsts if data.idx(m) >= 0]
    return firsts, np.array([data.idx(m) for m in firsts], dtype=np.int64)


def rule_unrealistic_target(inputs: RiskInputs) -> list[Flag]:
    """Active plan only: a rep's month target (as_of's month onwards) above ``k`` x the rep's best
    complete month before as_of's month.

    Evidence needed: ``min_months`` calendar months before as_of's month in which the rep was
    employed every day (the best month is taken among those): a new hire's partial first month
    says nothing about what the rep can sell. Money at risk: the next three months' targets above
    the best month."""
    k = inputs.thresholds["unrealistic_target"]["k"]
    data = inputs.data
    months, starts = _months(data)
    cur = data.as_of.replace(day=1)
    act_m = np.add.reduceat(data.actual, starts, axis=1)
    plan_m = np.add.reduceat(data.plan, starts, axis=1)
    past = np.array([m < cur for m in months])
    future = np.array([cur <= m <= data.fy.end for m in months])
    # [rep, month] employed on every day of the month (days of a month: reduceat over the mask).
    days_m = np.diff(np.append(starts, data.n_days))
    full_m = np.add.reduceat(data.active.astype(np.int64), starts, axis=1) == days_m[None, :]
    min_months = int(inputs.thresholds["unrealistic_target"]["min_months"])
    out = []
    mask = employed(data.reps, data.as_of)
    for i in np.flatnonzero(mask):
        known = past & full_m[i]
        if known.sum() < max(1, min_months):
            continue
        best_i = np.flatnonzero(known)[np.argmax(act_m[i, known])]
        if act_m[i, best_i] <= 0:
            continue
        best = int(act_m[i, best_i])
        ratios = np.where(future, plan_m[i] / best, 0.0)
        j = int(np.argmax(ratios))
        if ratios[j] <= k:
            continue
        over = int((ratios > k).sum())
        ev = {
            "month": f"{months[j]:%Y-%m}",
            "target": _money(int(plan_m[i, j])),
            "best_month": f"{months[best_i]:%Y-%m}",
            "best_month_sales": _money(best),
            "ratio": _r4(ratios[j]),
            "months_over": over,
            "k": k,
        }

        def fmt(
            lang: str, j: int = j, best_i: int = best_i, r: float = float(ratios[j])
        ) -> dict[str, object]:
            return {
                "month": f"{months[j]:%Y-%m}",
                "ratio": f"{r:.1f}",
                "best": f"{months[best_i]:%Y-%m}",
                "k": f"{k:g}",
            }

        sev = _severity(float(ratios[j]), 1.5 * k, 1.2 * k)
        rid, name = data.reps["rep_id"].iloc[i], data.reps["name"].iloc[i]
        soon = np.flatnonzero(future)[:3]
        over_best = float(np.clip(plan_m[i, soon] - best, 0, None).sum())
        out.append(
            _flag(inputs, "unrealistic_target", "rep", rid, name, data.fy.label, sev, ev, fmt, over_best)
        )
    return out


def rule_overdue_tasks(inputs: RiskInputs) -> list[Flag]:
    """Per rep: open key tasks (priority high / key-account type; every task when neither column is set)
    whose deadline passed before as_of. No money at risk is measured (ranked after money flags)."""
    tasks = inputs.tasks
    if tasks is None or tasks.empty:
        return []
    data = inputs.data
    keyish = tasks["priority"].astype(str).str.lower().isin(["high", "key", "高", "1"]) | tasks[
        "type"
    ].astype(str).str.lower().str.startswith("key")
    has_marks = tasks["priority"].notna().any() or tasks["type"].notna().any()
    key_tasks = tasks[keyish] if has_marks else tasks
    names = dict(zip(data.reps["rep_id"], data.reps["name"], strict=True))
    out = []
    for rid, grp in key_tasks.groupby("rep_id", sort=True):
        oldest = pd.Timestamp(grp["deadline"].min()).date()
        late = (data.as_of - oldest).days
        ev = {"overdue_tasks": len(grp), "oldest_deadline": oldest, "days_overdue": late,
              "titles": [str(x) for x in grp["title"].head(3)]}  # fmt: skip

        def fmt(lang: str, n: int = len(grp), late: int = late) -> dict[str, object]:
            return {"n": n, "days": late}

        sev = _severity(late, 14, 7)
        out.append(
            _flag(inputs, "overdue_tasks", "rep", rid, names.get(rid, rid), f"≤{data.as_of}", sev, ev, fmt)
        )
    return out


RULE_FUNCS: dict[str, Callable[[RiskInputs], list[Flag]]] = {
    "forecast_attainment": rule_forecast_attainment,
    "behind_pace": rule_behind_pace,
    "wow_decline": rule_wow_decline,
    "yoy_decline": rule_yoy_decline,
    "concentration": rule_concentration,
    "silent_customers": rule_silent_customers,
    "orphaned_customers": rule_orphaned_customers,
    "rep_no_sales": rule_rep_no_sales,
    "unrealistic_target": rule_unrealistic_target,
    "overdue_tasks": rule_overdue_tasks,
}


def evaluate(inputs: RiskInputs, rules: Iterable[str] | None = None, *, combine: bool = True) -> RiskReport:
    """Run the enabled rules and return few, strong flags, ranked by money at risk.

    Each rule asks for enough evidence first (see its docstring: a minimum of elapsed working
    days or weeks, or a one-sided significance test). Then :func:`combine` makes one flag per
    entity and folds reps' performance flags into their team's, and the flags are ranked by money
    at risk (largest first; then severity, rule order, scope, entity). ``combine=False`` returns
    every rule's flags as they are, in that ranking.

    Rules that cannot run say why in ``skipped``: the unrealistic-target rule needs an active
    plan; the overdue-task rule needs a task table (none exists until the task feature ships)."""
    chosen = list(rules) if rules is not None else list(RULES)
    flags: list[Flag] = []
    skipped: list[Skipped] = []
    for rule in chosen:
        if rule not in RULE_FUNCS:
            raise RiskError(f"unknown rule {rule!r}; rules: {', '.join(RULES)}")
        if not inputs.thresholds[rule].get("enabled", 1):
            skipped.append(Skipped(rule, "risk.skip.disabled"))
            continue
        if rule == "unrealistic_target" and inputs.data.plan_source != "active":
            skipped.append(Skipped(rule, "risk.skip.no_plan"))
            continue
        if rule == "overdue_tasks" and inputs.tasks is None:
            skipped.append(Skipped(rule, "risk.skip.no_tasks"))
            continue
        flags += RULE_FUNCS[rule](inputs)
    data = inputs.data
    if combine:
        flags = combine_flags(
            flags, dict(zip(data.reps["rep_id"].astype(str), data.reps["team_id"], strict=True))
        )
    flags.sort(key=_rank)
    return RiskReport(data.as_of, flags, skipped, data.data_through, data.requested_as_of or data.as_of)


_SEV = {s: i for i, s in enumerate(SEVERITIES)}
_ORDER = {r: i for i, r in enumerate(RULES)}
_SCOPE = {s: i for i, s in enumerate(SCOPES)}
# Rules about how much an entity sells; a team flagged by one of them explains its reps' such flags.
PERFORMANCE_RULES = frozenset({"forecast_attainment", "behind_pace", "wow_decline", "yoy_decline"})


def _rank(f: Flag) -> tuple[Decimal, int, int, int, str]:
    return (-f.money_at_risk, _SEV[f.severity], _ORDER[f.rule], _SCOPE[f.scope], f.entity_id)


def combine_flags(flags: list[Flag], rep_team: dict[str, object]) -> list[Flag]:
    """One flag per entity, and a team's performance problem stated once.

    1. Per (scope, entity): the flag with the most money at risk leads (its reason is the
       entity's strongest), the others go into its ``also``; severity is the highest of them.
    2. A rep whose strongest flag is a performance flag (:data:`PERFORMANCE_RULES`), in a team that
       has a performance flag, is folded into the team's flag (``also``, with its own evidence):
       the team's decline is the problem to act on, and its reps are the evidence. Reps whose
       strongest problem is their own kind (a concentrated or silent book, idle days, overdue
       tasks ...) keep their own flag."""
    by_entity: dict[tuple[str, str], list[Flag]] = {}
    for f in flags:
        by_entity.setdefault((f.scope, f.entity_id), []).append(f)
    merged: dict[tuple[str, str], Flag] = {}
    for key, group in by_entity.items():
        group = sorted(group, key=_rank)
        worst = min(group, key=lambda f: _SEV[f.severity]).severity
        merged[key] = replace(group[0], severity=worst, also=tuple(group[1:]))
    teams_hit = {
        k[1]
        for k, f in merged.items()
        if k[0] == "team" and any(r in PERFORMANCE_RULES for r, _, _ in f.keys)
    }
    folded: dict[str, list[Flag]] = {}
    for key, f in list(merged.items()):
        if key[0] != "rep" or f.rule not in PERFORMANCE_RULES:
            continue
        team = rep_team.get(f.entity_id)
        if team is not None and str(team) in teams_hit:
            folded.setdefault(str(team), []).append(merged.pop(key))
    for team, reps in folded.items():
        t_flag = merged[("team", team)]
        merged[("team", team)] = replace(t_flag, also=t_flag.also + tuple(sorted(reps, key=_rank)))
    return list(merged.values())


def flatten(flags: Iterable[Flag]) -> list[Flag]:
    """Every flag with the ones folded into it (``also``), each once, for views that look a flag up
    by its own entity (a retrospective's misses: a rep of a declining team has its own numbers)."""
    out: list[Flag] = []
    for f in flags:
        out.append(f)
        out += flatten(f.also)
    return out


def top_flags(
    con: store.Connection, as_of: dt.date | None = None, fy_start_month: int = 1, n: int = TOP_N
) -> RiskReport:
    """The ranked flags as of ``as_of`` (default: the last day with data), cut to the top ``n``.

    For a summary such as the home page; the risks page shows them all, the top ``n`` first."""
    day = as_of or store.data_through(con) or dt.date.today()
    report = evaluate(load_inputs(con, day, fy_start_month))
    return replace(report, flags=report.top(n))


def load_inputs(
    con: store.Connection, as_of: dt.date, fy_start_month: int = 1, *, raw: bool = False
) -> RiskInputs:
    """Read everything the rules need: progress arrays (rep x day summary + plan), two years of
    rep x customer activity (rep x customer x month summary plus the raw days of cut months),
    open tasks (if a task table exists), thresholds and playbook. ``raw=True`` reads the customer
    activity from the raw sales as before migration 5 (benchmark baseline; same inputs)."""
    data = metrics.load_inputs(con, as_of, fy_start_month)
    as_of = data.as_of  # measured to the last data day: a later day is not evidence of anything
    customers = store.customer_activity(
        con,
        as_of - dt.timedelta(days=HISTORY_DAYS - 1),
        as_of - dt.timedelta(days=TRAILING_DAYS - 1),
        as_of,
        raw=raw,
    )
    return RiskInputs(
        data=data,
        customers=customers,
        tasks=store.open_tasks(con, as_of),
        thresholds=merge_thresholds(store.risk_thresholds(con)),
        playbook=merge_playbook(store.risk_playbook(con)),
    )


def link_register(
    flags: Iterable[Flag], register: pd.DataFrame
) -> dict[tuple[str, str, str], tuple[int, str]]:
    """Flag key -> (entry_id, status) of its register entry (latest one), for flags seen before.

    A flag is linked through its own key or, failing that, the key of a flag folded into it (the
    entity's strongest reason may change from one day to the next; the entry stays the same)."""
    out: dict[tuple[str, str, str], tuple[int, str]] = {}
    if register.empty:
        return out
    latest = register.sort_values("entry_id").drop_duplicates(["rule", "scope", "entity_id"], keep="last")
    recs: list[dict[str, Any]] = latest.to_dict(orient="records")  # type: ignore[assignment]
    idx = {
        (str(r["rule"]), str(r["scope"]), str(r["entity_id"])): (int(r["entry_id"]), str(r["status"]))
        for r in recs
    }
    for f in flags:
        hit = next((idx[k] for k in f.keys if k in idx), None)
        if hit is not None:
            out[f.key] = hit
    return out


def acknowledge(
    con: store.Connection,
    flag: Flag,
    *,
    owner: str,
    plan: str,
    due_date: dt.date | None,
    status: str = "open",
    lang: str = "zh",
    seen: dt.date | None = None,
) -> tuple[int, bool]:
    """Put ``flag`` in the register (or link it to its existing entry); returns (entry_id, created)."""
    if not owner.strip():
        raise RiskError("a register entry needs an owner")
    return store.acknowledge_risk(
        con,
        rule=flag.rule,
        scope=flag.scope,
        entity_id=flag.entity_id,
        entity_name=flag.entity_label(lang),
        period=flag.period,
        severity=flag.severity,
        reason=flag.reason[lang],
        evidence=flag.evidence,
        owner=owner.strip(),
        plan=plan.strip() or flag.action[lang],
        due_date=due_date,
        status=status,
        seen=seen,
    )


def bench_risks(db_path: str, runs: int = 20, as_of: dt.date | None = None) -> list[dict[str, object]]:
    """Time risk evaluation for all reps on ``db_path`` (read + every rule), with a same-run baseline.

    1. :func:`load_inputs` (rep x day and rep x customer x month summaries) + :func:`evaluate`;
    2. the previous approach: the same with the two-year customer activity aggregated from the raw
       sales table (``raw=True``), which is the baseline of row 1;
    3. the rules alone on inputs already in memory.
    The as-of day defaults to the last sale day. Rows {"operation", "rows", "p50_ms", "p95_ms",
    "baseline_ms", "ratio"}; ratio = baseline / p50, times in milliseconds."""
    from analysis.bench import timeit  # a leaf module; imported here so risks stays light to import

    with store.connect(db_path, read_only=True) as con:
        _, last, n_rows = store.sales_bounds(con)
        if last is None:
            raise RiskError(f"{db_path} has no sales to benchmark")
        day = as_of or last
        fy_start = int(store.get_setting(con, "fy_start_month", "1") or 1)
        note = "" if store.has_table(con, "sum_rep_customer_month") else ", NO rep×customer×month summary"
        s50, s95 = timeit(lambda: evaluate(load_inputs(con, day, fy_start)), runs)
        b50, b95 = timeit(lambda: evaluate(load_inputs(con, day, fy_start, raw=True)), max(5, runs // 4), 1)
        inputs = load_inputs(con, day, fy_start)
    e50, e95 = timeit(lambda: evaluate(inputs), runs)
    return [
        {
            "operation": f"risk evaluation, all reps (summary tables{note})",
            "rows": n_rows,
            "p50_ms": round(s50, 1),
            "p95_ms": round(s95, 1),
            "baseline_ms": round(b50, 1),
            "ratio": round(b50 / s50, 1),
        },
        {
            "operation": "risk evaluation, customers from raw sales (previous) baseline",
            "rows": n_rows,
            "p50_ms": round(b50, 1),
            "p95_ms": round(b95, 1),
            "baseline_ms": None,
        },
        {
            "operation": "risk rules only (inputs in memory)",
            "rows": n_rows,
            "p50_ms": round(e50, 1),
            "p95_ms": round(e95, 1),
            "baseline_ms": None,
        },
    ]
