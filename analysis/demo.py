"""Deterministic demo company: 4 regional teams, 24 reps, ~2,000 customers, 5 products, daily sales.

The history is generated (seeded numpy) with patterns later analysis must find:
~15 %/yr growth, the Chinese New Year dip on the real lunar date, quarter-end and year-end
pushes, no sales on public holidays, a weekday rhythm, the 华北 team declining through 2026,
and one rep (R005) whose sales depend on a single key account.

Rows are drawn for the whole period at once (a multinomial over day × rep cells), so the row
count is exact for any ``rows`` and scaling to 10M rows costs only vector work plus the bulk
insert through DuckDB's DataFrame scan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import chinese_calendar
import numpy as np
import pandas as pd
from lunardate import LunarDate

from analysis import csat, incentives, planning, review, risks, store, tasks
from analysis.access import SYSTEM, Access, require

START = dt.date(2024, 1, 1)
DEFAULT_ROWS = 200_000
DEFAULT_SEED = 7
GROWTH_PER_YEAR = 0.15
DECLINING_TEAM = "T03"
CONCENTRATED_REP = "R005"

TEAMS = [("T01", "华东", "华东"), ("T02", "华南", "华南"), ("T03", "华北", "华北"), ("T04", "西南", "西南")]
REP_NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周杰",
    "吴婷",
    "徐涛",
    "孙丽",
    "马超",
    "朱红",
    "胡军",
    "郭燕",
    "何平",
    "高翔",
    "林峰",
    "罗兰",
    "郑凯",
    "梁爽",
    "谢宇",
    "宋佳",
]
LEVELS = ["senior", "senior", "mid", "mid", "junior", "junior"]
CAPACITY = {"senior": 1.35, "mid": 1.0, "junior": 0.7}
PRODUCTS = [
    ("P1", "企业版软件", 1280.0, 0.22),
    ("P2", "标准版软件", 360.0, 0.34),
    ("P3", "实施服务", 800.0, 0.18),
    ("P4", "培训服务", 150.0, 0.16),
    ("P5", "硬件设备", 520.0, 0.10),
]
CITIES = {
    "华东": ["上海", "杭州", "南京", "苏州", "宁波"],
    "华南": ["广州", "深圳", "厦门", "东莞", "福州"],
    "华北": ["北京", "天津", "石家庄", "太原", "济南"],
    "西南": ["成都", "重庆", "昆明", "贵阳", "南宁"],
}
BRANDS = [
    "华信",
    "博远",
    "中科",
    "恒达",
    "瑞丰",
    "金桥",
    "天合",
    "凯盛",
    "宏图",
    "新锐",
    "同创",
    "海纳",
    "远景",
    "汇通",
    "鼎新",
    "卓越",
    "星辰",
    "明德",
    "安泰",
    "嘉禾",
]
TRADES = ["科技", "制造", "贸易", "医药", "物流", "电子", "能源", "建设"]

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class DemoResult:
    rows: int
    total: Decimal
    first_day: dt.date
    last_day: dt.date
    reps: int
    customers: int
    living: dict[str, int] = field(default_factory=dict)  # what the year of use left behind, by kind


def _is_public_holiday(day: dt.date) -> bool:
    """Inside an official China holiday period (chinese-calendar); uncovered years have none."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return bool(on_holiday and name is not None)


def _is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def _day_factors(days: pd.DatetimeIndex) -> np.ndarray:
    """Relative order volume per day: growth × weekday rhythm × CNY dip × quarter/year-end push."""
    n = len(days)
    years = np.asarray((days - pd.Timestamp(START)).days, dtype=float) / 365.25
    f = (1 + GROWTH_PER_YEAR) ** years
    py_days = [d.date() for d in days]
    workday = np.array([_is_workday(d) for d in py_days])
    holiday = np.array([_is_public_holiday(d) for d in py_days])
    weekday = days.day_of_week.to_numpy()
    rhythm = np.choose(weekday, [0.95, 1.05, 1.08, 1.04, 1.12, 1.0, 1.0])
    f = f * np.where(workday, rhythm, 0.06)  # weekend orders are rare in B2B
    f = np.where(holiday, 0.0, f)
    # Chinese New Year: activity falls in the fortnight before and recovers slowly after.
    cny = {
        y: pd.Timestamp(LunarDate(y, 1, 1).to_solar_date()) for y in range(days[0].year, days[-1].year + 2)
    }
    for ts in cny.values():
        delta = np.asarray((days - ts).days)
        f = np.where((delta >= -14) & (delta < 0), f * 0.65, f)
        f = np.where((delta >= 0) & (delta < 21), f * (0.45 + 0.025 * np.clip(delta, 0, 21)), f)
    # Quarter-end push (last 10 days of Mar/Jun/Sep/Dec) and a stronger year-end.
    month_end = days + pd.offsets.MonthEnd(0)
    last10 = np.asarray((month_end - days).days) < 10
    q_end = np.isin(days.month, [3, 6, 9, 12]) & last10
    f = np.where(q_end, f * 1.45, f)
    f = np.where((days.month == 12) & last10, f * 1.2, f)
    assert len(f) == n
    return np.asarray(f, dtype=float)


