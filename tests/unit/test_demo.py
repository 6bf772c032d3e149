"""The demo company: deterministic, and carrying the patterns later analysis must find."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from analysis import demo, incentives, store, tasks
from tests.conftest import DEMO_END, DEMO_ROWS


def q(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with store.connect(path, read_only=True) as con:
        return con.execute(sql, list(args)).fetchall()


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted (names from the catalog, never user text)."""
    with store.connect(path, read_only=True) as con:
        return {
            name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
            for name in store.table_counts(con)
        }


class TestDeterminism:
    def test_same_seed_same_totals_and_rows(self, tmp_path: Path) -> None:
        a = demo.build_demo(str(tmp_path / "a.duckdb"), rows=5_000, end=DEMO_END)
        b = demo.build_demo(
            str(tmp_path / "a.duckdb"), rows=5_000, end=DEMO_END, force=True
        )  # rebuild in place
        c = demo.build_demo(str(tmp_path / "c.duckdb"), rows=5_000, end=DEMO_END, seed=8)
        assert (a.rows, a.total) == (b.rows, b.total)
        assert c.total != a.total
        assert q(tmp_path / "a.duckdb", "SELECT count(*), sum(amount) FROM sales") == [(5_000, a.total)]

    def test_same_seed_same_database(self, tmp_path: Path) -> None:
        a, b, c = (tmp_path / f"{n}.duckdb" for n in "abc")
        for path, seed in ((a, 7), (b, 7), (c, 8)):
            demo.build_demo(str(path), rows=5_000, end=DEMO_END, seed=seed)
        ca, cb, cc = contents(a), contents(b), contents(c)
        assert ca == cb  # every row of every table, timestamps included
        assert all(ca[t] for t in ("plan_versions", "tasks", "review_notes", "risk_register", "csat_scores"))
        assert ca["sales"] != cc["sales"] and ca["csat_scores"] != cc["csat_scores"]

    def test_rebuild_in_place_replaces_the_year_of_use(self, tmp_path: Path) -> None:
        path = tmp_path / "a.duckdb"
        demo.build_demo(str(path), rows=5_000, end=DEMO_END)
        first = contents(path)
        demo.build_demo(str(path), rows=5_000, end=DEMO_END, force=True)  # it holds plans now
        again = contents(path)
        assert len(again.pop("audit_log")) > len(first.pop("audit_log"))  # the trail is kept
        assert {t: len(v) for t, v in again.items()} == {t: len(v) for t, v in first.items()}
        assert again["tasks"] == first["tasks"] and again["risk_register"] == first["risk_register"]

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


