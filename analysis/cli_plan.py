"""``python -m analysis plan …``: build, import, save, list, compare, catch up and export plans.

Forms (all take --db and --json):
  plan --year Y --target AMOUNT [spread/allocation options] [--grain G --by L] [--save NAME …]
  plan --import FILE --year Y [--sheet S] [--save NAME …]
  plan versions [--year Y]
  plan compare A B [--grain G --by L]           (A, B: version ids; diff = B - A)
  plan catch-up --version V --as-of DATE [--mode M] [--save NAME …]
  plan export --version V --out FILE.xlsx [--lang zh|en]
  plan health --version V                       (share of reps expected at quota; exit 0 either way)

Exit 2 with a one-line reason on stderr (nothing stored) for bad input; with --json a refused
import also prints {"errors": [...]} on stdout. Money in JSON is decimal strings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import access, planning, store
from analysis.allocate import VACANCY_MODES, vacancy_id
from analysis.filesafety import IngestError
from analysis.messages import Message, render
from analysis.plan import Plan
from analysis.spread import PlanInputError

ACTIONS = ("versions", "compare", "catch-up", "export", "health")
GRAINS = ("year", "half", "quarter", "month", "week", "day")
LEVELS = ("company", "team", "rep")
MAX_ERRORS_SHOWN = 5


class _Refused(Exception):
    """Bad input found by this module: exit 2 with the message (and JSON details)."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


