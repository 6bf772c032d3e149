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
from dataclasses import dataclass
from decimal import Decimal

import chinese_calendar
import numpy as np
import pandas as pd
from lunardate import LunarDate

from analysis import store

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
    progress: Progress | None = None,
) -> DemoResult:
    """Build (or rebuild) the demo data in the database at ``path``.

    Everything is generated before the file is opened, then written in one transaction that
    replaces all existing data, so the lock is held only for the write and a failure leaves
    the previous contents in place. ``end`` defaults to yesterday.
    """
    end = end or (dt.date.today() - dt.timedelta(days=1))
    ref, sales = generate_sales(rows, seed, end, progress)
    chunk = 1_000_000
    with store.connect(path, create=True, wait=10.0) as con, store.transaction(con):
        for table in (
            "sales",
            "imports",
            "reps",
            "teams",
            "customers",
            "products",
            "plan_targets",
            "plan_versions",
            "plan_active",
            "plan_changes",
        ):
            con.execute(f"DELETE FROM {table}")  # constant table names
        store.replace_reference(
            con,
            ref["teams"],
            ref["reps"],
            ref["customers"][["customer_id", "name", "region", "tier"]],
            ref["products"],
        )
        for start in range(0, len(sales), chunk):
            store.append_sales_frame(con, sales.iloc[start : start + chunk], import_id=1, source="demo")
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
            created_by="demo",
        )
        store.refresh_summaries(con)
        if progress:
            progress(0.98, "summaries")
    if progress:
        progress(1.0, "done")
    return DemoResult(len(sales), total, START, end, len(ref["reps"]), len(ref["customers"]))
