"""analysis.home: the home page's morning summary (standing, who is behind, top flags, what is due)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from analysis import home, metrics, risks, store, tasks
from analysis.access import SYSTEM
from analysis.allocate import is_vacancy
from analysis.i18n import fmt_compact, fmt_exact

AS_OF = dt.date(2026, 11, 26)  # a Thursday; the week ends on Sunday 2026-11-29


def _morning(db: Path, as_of: dt.date = AS_OF) -> tuple[home.Morning, metrics.ProgressData]:
    with store.connect(db, read_only=True) as con:
        data = metrics.load_inputs(con, as_of)
        report = risks.evaluate(risks.load_inputs(con, as_of))
        m = home.morning(data, report, tasks.load(con), store.register_entries(con), store.list_imports(con))
    return m, data


class TestMorning:
    def test_standing_is_the_progress_of_the_year_and_the_month(self, demo_db: Path) -> None:
        m, data = _morning(demo_db)
        for s, label in ((m.year, "FY2026"), (m.month, "2026-11")):
            p = metrics.progress(data, metrics.period_by_label(data.fy, label))
            assert s.period.label == label
            assert (s.target, s.actual, s.pace_gap, s.forecast) == (
                p.target,
                p.actual,
                p.pace_gap,
                p.forecast,
            )
            assert (s.low, s.high) == (p.band.low, p.band.high)
            assert s.low <= s.forecast <= s.high
        assert m.plan_source == "default"  # the demo has no saved plan

    def test_data_through_is_the_last_day_with_sales_not_the_as_of_day(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con:
            last = con.execute("SELECT max(day) FROM sales").fetchall()[0][0]
        m, _ = _morning(demo_db, dt.date(2026, 12, 3))
        assert m.data_through == last == dt.date(2026, 11, 26)
        m, _ = _morning(demo_db, dt.date(2026, 6, 30))  # a past day: the store's freshness still shows
        assert m.data_through == last

    def test_behind_lists_only_those_behind_most_behind_first(self, demo_db: Path) -> None:
        m, data = _morning(demo_db)
        full = metrics.breakdown(data, m.month.period, "rep")
        full = full[~full["rep_id"].map(is_vacancy)]  # R016's unassigned seat is no one to talk to
        assert list(m.behind_reps["rep_id"]) == list(full[full["gap_cents"] < 0]["rep_id"].head(3))
        for frame in (m.behind_teams, m.behind_reps):
            assert len(frame) <= home.BEHIND_ROWS
            assert (frame["gap_cents"] < 0).all()
            assert frame["gap_cents"].is_monotonic_increasing

    def test_flags_ranked_by_money_at_risk(self, demo_db: Path) -> None:
        m, _ = _morning(demo_db)
        money = [f.money_at_risk for f in m.flags]
        assert len(m.flags) == min(3, m.n_flags) and money == sorted(money, reverse=True)

    def test_last_import_skips_an_undone_one(self) -> None:
        imports = pd.DataFrame(
            {
                "import_id": [2, 1],
                "created_at": [pd.Timestamp("2026-11-20 09:00"), pd.Timestamp("2026-11-01 08:30")],
                "rows": [10, 500],
                "total": [Decimal("1.00"), Decimal("12345.67")],
                "file_name": ["b.xlsx", None],
                "first_day": [None, pd.Timestamp("2026-10-01")],
                "last_day": [None, pd.Timestamp("2026-10-31")],
                "undone_at": [pd.Timestamp("2026-11-21"), None],
            }
        )
        last = home.last_import(imports)
        assert last is not None
        assert (last.import_id, last.rows, last.total, last.file_name) == (1, 500, Decimal("12345.67"), "")
        assert last.first_day == dt.date(2026, 10, 1)
        assert home.last_import(imports.iloc[:0]) is None


def _flag(rule: str, severity: str = "medium", **evidence: object) -> risks.Flag:
    return risks.Flag(rule, "rep", "R1", "A", "2026-11", severity, dict(evidence), {}, {})


class TestTopFlags:
    def test_money_at_risk_by_rule(self) -> None:
        d = Decimal
        assert home.money_at_risk(_flag("forecast_attainment", target=d(100), forecast=d(70))) == d(30)
        assert home.money_at_risk(_flag("behind_pace", plan=d(50), actual=d(20))) == d(30)
        assert home.money_at_risk(_flag("yoy_decline", sales=d(80), sales_last_year=d(100))) == d(20)
        assert home.money_at_risk(_flag("orphaned_customers", their_sales=d(9))) == d(9)
        assert home.money_at_risk(_flag("rep_no_sales")) == d(0)
        assert home.money_at_risk(_flag("forecast_attainment", target=d(10), forecast=d(12))) == d(0)

    def test_order_money_then_severity_then_report_order(self) -> None:
        d = Decimal
        flags = [
            _flag("overdue_tasks", "high"),
            _flag("concentration", "low", top_customer_sales=d(5)),
            _flag("concentration", "high", top_customer_sales=d(5)),
            _flag("orphaned_customers", "low", their_sales=d(50)),
        ]
        top = home.top_flags(flags)
        assert [f.flag for f in top] == [flags[3], flags[2], flags[1]]


class TestDue:
    def test_overdue_and_this_week(self) -> None:
        df = pd.DataFrame(
            {
                "task_id": [1, 2, 3, 4, 5, 6],
                "rep_id": ["R1"] * 6,
                "title": ["late", "today", "sunday", "monday", "done", "cancelled"],
                "deadline": pd.to_datetime(
                    ["2026-11-20", "2026-11-26", "2026-11-29", "2026-11-30", "2026-11-20", "2026-11-27"]
                ),
                "status": ["open", "doing", "open", "open", "done", "cancelled"],
            }
        )
        late, week = home.due_tasks(df, AS_OF)
        assert list(late["title"]) == ["late"] and list(late["days_left"]) == [-6]
        assert list(week["title"]) == ["today", "sunday"]
        assert home.week_end(AS_OF) == dt.date(2026, 11, 29)

    def test_register_items_due_by_sunday_and_not_closed(self) -> None:
        reg = pd.DataFrame(
            {
                "entry_id": [1, 2, 3, 4],
                "entity_name": ["a", "b", "c", "d"],
                "rule": ["concentration"] * 4,
                "scope": ["rep"] * 4,
                "owner": ["x"] * 4,
                "due_date": [dt.date(2026, 11, 29), dt.date(2026, 11, 30), dt.date(2026, 11, 1), None],
                "status": ["open", "open", "closed", "mitigating"],
            }
        )
        assert list(home.register_due(reg, AS_OF)["entry_id"]) == [1]

    def test_deadlines_against_today_sales_against_the_as_of_day(self, demo_db: Path) -> None:
        """Data through 2026-11-26 read a week later: the month is still November's, but a task
        due on the Saturday after the data is overdue and next Friday's is due this week."""
        today = dt.date(2026, 12, 3)  # a Thursday; its week ends on 2026-12-06
        with store.connect(demo_db, actor=SYSTEM) as con:
            tasks.create(
                con,
                [
                    tasks.NewTask("R001", "saturday", deadline=dt.date(2026, 11, 28)),
                    tasks.NewTask("R002", "next friday", deadline=dt.date(2026, 12, 4)),
                ],
                dt.date(2026, 11, 20),
            )
        with store.connect(demo_db, read_only=True) as con:
            data = metrics.load_inputs(con, AS_OF)
            args = (data, None, tasks.load(con), store.register_entries(con), store.list_imports(con))
        m = home.morning(*args, today=today)
        assert (m.as_of, m.month.period.label, m.week_end) == (AS_OF, "2026-11", dt.date(2026, 12, 6))
        assert list(m.tasks_overdue["title"]) == ["saturday"] and list(m.tasks_overdue["days_left"]) == [-5]
        assert list(m.tasks_this_week["title"]) == ["next friday"]
        m = home.morning(*args)  # no today: the as-of day, as before (pure callers, older tests)
        assert m.tasks_overdue.empty and list(m.tasks_this_week["title"]) == ["saturday"]


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (Decimal("9999"), "9,999", "9,999"),
        (Decimal("137334.76"), "137.3K", "13.7万"),
        (Decimal("17439324.53"), "17.44M", "1,743.9万"),
        (Decimal("-1062460.17"), "-1.06M", "-106.2万"),
        (Decimal("2500000000"), "2.50B", "25.00亿"),
    ],
)
def test_compact_money(value: Decimal, en: str, zh: str) -> None:
    assert (fmt_compact(value, "en"), fmt_compact(value, "zh")) == (en, zh)
    assert fmt_exact(value) == f"{value:,.2f}"