def build_reference(end: dt.date, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Teams, reps, customers (with their owner rep and order weight) and products."""
    teams = pd.DataFrame(TEAMS, columns=["team_id", "name", "region"])
    reps = []
    for i, name in enumerate(REP_NAMES):
        team_id, _, region = TEAMS[i // 6]
        level = LEVELS[i % 6]
        base_year = {"senior": 2017, "mid": 2021, "junior": 2023}[level]
        hire = dt.date(base_year + (i % 2), 1 + (i * 5) % 12, 1 + (i * 7) % 27)
        reps.append([f"R{i + 1:03d}", name, team_id, region, level, hire, None])
    reps_df = pd.DataFrame(
        reps, columns=["rep_id", "name", "team_id", "region", "level", "hire_date", "leave_date"]
    )
    # One junior hired during 2024 (ramps up), one rep who left mid-2026, one hired last month.
    reps_df.loc[reps_df.rep_id == "R012", "hire_date"] = dt.date(2024, 9, 2)
    reps_df.loc[reps_df.rep_id == "R016", "leave_date"] = dt.date(min(end.year, 2026), 6, 30)
    first_of_last_month = (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    reps_df.loc[reps_df.rep_id == "R024", "hire_date"] = first_of_last_month + dt.timedelta(days=10)

    customers: list[list[object]] = []
    n_per_rep = 83
    for r in reps_df.itertuples():
        cities = CITIES[str(r.region)]
        sizes = rng.lognormal(0.0, 0.9, n_per_rep)  # heavy-tailed sizes ...
        sizes[:2] *= 4.0  # ... plus two key accounts per rep
        sizes = np.minimum(sizes, 0.12 * sizes.sum())  # but no accidental concentration elsewhere
        if r.rep_id == CONCENTRATED_REP:
            sizes[0] = sizes.sum() * 1.2  # one account carries most of this rep's business
        for k in range(n_per_rep):
            idx = len(customers)
            cname = (
                f"{cities[idx % len(cities)]}{BRANDS[(idx // 5) % len(BRANDS)]}"
                f"{TRADES[(idx // 100) % len(TRADES)]}有限公司"
            )
            if idx >= 5 * len(BRANDS) * len(TRADES) // 1:  # keep names unique past the combinations
                cname = cname.replace("有限公司", f"{idx // 800 + 1}号有限公司")
            customers.append([f"C{idx + 1:05d}", cname, r.region, "", r.rep_id, float(sizes[k])])
    cust = pd.DataFrame(customers, columns=["customer_id", "name", "region", "tier", "rep_id", "size"])
    q = cust["size"].quantile([0.8, 0.97]).to_list()
    cust["tier"] = np.where(cust["size"] >= q[1], "KA", np.where(cust["size"] >= q[0], "B", "C"))
    products = pd.DataFrame([(p[0], p[1]) for p in PRODUCTS], columns=["product_id", "name"])
    return {"teams": teams, "reps": reps_df, "customers": cust, "products": products}


def generate_sales(
    rows: int, seed: int, end: dt.date, progress: Progress | None = None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Reference tables and exactly ``rows`` sales rows from 2024-01-01 to ``end`` (inclusive)."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    if end < START:
        raise ValueError(f"end date {end} is before the demo history starts ({START})")
    rng = np.random.default_rng(seed)
    ref = build_reference(end, rng)
    reps, cust = ref["reps"], ref["customers"]
    days = pd.date_range(START, end, freq="D")
    f_day = _day_factors(days)
    if progress:
        progress(0.05, "calendar")
    # Rep weight per day: capacity × active (hire/leave) × ramp × team trend.
    cap = reps["level"].map(CAPACITY).to_numpy()
    day_arr = days.to_numpy()
    hire = pd.to_datetime(reps["hire_date"]).to_numpy()
    leave = pd.to_datetime(reps["leave_date"]).to_numpy()
    months_in = (day_arr[:, None] - hire[None, :]) / np.timedelta64(30, "D")
    active = (months_in >= 0) & ~(
        day_arr[:, None] > np.where(pd.isna(leave), np.datetime64("2262-01-01"), leave)
    )
    ramp = np.clip(0.25 + 0.25 * np.floor(np.maximum(months_in, 0)), 0.25, 1.0)
    team = reps["team_id"].to_numpy()
    years_2026 = np.clip((day_arr - np.datetime64("2025-12-31")) / np.timedelta64(365, "D"), 0, None)
    trend = np.where(team[None, :] == DECLINING_TEAM, np.maximum(1 - 0.45 * years_2026[:, None], 0.3), 1.0)
    w = f_day[:, None] * cap[None, :] * active * ramp * trend
    p = (w / w.sum()).ravel()
    counts = rng.multinomial(rows, p).reshape(w.shape)
    if progress:
        progress(0.15, "orders per day")
    day_idx, rep_idx = np.nonzero(counts)
    reps_per_cell = counts[day_idx, rep_idx]
    order_day = np.repeat(day_idx, reps_per_cell)
    order_rep = np.repeat(rep_idx, reps_per_cell)
    # Customer per order: each rep sells to its own book, weighted by customer size.
    order_cust = np.empty(rows, dtype=np.int64)
    rep_ids = reps["rep_id"].to_numpy()
    for j, rid in enumerate(rep_ids):
        mask = order_rep == j
        k = int(mask.sum())
        if not k:
            continue
        book = np.flatnonzero(cust["rep_id"].to_numpy() == rid)
        sz = cust["size"].to_numpy()[book]
        order_cust[mask] = rng.choice(book, size=k, p=sz / sz.sum())
    if progress:
        progress(0.35, "customers")
    prod_p = np.array([p[3] for p in PRODUCTS])
    order_prod = rng.choice(len(PRODUCTS), size=rows, p=prod_p / prod_p.sum())
    price = np.array([p[2] for p in PRODUCTS])[order_prod]
    size = cust["size"].to_numpy()[order_cust]
    qty = 1 + rng.poisson(np.clip(size, 0.05, 20) ** 0.3)
    discount = rng.choice(np.array([1.0, 0.95, 0.9, 0.85]), size=rows, p=[0.5, 0.25, 0.18, 0.07])
    noise = rng.lognormal(0.0, 0.15, rows)
    amount_cents = np.round(qty * price * discount * noise * 100).astype(np.int64)
    region_names, region_code = np.unique(reps["region"].to_numpy(dtype=str), return_inverse=True)
    sales = pd.DataFrame(
        {
            "day": days.to_numpy()[order_day],
            "rep_id": pd.Categorical.from_codes(order_rep, categories=pd.Index(rep_ids)),
            "customer_id": pd.Categorical.from_codes(order_cust, categories=pd.Index(cust["customer_id"])),
            "product_id": pd.Categorical.from_codes(
                order_prod, categories=pd.Index([p[0] for p in PRODUCTS])
            ),
            "region": pd.Categorical.from_codes(region_code[order_rep], categories=pd.Index(region_names)),
            "quantity": qty.astype(float),
            "amount_cents": amount_cents,
            "order_key": None,
        }
    )
    if progress:
        progress(0.45, "amounts")
    return ref, sales


def build_demo(
    path: str | None = None,
    *,
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    living: bool = True,
    progress: Progress | None = None,
    actor: Access = SYSTEM,
    force: bool = False,
) -> DemoResult:
    """Build (or rebuild) the demo company in the database at ``path``.

    The sales history is generated before the file is opened, then written in one transaction
    that replaces all existing data, so the lock is held only for the write and a failure leaves
    the previous contents in place. ``end`` defaults to yesterday. With ``living`` (the default)
    the year of use follows in the same transaction (:func:`add_living`): plans, tasks, weekly reviews, the risk
    register, CSAT answers and the incentive scheme, each written through the function the UI
    calls and stamped with the day it happened, so the same seed and end give the same database.

    ``actor`` must be an admin (the store's gate; refused before anything is generated); a store
    holding plan versions or imports is refused (``store.NotEmpty``) unless ``force``. The rebuild
    is audited as ``actor``; the company's fabricated rows are written as :data:`DEMO`.
    """
    require(actor, "demo")
    end = end or (dt.date.today() - dt.timedelta(days=1))
    ref, sales = generate_sales(rows, seed, end, progress)
    chunk = 1_000_000
    loaded_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(6, 0))
    with store.clock(loaded_at), store.connect(path, create=True, wait=10.0, actor=actor) as con:
        with store.transaction(con):
            store.clear_for_demo(con, REPLACED_TABLES, force=force)
            with store.on_behalf(con, DEMO):
                store.replace_reference(
                    con,
                    ref["teams"],
                    ref["reps"],
                    ref["customers"][["customer_id", "name", "region", "tier"]],
                    ref["products"],
                )
                for start in range(0, len(sales), chunk):
                    store.append_sales_frame(
                        con, sales.iloc[start : start + chunk], import_id=1, source="demo"
                    )
                    if progress:
                        progress(0.45 + 0.4 * min(1.0, (start + chunk) / len(sales)), "writing sales")
                total = Decimal(int(sales["amount_cents"].sum())) / 100
                store.record_import(
                    con,
                    import_id=1,
                    source="demo",
                    file_name="demo",
                    file_hash=None,
                    rows=len(sales),
                    total=total,
                    first_day=START,
                    last_day=end,
                    mode="append",
                )
                store.refresh_summaries(con)
                if progress:
                    progress(0.9, "summaries")
                made = add_living(con, ref, end, seed) if living else {}
    if progress:
        progress(1.0, "done")
    return DemoResult(len(sales), total, START, end, len(ref["reps"]), len(ref["customers"]), made)


# --- the living company: what a year of using the planner leaves in the store ------------------
#
# Everything below goes through the functions the pages and the command line call (planning.save,
# tasks.create, review.save, risks.acknowledge, csat.commit, incentives.save_plan), each inside
# ``store.clock`` set to the day it "happened", acting as DEMO_AUTHOR. Texts are the manager's own
# words (user content, Chinese like the company), not UI strings.

DEMO_AUTHOR = "demo"  # the system identity every demo write acts as
DEMO = Access(label=DEMO_AUTHOR)  # an admin; store.on_behalf lets the builder's admin write as it
# The January plan asks last year + 8 %: about 3 in 4 reps can expect to reach quota (plan health),
# and 华北's decline through the year puts the company behind it. Next year's draft asks the last
# twelve months + 12 % of everyone alike, which 华北's reps cannot reach: the health check says so.
PLAN_GROWTH = Decimal("1.08")
DRAFT_GROWTH = Decimal("1.12")
REVIEW_WEEKS = 6  # weekly reviews held in the complete weeks before the last data day
# Every table a rebuild replaces (the demo's data and everything users made on top of it);
# settings, thresholds, playbook, calendar entries, mappings and share links are the user's own.
REPLACED_TABLES = (
    "sales", "imports", "reps", "teams", "customers", "products",
    "plan_changes", "plan_targets", "plan_active", "plan_versions",
    "tasks", "review_notes", "risk_register_history", "risk_register",
    "csat_scores", "csat_imports",
    "incentive_bonuses", "incentive_caps", "incentive_tiers", "incentive_plans",
)  # fmt: skip


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def _workday_from(day: dt.date) -> dt.date:
    while not _is_workday(day):
        day += dt.timedelta(days=1)
    return day


def _workday_until(day: dt.date) -> dt.date:
    while not _is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def _date(value: object) -> dt.date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _round_to(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).quantize(Decimal(1)) * step


def add_living(
    con: store.Connection, ref: dict[str, pd.DataFrame], end: dt.date, seed: int = DEFAULT_SEED
) -> dict[str, int]:
    """Write a year of use up to ``end`` on a store holding the demo sales; returns counts by kind.

    FY ``end.year``: the incentive scheme and the plan saved and activated in early January
    (last year + 8 %, seasonality spread, history allocation); a catch-up version from the
    actuals of H1 in July (not activated); next year's draft in the last days when ``end`` is in
    the planning season (October on). Tasks of every state, weekly review notes with their next
    actions for the last complete weeks, risk-register entries in each status, and CSAT answers
    for the last months. Parts whose day lies after ``end`` (or before the history) are left out.
    """
    rng = np.random.default_rng(seed + 1)
    made: dict[str, int] = {}
    made["incentive_plans"] = _incentive_scheme(con, end)
    made["plan_versions"] = _plans(con, end)
    made["tasks"] = _tasks(con, ref, end, rng)
    weeks, review_tasks = _reviews(con, ref, end, rng)
    made["review_weeks"], made["tasks"] = weeks, made["tasks"] + review_tasks
    made["register"] = _register(con, ref, end)
    made["csat"] = _csat(con, ref, end, rng)
    return made


def _incentive_scheme(con: store.Connection, end: dt.date) -> int:
    """The year's commission scheme, saved on the first working day of the year."""
    day = _workday_from(dt.date(end.year, 1, 2))
    if day > end:
        return 0
    # No gate: a month a few days old already shows what each rep has earned so far.
    scheme = incentives.build_plan(
        2.5,
        [
            {"lower_pct": 0, "upper_pct": 70, "multiplier": 0.6},
            {"lower_pct": 70, "upper_pct": 100, "multiplier": 1},
            {"lower_pct": 100, "upper_pct": 120, "multiplier": 1.6},
            {"lower_pct": 120, "upper_pct": None, "multiplier": 2.2},
        ],
        gate_pct=0,
        caps={"month": 60_000, "quarter": 150_000, "year": None},
        bonuses=[
            {"grain": "month", "threshold_pct": 100, "amount": 1_000},
            {"grain": "quarter", "threshold_pct": 100, "amount": 6_000},
            {"grain": "year", "threshold_pct": 110, "amount": 30_000},
        ],
    )
    with store.clock(_at(day, 9, 30)):
        incentives.save_plan(con, scheme)
    return 1


def _plans(con: store.Connection, end: dt.date) -> int:
    """This year's plan (January, active), its July catch-up version, next year's draft."""
    year = end.year
    saved_on = _workday_from(dt.date(year, 1, 5))
    last_year = store.total_between(con, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
    if year - 1 < START.year or end < saved_on or last_year <= 0:
        return 0
    req = planning.PlanRequest(
        year=year,
        target=_round_to(last_year * PLAN_GROWTH, Decimal(100_000)),
        spread_method="seasonality",
        allocate_method="history",
        unit=Decimal(100),
    )
    scenario = f"FY{year} 年度目标"
    with store.clock(_at(saved_on, 10)):
        plan = planning.build(planning.load_inputs(con, req), req)
        pv = planning.save(
            con, plan, req, scenario=scenario, based_on=None,
            note=f"年度目标：{year - 1} 年实际 × {PLAN_GROWTH}，按季节性分解到月，按各人去年业绩分配",
        )  # fmt: skip
    with store.clock(_at(saved_on, 10, 5)):
        store.set_active_plan(con, pv.version_id)
    n = 1
    cu_as_of, cu_on = dt.date(year, 6, 30), _workday_from(dt.date(year, 7, 6))
    if end >= cu_on:
        with store.clock(_at(cu_on, 15)):
            _pv, cu_req, _old, new, changes = planning.catch_up_version(con, pv.version_id, cu_as_of, "even")
            extra = {
                "source": "catch-up",
                "catch_up": {"from_version_id": pv.version_id, "as_of": cu_as_of.isoformat(), "mode": "even"},
            }
            planning.save(
                con, new, cu_req, scenario=scenario, based_on=pv.version,
                note="上半年追赶方案：H1 按实际，全年目标不变，差额平摊到下半年（待批准，未启用）",
                changes=changes, extra=extra,
            )  # fmt: skip
        n += 1
    draft_on = _workday_until(end - dt.timedelta(days=3))
    if end.month >= 10 and draft_on.year == year:
        last_12m = store.total_between(con, end - dt.timedelta(days=364), end)
        draft = planning.PlanRequest(
            year=year + 1,
            target=_round_to(last_12m * DRAFT_GROWTH, Decimal(100_000)),
            spread_method="seasonality",
            allocate_method="history",
            unit=Decimal(100),
            history_window="last_12m",
            as_of=end,
        )
        with store.clock(_at(draft_on, 16, 30)):
            plan = planning.build(planning.load_inputs(con, draft), draft)
            planning.save(
                con, plan, draft, scenario=f"FY{year + 1} 年度目标（草案）", based_on=None,
                note=f"明年草案：近 12 个月实际 × {DRAFT_GROWTH}，待各区确认",
            )  # fmt: skip
        n += 1
    return n


@dataclass(frozen=True)
class _Story:
    """A task as it went: created on ``created``; done (or cancelled) on ``closed``, else still open."""

    created: dt.date
    task: tasks.NewTask
    closed: dt.date | None = None
    status: str = "done"


def _books(ref: dict[str, pd.DataFrame]) -> dict[str, list[tuple[str, str]]]:
    """rep_id → the rep's customers, largest first: [(customer_id, name)]."""
    c = ref["customers"].sort_values(["rep_id", "size", "customer_id"], ascending=[True, False, True])
    out: dict[str, list[tuple[str, str]]] = {str(r): [] for r in ref["reps"]["rep_id"]}
    for rep, cid, name in zip(
        c["rep_id"].astype(str), c["customer_id"].astype(str), c["name"].astype(str), strict=True
    ):
        out[rep].append((cid, name))
    return out


def _active_reps(ref: dict[str, pd.DataFrame], day: dt.date) -> pd.DataFrame:
    """Reps employed on ``day`` for at least a month (old enough to own tasks and notes)."""
    r = ref["reps"]
    hired = pd.to_datetime(r["hire_date"]).dt.date <= day - dt.timedelta(days=30)
    leave = pd.to_datetime(r["leave_date"])
    return r[hired & (leave.isna() | (leave.dt.date >= day))].reset_index(drop=True)


def _write_stories(con: store.Connection, stories: list[_Story]) -> list[int]:
    """Create each day's tasks on their day, then close the closed ones on theirs (oldest first)."""
    stories = sorted(stories, key=lambda s: s.created)
    ids: list[int] = []
    for day in sorted({s.created for s in stories}):
        with store.clock(_at(day, 9)):
            ids += tasks.create(con, [s.task for s in stories if s.created == day], day)
    _close(con, [(s.closed, i, s.status) for s, i in zip(stories, ids, strict=True) if s.closed is not None])
    return ids


def _close(con: store.Connection, changes: list[tuple[dt.date, int, str]]) -> None:
    for k, (day, task_id, status) in enumerate(sorted(changes)):
        with store.clock(_at(day, 17, k % 60)):
            tasks.set_status(con, task_id, status, day)


def _tasks(
    con: store.Connection, ref: dict[str, pd.DataFrame], end: dt.date, rng: np.random.Generator
) -> int:
    """Tasks of every state as of ``end``: done on time, done late, overdue, due soon, open, cancelled."""
    books = _books(ref)
    reps = _active_reps(ref, end)
    if reps.empty:
        return 0
    by_team = {t: reps[reps["team_id"] == t] for t in reps["team_id"].unique()}
    stories: list[_Story] = []

    def story(days_ago: int, rep: str, title: str, kind: str, cust: str | None,
              closed_ago: int | None = None, status: str = "done") -> None:  # fmt: skip
        created = end - dt.timedelta(days=days_ago)
        if created < START:
            return
        closed = None if closed_ago is None else end - dt.timedelta(days=closed_ago)
        stories.append(_Story(created, tasks.NewTask(rep, title, kind, customer_id=cust), closed, status))

    # The concentrated rep: one visit done, the new-customer task overdue.
    if CONCENTRATED_REP in set(reps["rep_id"]):
        (cid, cname), *_ = books[CONCENTRATED_REP]
        story(40, CONCENTRATED_REP, f"拜访{cname}，确认明年采购计划", "key_account", cid, 36)
        story(30, CONCENTRATED_REP, f"开发两家同行业新客户，降低对{cname}的依赖", "new_customer", None)
    # The declining team: a recovery plan, done late.
    if DECLINING_TEAM in by_team and len(by_team[DECLINING_TEAM]):
        lead = str(by_team[DECLINING_TEAM]["rep_id"].iloc[0])
        story(50, lead, "梳理华北区下滑客户名单，制定挽回方案", "other", None, 30)
    # The leaver's customers handed to the team: one visit on time, one late, one overdue.
    r = ref["reps"]
    leavers = r[r["leave_date"].notna()]
    for rep_id, rep_name, team_id, left in zip(
        leavers["rep_id"].astype(str), leavers["name"].astype(str), leavers["team_id"].astype(str),
        leavers["leave_date"], strict=True,
    ):  # fmt: skip
        heirs = reps[(reps["team_id"] == team_id) & (reps["rep_id"] != rep_id)]
        start = _workday_from(_date(left) + dt.timedelta(days=2))
        if heirs.empty or (end - start).days < 20:
            continue
        ago = (end - start).days
        for k, ((cid, cname), closed) in enumerate(
            zip(books[rep_id][:3], (ago - 5, ago - 12, None), strict=True)
        ):
            heir = str(heirs["rep_id"].iloc[(k + 1) % len(heirs)])
            story(ago, heir, f"接手{cname}（原负责人{rep_name}已离职），首次拜访", "key_account", cid, closed)
    # Routine visits in every team: on time, late, cancelled, still open.
    for t, team in sorted(by_team.items()):
        rep = str(team["rep_id"].iloc[len(team) // 2])
        book = books[rep]
        story(45, rep, f"季度回访{book[1][1]}", "maintenance", book[1][0], 20)
        story(44, rep, f"季度回访{book[2][1]}", "maintenance", book[2][0], 8 if t in ("T01", "T03") else 18)
        story(26, rep, f"季度回访{book[3][1]}", "maintenance", book[3][0], 25 if t == "T02" else None,
              "cancelled" if t == "T02" else "done")  # fmt: skip
    # Coming up: due within days, and open.
    ids = reps["rep_id"].astype(str).tolist()
    soon, later = ids[1 % len(ids)], ids[-1]
    c_soon, c_later = books[soon][0], books[later][4]
    story(4, soon, f"跟进{c_soon[1]}年底续约合同", "key_account", c_soon[0])
    story(2, later, f"为{c_later[1]}准备明年报价方案", "other", c_later[0])
    # A season of ordinary follow-ups, all closed: most on time, some late.
    for k in range(16):
        rep = ids[int(rng.integers(len(ids)))]
        cid, cname = books[rep][int(rng.integers(2, 12))]
        kind = ("key_account", "maintenance")[k % 2]
        ago = int(rng.integers(55, 120))
        took = int(rng.integers(2, 7)) if kind == "key_account" else int(rng.integers(10, 34))
        story(ago, rep, f"{'拜访' if kind == 'key_account' else '回访'}{cname}", kind, cid, ago - took)
    return len(_write_stories(con, stories))


_WIN_NOTES = (
    "签下{c}年度框架合同，本周回款到位",
    "{c}追加采购，已安排下周交付",
    "完成{c}实施验收，客户反馈良好",
    "{c}的试点扩大到全公司，下月起按量采购",
)
_PROBLEM_NOTES = (
    "{c}预算冻结，订单推迟到下季度",
    "竞争对手在{c}报低价，正在准备应对方案",
    "{c}付款流程变更，回款比计划晚两周",
)
_DECLINE_NOTES = (
    "华北需求继续走弱，{c}本月未下单，已约下周拜访",
    "{c}采购负责人更换，新负责人尚未见面",
    "区内三个项目延期，{c}的续约在谈价格",
)


def _reviews(
    con: store.Connection, ref: dict[str, pd.DataFrame], end: dt.date, rng: np.random.Generator
) -> tuple[int, int]:
    """Notes and next actions of the weekly reviews of the last complete weeks; (weeks, tasks)."""
    books = _books(ref)
    last_sunday = end - dt.timedelta(days=(end.weekday() + 1) % 7)
    held = 0
    actions: list[tuple[dt.date | None, int]] = []
    for back in range(REVIEW_WEEKS - 1, -1, -1):
        sunday = last_sunday - dt.timedelta(days=7 * back)
        monday = sunday - dt.timedelta(days=6)
        if monday < START:
            continue
        week, day = review.week_label(monday), min(sunday + dt.timedelta(days=1), end)
        reps = _active_reps(ref, sunday)
        declining = reps[reps["team_id"] == DECLINING_TEAM]["rep_id"].astype(str).tolist()
        others = [r for r in reps["rep_id"].astype(str) if r not in declining and r != CONCENTRATED_REP]
        notes: dict[str, str] = {}
        if declining:
            rep = declining[back % len(declining)]
            notes[rep] = _DECLINE_NOTES[back % len(_DECLINE_NOTES)].format(c=books[rep][back % 5][1])
        if back % 2 == 0 and CONCENTRATED_REP in set(reps["rep_id"]):
            top = books[CONCENTRATED_REP][0][1]
            notes[CONCENTRATED_REP] = f"{top}本周下单占个人业绩六成以上，已约两家新客户面谈"
        for k, rep in enumerate(sorted(rng.choice(others, size=min(3, len(others)), replace=False))):
            pool = _WIN_NOTES if k < 2 else _PROBLEM_NOTES
            notes[str(rep)] = pool[int(rng.integers(len(pool)))].format(
                c=books[str(rep)][int(rng.integers(8))][1]
            )
        todo = []
        for rep in list(notes)[:2]:
            cid, cname = books[rep][back % 5]
            todo.append(
                tasks.NewTask(rep, f"周会跟进：拜访{cname}，确认下月订单", "key_account", customer_id=cid)
            )
        with store.clock(_at(day, 18)):
            ids = review.save(con, week, notes, todo, day)
        held += 1
        # Last week's actions are still open; older ones were done, the first one of each week late.
        for k, task_id in enumerate(ids):
            closed = day + dt.timedelta(days=9 if k == 0 and back % 3 == 1 else 4)
            actions.append((closed if back > 0 and closed <= end else None, task_id))
    _close(con, [(d, i, "done") for d, i in actions if d is not None])
    return held, len(actions)


def _register(con: store.Connection, ref: dict[str, pd.DataFrame], end: dt.date) -> int:
    """Acknowledge five-week-old flags into the register (the planted problems first) and move them
    on: the declining team's mitigating, the last one (one that has gone away) closed, the others open; a week before
    ``end`` the still-firing ones recur and one new flag is added. Returns the register's size."""
    first = _workday_until(end - dt.timedelta(days=35))
    if first < START + dt.timedelta(days=400):  # the rules need a year of history to say anything
        return 0
    team_name = {t: name for t, name, _region in TEAMS}
    rep_team = dict(zip(ref["reps"]["rep_id"].astype(str), ref["reps"]["team_id"].astype(str), strict=True))

    def owner(f: risks.Flag) -> str:
        if f.scope == "company":
            return "销售总监"
        return (
            team_name.get(f.entity_id if f.scope == "team" else rep_team.get(f.entity_id, ""), "")
            + "区域经理"
        )

    def rank(f: risks.Flag) -> int:
        if (f.scope, f.entity_id) == ("team", DECLINING_TEAM):
            return 0
        if (f.scope, f.entity_id) == ("rep", CONCENTRATED_REP):
            return 1
        return 2 if f.rule == "orphaned_customers" else 3

    def acknowledge(f: risks.Flag, day: dt.date, k: int, status: str) -> int:
        with store.clock(_at(day, 11, k)):
            eid, _created = risks.acknowledge(
                con, f, owner=owner(f), plan=f.action["zh"], due_date=day + dt.timedelta(days=14 + 7 * k),
                status=status, seen=day,
            )  # fmt: skip
        return eid

    def one_per_entity(flags: list[risks.Flag]) -> list[risks.Flag]:
        return list({(f.scope, f.entity_id): f for f in sorted(flags, key=rank, reverse=True)}.values())[::-1]

    again = _workday_until(end - dt.timedelta(days=7))
    later = risks.evaluate(risks.load_inputs(con, again)).flags
    still = {(f.scope, f.entity_id) for f in later}
    ranked = sorted(one_per_entity(risks.evaluate(risks.load_inputs(con, first)).flags), key=rank)
    # The entry closed since is, when there is one, a risk that has gone away by ``again``.
    others = sorted((f for f in ranked if rank(f) == 3), key=lambda f: (f.scope, f.entity_id) in still)
    picked = ([f for f in ranked if rank(f) < 3] + others)[:4]
    entries = [acknowledge(f, first, k, "open") for k, f in enumerate(picked)]
    moves = [(entries[0], 7, "mitigating")] if entries else []
    if len(entries) >= 3:
        moves.append((entries[-1], 21, "closed"))
    for eid, days, status in moves:
        day = first + dt.timedelta(days=days)
        flag = picked[entries.index(eid)]
        if status == "closed" and flag.rule == "overdue_tasks" and flag.scope == "rep":
            # Closed because the rep has done the overdue tasks (late), that afternoon.
            open_tasks = tasks.classify(tasks.load(con), day)
            late = open_tasks[(open_tasks["rep_id"] == flag.entity_id) & (open_tasks["state"] == "overdue")]
            _close(con, [(day, int(i), "done") for i in late["task_id"]])
        with store.clock(_at(day, 18)):
            store.update_register_entry(con, eid, {"status": status})
    known = {f.key: k for k, f in enumerate(picked)}
    recurring = [f for f in later if f.key in known and known[f.key] == 0]
    entities = {(f.scope, f.entity_id) for f in picked}
    fresh = sorted(one_per_entity([f for f in later if (f.scope, f.entity_id) not in entities]), key=rank)[:1]
    for k, f in enumerate(recurring + fresh):
        acknowledge(f, again, k, "mitigating" if f.key in known else "open")
    return len(store.register_entries(con))


CSAT_DAYS = 120  # answers from customer calls over the last four months


def _csat(con: store.Connection, ref: dict[str, pd.DataFrame], end: dt.date, rng: np.random.Generator) -> int:
    """A CSAT survey file (date, customer, rep, score 1-5) imported through :mod:`analysis.csat`."""
    books = _books(ref)
    lo = max(START, end - dt.timedelta(days=CSAT_DAYS))
    reps = ref["reps"]
    lines = ["日期,客户,销售,评分"]
    for rep_id, rep_name, team_id, hire, leave in zip(
        reps["rep_id"].astype(str), reps["name"].astype(str), reps["team_id"].astype(str),
        reps["hire_date"], reps["leave_date"], strict=True,
    ):  # fmt: skip
        first = max(lo, _date(hire) + dt.timedelta(days=30))
        last = end if pd.isna(leave) else min(end, _date(leave))
        if first > last:
            continue
        mean = 3.6 + rng.random() * 1.0 if team_id != DECLINING_TEAM else 3.2 + rng.random() * 0.6
        book = books[rep_id][:30]
        for _ in range(int(rng.integers(8, 16))):
            day = first + dt.timedelta(days=int(rng.integers((last - first).days + 1)))
            score = int(np.clip(np.rint(rng.normal(mean, 0.7)), 1, 5))
            cname = book[int(rng.integers(len(book)))][1]
            lines.append(f"{day.isoformat()},{cname},{rep_name},{score}")
    if len(lines) == 1:
        return 0
    name = f"客户满意度回访_{end:%Y%m}.csv"
    with store.clock(_at(_workday_until(end), 14)):
        parsed = csat.read(con, "\n".join(lines).encode("utf-8"), name, today=end)
        csat.commit(con, parsed, name)
    return len(parsed.rows)
