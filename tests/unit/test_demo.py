"""The demo company: deterministic, and carrying the patterns later analysis must find."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from analysis import demo, store
from tests.conftest import DEMO_END, DEMO_ROWS


def q(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with store.connect(path, read_only=True) as con:
        return con.execute(sql, list(args)).fetchall()


class TestDeterminism:
    def test_same_seed_same_totals_and_rows(self, tmp_path: Path) -> None:
        a = demo.build_demo(str(tmp_path / "a.duckdb"), rows=5_000, end=DEMO_END)
        b = demo.build_demo(str(tmp_path / "a.duckdb"), rows=5_000, end=DEMO_END)  # rebuild in place
        c = demo.build_demo(str(tmp_path / "c.duckdb"), rows=5_000, end=DEMO_END, seed=8)
        assert (a.rows, a.total) == (b.rows, b.total)
        assert c.total != a.total
        assert q(tmp_path / "a.duckdb", "SELECT count(*), sum(amount) FROM sales") == [(5_000, a.total)]

    def test_row_count_is_exact(self, demo_db_master: Path) -> None:
        assert q(demo_db_master, "SELECT count(*) FROM sales") == [(DEMO_ROWS,)]

    def test_bad_arguments(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="rows"):
            demo.build_demo(str(tmp_path / "x.duckdb"), rows=0)
        with pytest.raises(ValueError, match="before the demo history starts"):
            demo.build_demo(str(tmp_path / "x.duckdb"), end=dt.date(2020, 1, 1))


class TestPatterns:
    def test_history_spans_2024_to_end(self, demo_db_master: Path) -> None:
        first, last = q(demo_db_master, "SELECT min(day), max(day) FROM sales")[0]
        assert first is not None and last is not None
        assert first <= dt.date(2024, 1, 3) and last == DEMO_END

    @pytest.mark.parametrize(
        "start,end",
        [
            ("2024-10-01", "2024-10-07"),
            ("2025-10-01", "2025-10-08"),
            ("2025-05-01", "2025-05-05"),
            ("2026-02-15", "2026-02-23"),
        ],
    )
    def test_no_sales_on_public_holidays(self, demo_db_master: Path, start: str, end: str) -> None:
        assert q(demo_db_master, "SELECT count(*) FROM sales WHERE day BETWEEN ? AND ?", start, end) == [(0,)]

    def test_growth_about_15_percent(self, demo_db_master: Path) -> None:
        (y24,), (y25,) = q(
            demo_db_master,
            "SELECT sum(amount) FROM sales WHERE year(day) IN (2024, 2025) "
            "GROUP BY year(day) ORDER BY year(day)",
        )
        assert isinstance(y24, Decimal) and isinstance(y25, Decimal)
        assert 0.08 < float(y25 / y24 - 1) < 0.25

    def test_chinese_new_year_dip_follows_the_lunar_date(self, demo_db_master: Path) -> None:
        # CNY 2024 was 10 Feb, 2025 was 29 Jan: the dip month moves with it.
        by_month = dict(q(demo_db_master, "SELECT strftime(day, '%Y-%m'), sum(amount) FROM sales GROUP BY 1"))
        assert by_month["2024-02"] < by_month["2024-01"] * Decimal("0.8")
        assert by_month["2025-01"] < by_month["2025-03"] * Decimal("0.8")

    def test_quarter_end_push(self, demo_db_master: Path) -> None:
        rows = q(
            demo_db_master,
            """SELECT day(day) > day(last_day(day)) - 10 AS late, sum(amount) / count(DISTINCT day)
                 FROM sales WHERE month(day) IN (3, 6, 9) AND dayofweek(day) BETWEEN 1 AND 5 GROUP BY 1""",
        )
        per_day = {bool(late): Decimal(v) for late, v in rows}  # type: ignore[arg-type]
        assert per_day[True] > per_day[False] * Decimal("1.2")

    def test_declining_team_in_2026(self, demo_db_master: Path) -> None:
        rows = dict(
            q(
                demo_db_master,
                """SELECT r.team_id, sum(CASE WHEN year(day) = 2026 THEN amount END)
                 / sum(CASE WHEN year(day) = 2025 AND day <= DATE '2025-11-26' THEN amount END)
                 FROM sales JOIN reps r USING (rep_id) GROUP BY 1""",
            )
        )
        assert rows[demo.DECLINING_TEAM] < 0.95
        assert all(v > 1.0 for k, v in rows.items() if k != demo.DECLINING_TEAM)  # type: ignore[operator]

    def test_one_rep_depends_on_one_customer(self, demo_db_master: Path) -> None:
        rows = q(
            demo_db_master,
            """WITH s AS (SELECT rep_id, max(amount) / sum(amount) AS top FROM sum_rep_customer
                 GROUP BY rep_id) SELECT rep_id FROM s WHERE top > 0.4""",
        )
        assert rows == [(demo.CONCENTRATED_REP,)]

    def test_roster(self, demo_db_master: Path) -> None:
        levels = dict(q(demo_db_master, "SELECT level, count(*) FROM reps GROUP BY 1"))
        assert levels == {"senior": 8, "mid": 8, "junior": 8}
        left = q(demo_db_master, "SELECT rep_id, leave_date FROM reps WHERE leave_date IS NOT NULL")
        assert len(left) == 1
        (after,) = q(demo_db_master, "SELECT count(*) FROM sales WHERE rep_id = ? AND day > ?", *left[0])
        assert after == (0,)
        newest = q(demo_db_master, "SELECT max(hire_date) FROM reps")[0][0]
        assert isinstance(newest, dt.date) and (DEMO_END - newest).days < 62
        assert q(demo_db_master, "SELECT count(DISTINCT name) = count(*) FROM customers") == [(True,)]