class TestLiving:
    """The demo as `make run` builds it: a year of use on top of the sales (ends on DEMO_END)."""

    def test_sales_are_the_same_as_without_the_year_of_use(
        self, demo_db_master: Path, living_db_master: Path
    ) -> None:
        sql = "SELECT * FROM sales ORDER BY ALL"
        assert q(living_db_master, sql) == q(demo_db_master, sql)  # the planted problems are untouched

    def test_plans_january_active_july_catch_up_and_next_years_draft(self, living_db_master: Path) -> None:
        with store.connect(living_db_master, read_only=True) as con:
            versions = store.list_plan_versions(con)
            active = store.active_plan(con, 2026)
            activations = store.plan_activations(con)
        by = {(v.fiscal_year, v.version): v for v in versions}
        assert sorted(by) == [(2026, 1), (2026, 2), (2027, 1)]
        jan, july, draft = by[(2026, 1)], by[(2026, 2)], by[(2027, 1)]
        assert active is not None and active.version_id == jan.version_id
        assert jan.created_at.date() == dt.date(2026, 1, 5)  # the first Monday at work
        assert list(activations["set_at"].dt.month) == [1]
        assert july.created_at.date().month == 7 and july.parent_id == jan.version_id
        assert july.params["source"] == "catch-up" and july.params["catch_up"]["as_of"] == "2026-06-30"
        assert july.target == jan.target  # a catch-up keeps the annual total
        assert draft.version_id != active.version_id and draft.created_at.date() <= DEMO_END
        assert (jan.author, july.author, draft.author) == (demo.DEMO_AUTHOR,) * 3
        (last_year,) = q(living_db_master, "SELECT sum(amount) FROM sales WHERE year(day) = 2025")[0]
        assert isinstance(last_year, Decimal)
        assert abs(jan.target / last_year - demo.PLAN_GROWTH) < Decimal("0.001")

    def test_tasks_in_every_state(self, living_db_master: Path) -> None:
        with store.connect(living_db_master, read_only=True) as con:
            df = tasks.classify(tasks.load(con), DEMO_END)
        counts = df["state"].value_counts().to_dict()
        assert set(counts) == set(tasks.STATES), counts
        assert 1 <= counts["overdue"] <= 4  # a few, not a backlog
        assert (pd.to_datetime(df["created_on"]).dt.date <= DEMO_END).all()
        done = df[df["done_date"].notna()]
        assert (pd.to_datetime(done["done_date"]).dt.date <= DEMO_END).all()
        assert set(df["source"]) == {"manual", "review"}

    def test_weekly_reviews_of_the_last_complete_weeks(self, living_db_master: Path) -> None:
        weeks = [w for (w,) in q(living_db_master, "SELECT DISTINCT iso_week FROM review_notes ORDER BY 1")]
        # DEMO_END is Thursday 2026-11-26: the last complete week is W47 (16-22 Nov).
        assert weeks == [f"2026-W{n}" for n in range(42, 48)]
        actions = q(living_db_master, "SELECT review_week, status FROM tasks WHERE source = 'review'")
        assert {w for w, _ in actions} == set(weeks)
        assert {s for w, s in actions if w == "2026-W47"} == {"open"}  # last week's actions are still open

    def test_register_entries_in_each_status(self, living_db_master: Path) -> None:
        with store.connect(living_db_master, read_only=True) as con:
            reg = store.register_entries(con)
            hist = store.register_history(con)
        assert set(reg["status"]) == set(store.REGISTER_STATUSES)
        entities = set(zip(reg["scope"], reg["entity_id"], strict=True))
        assert {("team", demo.DECLINING_TEAM), ("rep", demo.CONCENTRATED_REP)} <= entities
        assert "orphaned_customers" in set(reg["rule"])
        assert reg["occurrences"].max() >= 2  # a flag seen again links to its entry
        assert set(hist["action"]) >= {"created", "updated", "recurred"}

    def test_csat_answers_and_incentive_scheme(self, living_db_master: Path) -> None:
        (n, lo, hi, first, last) = q(
            living_db_master, "SELECT count(*), min(score), max(score), min(day), max(day) FROM csat_scores"
        )[0]
        assert isinstance(n, int) and n >= 24 * 5
        assert isinstance(lo, int) and isinstance(hi, int) and 1 <= lo < hi <= 5
        assert isinstance(first, dt.date) and isinstance(last, dt.date)
        assert first >= DEMO_END - dt.timedelta(days=demo.CSAT_DAYS) and last <= DEMO_END
        with store.connect(living_db_master, read_only=True) as con:
            scheme = incentives.load_plan(con)
        assert scheme.plan_id is not None and scheme != incentives.DEFAULT_PLAN

    @pytest.mark.parametrize(
        "end,plans",
        [
            (dt.date(2024, 2, 1), 0),  # no last year to plan from
            (dt.date(2025, 1, 3), 0),  # before the first working Monday of the year
            (dt.date(2025, 3, 10), 1),  # January plan only
            (dt.date(2025, 7, 10), 2),  # and the July catch-up
            (dt.date(2025, 10, 20), 3),  # and next year's draft
        ],
    )
    def test_any_end_day_builds(self, tmp_path: Path, end: dt.date, plans: int) -> None:
        res = demo.build_demo(str(tmp_path / "x.duckdb"), rows=2_000, end=end)
        assert res.living["plan_versions"] == plans
        assert q(tmp_path / "x.duckdb", "SELECT count(*) FROM plan_versions") == [(plans,)]
        assert q(tmp_path / "x.duckdb", "SELECT max(created_on) <= ? FROM tasks", end) in (
            [(True,)],
            [(None,)],
        )

    def test_cli_reports_the_year_of_use_and_can_leave_it_out(self, tmp_path: Path) -> None:
        from tests.unit.test_cli import cli

        full, bare = tmp_path / "full.duckdb", tmp_path / "bare.duckdb"
        args = ("--rows", "2000", "--end", DEMO_END.isoformat(), "--json")
        a = cli("demo", "--db", str(full), *args)
        b = cli("demo", "--db", str(bare), *args, "--sales-only")
        assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
        living = json.loads(a.stdout)["living"]
        assert living["plan_versions"] == 3 and living["tasks"] > 0 and living["register"] > 0
        assert json.loads(b.stdout)["living"] == {}
        assert q(bare, "SELECT count(*) FROM plan_versions") == [(0,)]
        assert q(bare, "SELECT count(*) FROM tasks") == [(0,)]
