"""Freshness: figures know the last day with data, and a later as-of day never counts as elapsed
without sales (store.data_through, metrics.measured_day / load_inputs, risks, the CLI defaults)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from analysis import cli, metrics, risks, store
from tests.conftest import DEMO_END

LATER = DEMO_END + dt.timedelta(days=6)  # a week on, no new data


class TestDataThrough:
    def test_is_the_last_day_with_sales(self, demo_db_master: Path) -> None:
        with store.connect(demo_db_master, read_only=True) as con:
            assert store.data_through(con) == DEMO_END == store.sales_bounds(con)[1]

    def test_empty_store_has_none(self, tmp_path: Path) -> None:
        path = store.init_db(tmp_path / "empty.duckdb")
        with store.connect(path, read_only=True) as con:
            assert store.data_through(con) is None

    @pytest.mark.parametrize(
        ("as_of", "through", "day"),
        [
            (dt.date(2026, 12, 2), dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
            (dt.date(2026, 11, 2), dt.date(2026, 12, 1), dt.date(2026, 11, 2)),
            (dt.date(2026, 12, 1), dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
            (dt.date(2026, 12, 2), None, dt.date(2026, 12, 2)),
        ],
    )
    def test_measured_day(self, as_of: dt.date, through: dt.date | None, day: dt.date) -> None:
        assert metrics.measured_day(as_of, through) == day


class TestMeasuredTo:
    def test_a_later_day_is_measured_to_the_last_data_day(self, demo_db_master: Path) -> None:
        with store.connect(demo_db_master, read_only=True) as con:
            later = metrics.load_inputs(con, LATER)
            last = metrics.load_inputs(con, DEMO_END)
        assert (later.as_of, later.requested_as_of, later.data_through) == (DEMO_END, LATER, DEMO_END)
        assert later.measured_short and not last.measured_short
        # Same elapsed days, pace, forecast and growth: the week without data changed nothing.
        for grain in metrics.PERIOD_GRAINS:
            for scope, key in (("company", None), ("team", "T03"), ("rep", "R005")):
                p_late = metrics.progress(later, metrics.period_of(later.fy, later.as_of, grain), scope, key)  # type: ignore[arg-type]
                p_last = metrics.progress(last, metrics.period_of(last.fy, last.as_of, grain), scope, key)  # type: ignore[arg-type]
                assert p_late == p_last

    def test_an_earlier_day_is_not_changed(self, demo_db_master: Path) -> None:
        day = DEMO_END - dt.timedelta(days=20)
        with store.connect(demo_db_master, read_only=True) as con:
            data = metrics.load_inputs(con, day)
        assert (data.as_of, data.requested_as_of, data.data_through) == (day, day, DEMO_END)
        assert not data.measured_short

    def test_flags_a_day_later_without_new_data_are_the_same(self, demo_db_master: Path) -> None:
        with store.connect(demo_db_master, read_only=True) as con:
            last = risks.evaluate(risks.load_inputs(con, DEMO_END))
            next_day = risks.evaluate(risks.load_inputs(con, DEMO_END + dt.timedelta(days=1)))
        assert last.flags and [f.to_dict("en") for f in next_day.flags] == [
            f.to_dict("en") for f in last.flags
        ]
        assert (next_day.as_of, next_day.data_through, next_day.requested_as_of) == (
            DEMO_END,
            DEMO_END,
            DEMO_END + dt.timedelta(days=1),
        )


class TestCli:
    @pytest.mark.parametrize("command", ["progress", "risks"])
    def test_default_as_of_is_the_last_data_day(
        self, demo_db: Path, command: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert cli.main([command, "--db", str(demo_db), "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["as_of"] == doc["measured_to"] == doc["data_through"] == DEMO_END.isoformat()

    @pytest.mark.parametrize("command", ["progress", "risks"])
    def test_a_later_as_of_says_where_it_is_measured_to(
        self, demo_db: Path, command: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert cli.main([command, "--db", str(demo_db), "--as-of", LATER.isoformat(), "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert (doc["as_of"], doc["measured_to"], doc["data_through"]) == (
            LATER.isoformat(),
            DEMO_END.isoformat(),
            DEMO_END.isoformat(),
        )
        assert cli.main([command, "--db", str(demo_db), "--as-of", LATER.isoformat()]) == 0
        assert f"measured to {DEMO_END}" in capsys.readouterr().out

    def test_same_numbers_a_week_later(self, demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        docs = []
        for day in (DEMO_END, LATER):
            assert (
                cli.main(
                    ["progress", "--db", str(demo_db), "--as-of", day.isoformat(), "--by", "rep", "--json"]
                )
                == 0
            )
            docs.append(json.loads(capsys.readouterr().out)["rows"])
        assert docs[0] == docs[1]