def _out(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    if args.json:
        from analysis.cli import emit

        emit(obj)
    else:
        sys.stdout.write(text + "\n")


# --- option parsing -------------------------------------------------------------------------


def _decimal(text: str, what: str) -> Decimal:
    try:
        d = Decimal(text.replace(",", "").replace("_", "").strip())
    except InvalidOperation:
        raise _Refused(f"{what} {text!r} is not a number") from None
    if not d.is_finite():
        raise _Refused(f"{what} {text!r} is not a number")
    return d


def _pairs(text: str, what: str) -> dict[str, str]:
    """``K=V,K=V`` → {K: V}; a malformed item is refused."""
    out: dict[str, str] = {}
    for item in text.split(","):
        k, sep, v = item.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise _Refused(f"{what}: {item!r} is not KEY=VALUE (e.g. {what} Q1=20,Q2=25,Q3=25,Q4=30)")
        if k.strip() in out:
            raise _Refused(f"{what}: {k.strip()} is given twice")
        out[k.strip()] = v.strip()
    return out


def _spread_params(args: argparse.Namespace) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if args.season_grain:
        p["season_grain"] = args.season_grain
    if args.growth is not None:
        g = _decimal(args.growth.rstrip("%"), "--growth")
        p["growth"] = float(g / 100 if args.growth.endswith("%") else g)
    if args.custom:
        shares = {
            k.upper() if k.lower().startswith("q") else k: v
            for k, v in _pairs(args.custom, "--custom").items()
        }
        for k, v in shares.items():
            if _decimal(v.rstrip("%"), f"--custom {k}") < 0:
                raise _Refused(f"--custom {k}={v}: a percentage must not be negative")
        p["custom"] = {k: v.rstrip("%") for k, v in shares.items()}
    if args.blend:
        parts = [x.strip() for x in args.blend.split(",")]
        if len(parts) != 3:
            raise _Refused("--blend needs METHOD_A,METHOD_B,WEIGHT_OF_A (e.g. working_days,seasonality,0.5)")
        w = float(_decimal(parts[2], "--blend weight"))
        if not 0 <= w <= 1:
            raise _Refused(f"--blend weight {parts[2]} must be between 0 and 1")
        for m in parts[:2]:
            if m not in planning.SPREAD_METHODS or m == "blend":
                raise _Refused(
                    f"--blend: unknown method {m!r}; use two of working_days, even, seasonality, growth, custom"
                )
        p.update(blend_a=parts[0], blend_b=parts[1], blend_w=w)
    if args.spread == "custom" and not args.custom:
        raise _Refused("--spread custom needs --custom, e.g. --custom Q1=20,Q2=25,Q3=25,Q4=30")
    return p


def _allocate_params(args: argparse.Namespace, reps: pd.DataFrame | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if args.level_weights:
        lw = {
            k: float(_decimal(v, f"--level-weights {k}"))
            for k, v in _pairs(args.level_weights, "--level-weights").items()
        }
        if any(v < 0 for v in lw.values()):
            raise _Refused("--level-weights must not be negative")
        p["level_weights"] = lw
    if args.ramp:
        ramp = [_decimal(x, "--ramp") for x in args.ramp.split(",")]
        if any(not 0 <= r <= 100 for r in ramp):
            raise _Refused("--ramp values are percentages between 0 and 100, e.g. --ramp 25,50,75")
        p["ramp"] = [float(r / 100) for r in ramp]
    if args.manual:
        amounts = _pairs(args.manual, "--manual")
        ids = {}
        if reps is not None:
            ids = {str(n).strip(): str(r) for r, n in zip(reps["rep_id"], reps["name"], strict=True)}
            ids |= {str(r): str(r) for r in reps["rep_id"]}
        manual = {}
        for k, v in amounts.items():
            if reps is not None and k not in ids:
                raise _Refused(f"--manual: unknown rep {k!r}")
            manual[ids.get(k, k)] = str(_decimal(v, f"--manual {k}"))
        p["manual"] = manual
    if args.vacancy != "keep":
        p["vacancy"] = args.vacancy
    hires = []
    for item in args.hire:
        team, _, rest = item.partition(":")
        day, _, level = rest.partition(":")
        try:
            start = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise _Refused(
                f"--hire {item!r}: use TEAM:YYYY-MM-DD[:LEVEL], e.g. --hire T01:2027-04-01"
            ) from None
        if not team.strip():
            raise _Refused(f"--hire {item!r}: the team is missing (TEAM:YYYY-MM-DD)")
        hires.append({"team_id": team.strip(), "start": start.isoformat(), "level": level.strip() or "mid"})
    if hires:
        p["hires"] = hires
    if args.allocate == "manual" and not args.manual:
        raise _Refused(
            "--allocate manual needs --manual REP=AMOUNT,… (rep ids or names, summing to the target)"
        )
    return p


def _request(args: argparse.Namespace, reps: pd.DataFrame | None = None) -> planning.PlanRequest:
    if args.year is None:
        raise _Refused("--year is required (the fiscal year to plan, e.g. --year 2027)")
    if args.target is None:
        raise _Refused("--target is required (the annual target, e.g. --target 10000000)")
    target = _decimal(args.target, "--target")
    if target < 0:
        raise _Refused(f"the target must not be negative (got {args.target})")
    req = planning.PlanRequest(
        year=args.year,
        target=target,
        fy_start_month=args.fy_start_month,
        calendar=args.calendar,
        spread_method=args.spread,
        spread_params=_spread_params(args),
        allocate_method=args.allocate,
        allocate_params=_allocate_params(args, reps),
        unit=_decimal(args.unit, "--unit"),
    )
    planning.validate(req)
    return req


# --- output ---------------------------------------------------------------------------------


def plan_rows(
    plan: Plan,
    grain: str,
    level: str,
    names: dict[str, str],
    team_names: dict[str, str],
    lang: str = "en",
) -> list[dict[str, Any]]:
    """Rows {team, rep, period, target (Decimal)} at ``grain`` × ``level``; "" where coarser."""
    arr, keys, labels = plan.cents_by(grain, level)  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = []
    for i, k in enumerate(keys):
        if level == "rep":
            team = team_names.get(str(plan.team_of[k]), str(plan.team_of[k]))
            rep = render(names.get(str(k), str(k)), lang)
        elif level == "team":
            team, rep = team_names.get(str(k), str(k)), ""
        else:
            team, rep = "", ""
        for j, lab in enumerate(labels):
            rows.append(
                {"team": team, "rep": rep, "period": lab, "target": Decimal(int(arr[i, j])).scaleb(-2)}
            )
    return rows


def _plan_obj(
    plan: Plan,
    year: int,
    args: argparse.Namespace,
    names: dict[str, str],
    team_names: dict[str, str],
    notes: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "year": year,
        "target": plan.total,
        "unit": str(plan.unit),
        "calendar": {
            "status": plan.status.label,
            "message": plan.status.message_zh if args.lang == "zh" else plan.status.message_en,
        },
        "notes": list(dict.fromkeys([*notes, *plan.notes])),
        "rows": plan_rows(plan, args.grain, args.by, names, team_names, args.lang),
    }


def _version_obj(pv: store.PlanVersion, active: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version_id": pv.version_id,
        "scenario": pv.scenario,
        "version": pv.version,
        "parent_id": pv.parent_id,
        "fiscal_year": pv.fiscal_year,
        "target": pv.target,
        "unit": str(pv.unit),
        "spread": pv.params.get("spread_method"),
        "allocate": pv.params.get("allocate_method"),
        "source": pv.params.get("source", "built"),
        "author": pv.author,
        "created_at": pv.created_at,
        "note": pv.note,
    }
    if active is not None:
        out["active"] = active
    return out


def _text_table(rows: list[dict[str, Any]], limit: int = 60) -> str:
    lines = [f"{r['team']:<8} {r['rep']:<10} {r['period']:<12} {r['target']:>16,.2f}" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"… {len(rows) - limit} more rows (use --json)")
    return "\n".join(lines)


# --- saving ---------------------------------------------------------------------------------


def _save(
    con: store.Connection,
    args: argparse.Namespace,
    plan: Plan,
    req: planning.PlanRequest,
    *,
    based_on: int | None,
    changes: pd.DataFrame | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    name = args.save.strip()
    latest = [v for v in store.list_plan_versions(con) if v.scenario == name]
    if not latest and based_on is not None:
        raise _Refused(f"plan {name!r} does not exist yet; drop --based-on to create it")
    if latest and based_on is None:
        raise _Refused(
            f"plan {name!r} already exists (latest version {latest[-1].version}); pass --based-on "
            f"{latest[-1].version} to save a new version of it, or choose another name"
        )
    pv = planning.save(
        con,
        plan,
        req,
        scenario=name,
        based_on=based_on,
        note=args.note,
        changes=changes,
        extra=extra,
    )
    if args.activate:
        store.set_active_plan(con, pv.version_id)
    return _version_obj(pv, active=bool(args.activate))


def _need_save_for(args: argparse.Namespace) -> None:
    if args.activate and not args.save:
        raise _Refused("--activate needs --save NAME")
    if args.based_on is not None and not args.save:
        raise _Refused("--based-on needs --save NAME")


# --- commands -------------------------------------------------------------------------------


def _build(args: argparse.Namespace) -> int:
    _need_save_for(args)
    _request(args)  # refuse bad options before opening the database
    with store.connect(args.db, read_only=not args.save, actor=access.cli_actor(args.author)) as con:
        reps = store.reps_frame(con) if args.manual else None
        req = _request(args, reps)
        inputs = planning.load_inputs(con, req)
        plan = planning.build(inputs, req)
        obj = _plan_obj(plan, req.year, args, inputs.names, inputs.team_names, inputs.notes)
        if args.save:
            obj["saved"] = _save(con, args, plan, req, based_on=args.based_on)
    text = _text_table(obj["rows"])
    if "saved" in obj:
        text += f"\nsaved {obj['saved']['scenario']!r} version {obj['saved']['version']} (#{obj['saved']['version_id']})"
    _out(args, obj, text)
    return 0


def _import(args: argparse.Namespace) -> int:
    _need_save_for(args)
    if args.year is None:
        raise _Refused("--year is required with --import (the fiscal year the plan is for)")
    if args.target is not None:
        raise _Refused("--target cannot be combined with --import: the target is the file's total")
    path = Path(args.import_file)
    if not path.is_file():
        raise _Refused(f"{args.import_file} is not a file")
    data = path.read_bytes()
    with store.connect(args.db, read_only=not args.save, actor=access.cli_actor(args.author)) as con:
        try:
            parsed, req, inputs = planning.import_plan(
                con,
                data,
                path.name,
                year=args.year,
                fy_start_month=args.fy_start_month,
                calendar=args.calendar,
                sheet=args.sheet,
            )
        except IngestError as exc:
            raise _Refused(f"refused: {exc}") from exc
        if parsed.errors:
            shown = "; ".join(
                f"row {e.row}, column {e.column}, value {e.value!r}: {e.reason}"
                for e in parsed.errors[:MAX_ERRORS_SHOWN]
            )
            more = (
                f"; … and {len(parsed.errors) - MAX_ERRORS_SHOWN} more"
                if len(parsed.errors) > MAX_ERRORS_SHOWN
                else ""
            )
            raise _Refused(
                f"refused: {len(parsed.errors)} problems in {path.name}, nothing stored: {shown}{more}",
                [
                    {"row": e.row, "column": e.column, "value": e.value, "reason": e.reason}
                    for e in parsed.errors
                ],
            )
        plan = parsed.plan
        assert plan is not None
        obj = _plan_obj(plan, req.year, args, inputs.names, inputs.team_names)
        obj["import"] = {
            "file": path.name,
            "sheet": parsed.sheet,
            "layout": parsed.layout,
            "header_row": parsed.header_row,
            "reps": len(parsed.cents),
        }
        if args.save:
            extra = {"source": "import", "file": path.name, "layout": parsed.layout}
            obj["saved"] = _save(con, args, plan, req, based_on=args.based_on, extra=extra)
    text = _text_table(obj["rows"])
    if "saved" in obj:
        text += f"\nsaved {obj['saved']['scenario']!r} version {obj['saved']['version']} (#{obj['saved']['version_id']})"
    _out(args, obj, text)
    return 0


def _versions(args: argparse.Namespace) -> int:
    with store.connect(args.db, read_only=True) as con:
        versions = store.list_plan_versions(con, args.year)
        active = {v.fiscal_year: store.active_plan(con, v.fiscal_year) for v in versions}
    rows = [
        _version_obj(v, active=(a := active.get(v.fiscal_year)) is not None and a.version_id == v.version_id)
        for v in versions
    ]
    text = (
        "\n".join(
            f"#{r['version_id']:<4} FY{r['fiscal_year']} {r['scenario']} v{r['version']}  {r['target']:,.2f}  "
            f"{r['spread']}/{r['allocate']}  {r['author'] or ''} {r['created_at']}{'  (active)' if r['active'] else ''}"
            for r in rows
        )
        or "no saved plans"
    )
    _out(args, {"versions": rows}, text)
    return 0


def _names(con: store.Connection) -> tuple[dict[str, str], dict[str, str]]:
    reps = store.reps_frame(con)
    teams = store.teams_frame(con)
    names: dict[str, str] = {str(r): str(n) for r, n in zip(reps["rep_id"], reps["name"], strict=True)}
    team_names = {str(t): str(n) for t, n in zip(teams["team_id"], teams["name"], strict=True)}
    names |= {vacancy_id(t): Message("msg.alloc.vacancy_name", team=n) for t, n in team_names.items()}
    return names, team_names


def _version_arg(text: str, what: str) -> int:
    try:
        return int(text.lstrip("#"))
    except ValueError:
        raise _Refused(f"{what} {text!r} is not a version id (see `plan versions`)") from None


def _compare(args: argparse.Namespace) -> int:
    if len(args.rest) != 2:
        raise _Refused("plan compare needs two version ids: plan compare A B")
    a, b = (_version_arg(x, "compare") for x in args.rest)
    with store.connect(args.db, read_only=True) as con:
        pa, pb, df = planning.compare_versions(con, a, b, grain=args.grain, level=args.by)
        names, team_names = _names(con)
    rows = [
        {
            "team": team_names.get(str(t), str(t)) if t else "",
            "rep": names.get(str(r), str(r)) if r else "",
            "period": p,
            "a": Decimal(int(x)).scaleb(-2),
            "b": Decimal(int(y)).scaleb(-2),
            "diff": Decimal(int(d)).scaleb(-2),
        }
        for t, r, p, x, y, d in df[
            ["team_id", "rep_id", "period", "a_cents", "b_cents", "diff_cents"]
        ].itertuples(index=False)
    ]
    obj = {
        "a": _version_obj(pa),
        "b": _version_obj(pb),
        "grain": args.grain,
        "by": args.by,
        "total_a": pa.target,
        "total_b": pb.target,
        "total_diff": pb.target - pa.target,
        "changed": int((df["diff_cents"] != 0).sum()),
        "rows": rows,
    }
    text = "\n".join(
        f"{r['team']:<8} {r['rep']:<10} {r['period']:<12} {r['a']:>14,.2f} {r['b']:>14,.2f} {r['diff']:>+14,.2f}"
        for r in rows
        if r["diff"]
    )
    text += f"\n{obj['changed']} cells differ; totals {pa.target:,.2f} → {pb.target:,.2f}"
    _out(args, obj, text)
    return 0


def _catch_up(args: argparse.Namespace) -> int:
    _need_save_for(args)
    if args.version is None or args.as_of is None:
        raise _Refused("plan catch-up needs --version V and --as-of YYYY-MM-DD")
    version_id = _version_arg(args.version, "--version")
    try:
        as_of = dt.date.fromisoformat(args.as_of)
    except ValueError:
        raise _Refused(f"--as-of {args.as_of!r} is not a date (use YYYY-MM-DD)") from None
    with store.connect(args.db, read_only=not args.save, actor=access.cli_actor(args.author)) as con:
        pv, req, old, new, changes = planning.catch_up_version(con, version_id, as_of, args.mode)
        names, team_names = _names(con)
        obj = _plan_obj(new, pv.fiscal_year, args, names, team_names)
        elapsed = (as_of - old.fy.start).days + 1
        obj["catch_up"] = {
            "from_version_id": pv.version_id,
            "as_of": as_of,
            "mode": args.mode,
            "annual_before": old.total,
            "annual_after": new.total,
            "to_date_planned": Decimal(int(old.cents[:, :elapsed].sum())).scaleb(-2),
            "to_date_actual": Decimal(int(new.cents[:, :elapsed].sum())).scaleb(-2),
            "changed_cells": len(changes),
        }
        if args.save:
            based_on = args.based_on
            if based_on is None and args.save.strip() == pv.scenario:
                based_on = pv.version
            extra = {
                "source": "catch-up",
                "catch_up": {"from_version_id": pv.version_id, "as_of": as_of.isoformat(), "mode": args.mode},
            }
            obj["saved"] = _save(con, args, new, req, based_on=based_on, changes=changes, extra=extra)
    c = obj["catch_up"]
    text = (
        f"catch-up of #{pv.version_id} as of {as_of} ({args.mode}): to date planned {c['to_date_planned']:,.2f}, "
        f"actual {c['to_date_actual']:,.2f}; annual {c['annual_before']:,.2f} → {c['annual_after']:,.2f}"
    )
    if "saved" in obj:
        text += f"\nsaved {obj['saved']['scenario']!r} version {obj['saved']['version']} (#{obj['saved']['version_id']})"
    _out(args, obj, text)
    return 0


def _export(args: argparse.Namespace) -> int:
    from analysis import planio

    if args.version is None or not args.out:
        raise _Refused("plan export needs --version V and --out FILE.xlsx")
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise _Refused(f"--out {args.out!r} must end in .xlsx")
    if not out.parent.is_dir():
        raise _Refused(f"folder {out.parent} does not exist")
    version_id = _version_arg(args.version, "--version")
    with store.connect(args.db, read_only=True) as con:
        pv, req, plan, inputs = planning.load_version(con, version_id)
    meta = {
        "scenario": pv.scenario,
        "version": pv.version,
        "version_id": pv.version_id,
        "author": pv.author,
        "created_at": pv.created_at.isoformat(sep=" ") if pv.created_at else "",
        "note": pv.note,
        "spread_method": req.spread_method,
        "spread_params": req.spread_params,
        "allocate_method": req.allocate_method,
        "allocate_params": req.allocate_params,
        "unit": str(req.unit),
    }
    cu = pv.params.get("catch_up")
    if isinstance(cu, dict) and not pv.note:
        meta["note"] = f"catch-up of #{cu.get('from_version_id')} as of {cu.get('as_of')} ({cu.get('mode')})"
    if pv.params.get("source") == "import":
        meta["spread_method"] = f"imported from {pv.params.get('file', 'a file')}"
        meta["spread_params"] = {}
        plan = _imported_explanations(plan, str(pv.params.get("file", "")))
    data = planio.plan_to_xlsx(
        plan, names=inputs.names, team_names=inputs.team_names, meta=meta, lang=args.lang
    )
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    _out(
        args,
        {
            "out": str(out),
            "version_id": pv.version_id,
            "bytes": len(data),
            "reps": len(plan.rep_ids),
            "target": plan.total,
        },
        f"wrote {out} ({len(data):,} bytes, {len(plan.rep_ids)} quota letters)",
    )
    return 0


def _health(args: argparse.Namespace) -> int:
    from analysis import planhealth

    if args.version is None:
        raise _Refused("plan health needs --version V (see `plan versions`)")
    version_id = _version_arg(args.version, "--version")
    with store.connect(args.db, read_only=True) as con:
        pv = store.get_plan_version(con, version_id)
        health = planhealth.load(con, version_id)
        names, _team_names = _names(con)
    reps = [
        {
            "rep_id": r["rep_id"],
            "rep": names.get(str(r["rep_id"]), str(r["rep_id"])),
            "team_id": r["team_id"],
            "quota": Decimal(int(r["quota_cents"])).scaleb(-2),
            "expected": None
            if pd.isna(r["expected_cents"])
            else Decimal(int(r["expected_cents"])).scaleb(-2),
            "p_at_quota": None if pd.isna(r["p_at_quota"]) else round(float(r["p_at_quota"]), 4),
            "history_months": int(r["history_months"]),
            "growth": round(float(r["growth"]), 4),
        }
        for r in health.reps.to_dict(orient="records")
    ]
    obj = {
        "version": _version_obj(pv),
        "share_at_quota": None if health.share is None else round(health.share, 4),
        "band": list(health.band),
        "status": health.status,
        "culprits": list(health.culprits),
        "history": None if health.history is None else {"from": health.history[0], "to": health.history[1]},
        "counted": health.counted,
        "reps": reps,
    }
    share = "n/a" if health.share is None else f"{health.share:.0%}"
    text = f"#{pv.version_id} {pv.scenario} v{pv.version}: {share} of reps expected at quota "
    text += f"(aim {health.band[0]:.0%}-{health.band[1]:.0%}) → {health.status}"
    if health.culprits:
        text += "\n" + ", ".join(names.get(r, r) for r in health.culprits)
    _out(args, obj, text)
    return 0


def _imported_explanations(plan: Plan, file: str) -> Plan:
    from dataclasses import replace

    how = f"imported from {file}; month targets as in the file, each month spread over its working days"
    return replace(plan, explanations=dict.fromkeys(plan.rep_ids, how))


def cmd_plan(args: argparse.Namespace) -> int:
    from analysis.cli import UsageError

    try:
        if args.action is None:
            if args.rest:
                raise _Refused(f"unexpected argument {args.rest[0]!r}; actions are {', '.join(ACTIONS)}")
            return _import(args) if args.import_file else _build(args)
        if args.action != "compare" and args.rest:
            raise _Refused(f"unexpected argument {args.rest[0]!r} after plan {args.action}")
        actions = {"versions": _versions, "compare": _compare, "catch-up": _catch_up, "export": _export}
        return (actions | {"health": _health})[args.action](args)
    except _Refused as exc:
        if args.json and exc.details:
            from analysis.cli import emit

            emit({"error": str(exc), "errors": exc.details})
        raise UsageError(str(exc)) from None
    except (PlanInputError, store.StoreError, IngestError) as exc:
        raise UsageError(f"error: {str(exc).splitlines()[0]}") from None


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("plan", cmd_plan, "build, import, save, compare, catch up and export target plans")
    sp.add_argument("action", nargs="?", choices=ACTIONS, help="omit to build (or --import) a plan")
    sp.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    g = sp.add_argument_group("plan")
    g.add_argument("--year", type=int, help="fiscal year (named by the calendar year it starts in)")
    g.add_argument("--target", help="annual target, e.g. 10000000")
    g.add_argument("--spread", choices=planning.SPREAD_METHODS, default="working_days")
    g.add_argument("--calendar", choices=planning.CALENDARS, default="cn")
    g.add_argument("--allocate", choices=planning.ALLOCATE_METHODS, default="history")
    g.add_argument("--grain", choices=GRAINS, default="month")
    g.add_argument("--by", choices=LEVELS, default="rep")
    g.add_argument("--unit", default="0.01", help="rounding unit: 0.01, 1, 100 or 10000")
    g.add_argument("--fy-start-month", type=int, default=1, metavar="M")
    g.add_argument("--growth", help="growth over last year, 0.15 or 15%% (spread growth)")
    g.add_argument("--custom", help="percentages, Q1=20,Q2=25,Q3=25,Q4=30 or 2027-01=8,… (total 100)")
    g.add_argument("--season-grain", choices=("month", "week", "dow"))
    g.add_argument("--blend", help="METHOD_A,METHOD_B,WEIGHT_OF_A e.g. working_days,seasonality,0.5")
    g.add_argument("--level-weights", help="capacity weights, e.g. senior=1.3,mid=1,junior=0.7")
    g.add_argument("--ramp", help="new-hire ramp in %% for months 1, 2, 3 …, e.g. 25,50,75")
    g.add_argument("--manual", help="manual allocation REP=AMOUNT,… (rep ids or names)")
    g.add_argument(
        "--vacancy",
        choices=VACANCY_MODES,
        default="keep",
        help="a leaver's remaining months and planned hires: keep them on the team's "
        "'unassigned / to be hired' line (default) or give them to the active reps",
    )
    g.add_argument(
        "--hire",
        action="append",
        default=[],
        metavar="TEAM:YYYY-MM-DD[:LEVEL]",
        help="a planned hire not yet named (repeatable): its seat is on the team's unassigned line",
    )
    g.add_argument(
        "--import", dest="import_file", metavar="FILE", help="import an existing plan (.xlsx/.csv)"
    )
    g.add_argument("--sheet", help="sheet to import (default: the one that looks like a plan)")
    s = sp.add_argument_group("versions")
    s.add_argument("--save", metavar="NAME", help="save as a version of scenario NAME")
    s.add_argument("--based-on", type=int, metavar="VERSION", help="version number of NAME this one replaces")
    s.add_argument("--activate", action="store_true", help="mark the saved version as the active plan")
    s.add_argument("--author", help="recorded as cli:AUTHOR (default: cli:<os user>)")
    s.add_argument("--note")
    s.add_argument("--version", help="version id (catch-up, export, health)")
    s.add_argument("--as-of", help="catch-up: last elapsed day, YYYY-MM-DD")
    s.add_argument("--mode", choices=("even", "seasonal", "front_loaded"), default="even")
    s.add_argument("--out", help="export: the .xlsx file to write")
    s.add_argument("--lang", choices=("zh", "en"), default="zh")
