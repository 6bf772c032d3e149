"""Scorecard: min-max KPI scores, weights and re-normalisation, rank, explanation, development focus, loading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import scorecard, store, tasks
from analysis.access import SYSTEM

D = dt.date


def kpis() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": ["A", "B", "C"],
            "rep": ["a", "b", "c"],
            "team": ["T", "T", "T"],
            "attainment": [1.2, 0.8, 1.0],
            "growth": [0.0, 0.1, -0.1],
            "new_customers": [2, 2, 2],
            "aov": [100.0, 300.0, 200.0],
            "on_time": [1.0, np.nan, 0.5],
        }
    )


class TestScores:
    def test_min_max_and_ties(self) -> None:
        assert scorecard.kpi_scores(pd.Series([1.0, 3.0, 2.0])).tolist() == [0.0, 100.0, 50.0]
        assert scorecard.kpi_scores(pd.Series([2, 2])).tolist() == [100.0, 100.0]
        assert scorecard.kpi_scores(pd.Series([np.nan, 1.0])).isna().tolist() == [True, False]

    def test_composite_rank_and_renormalised_weights(self) -> None:
        w = {"attainment": 40, "growth": 15, "new_customers": 15, "aov": 15, "on_time": 15}
        out = scorecard.score(kpis(), w).set_index("rep_id")
        # A: att 100, growth 50, new 100, aov 0, on_time 100
        assert out.loc["A", "composite"] == pytest.approx(
            (100 * 40 + 50 * 15 + 100 * 15 + 0 + 100 * 15) / 100
        )
        # B has no on-time value: its 15 drops out of the denominator
        assert out.loc["B", "composite"] == pytest.approx((0 + 100 * 15 + 100 * 15 + 100 * 15) / 85)
        assert out.loc["B", "weight_used"] == pytest.approx(0.85)
        assert out["rank"].tolist() == [1, 2, 3] and list(out.index) == ["A", "B", "C"]

    def test_weights_change_the_ranking(self) -> None:
        only_aov = {"attainment": 0, "growth": 0, "new_customers": 0, "aov": 1, "on_time": 0}
        assert scorecard.score(kpis(), only_aov)["rep_id"].tolist() == ["B", "C", "A"]

    @pytest.mark.parametrize("bad", [{"speed": 1}, {"aov": -1}, dict.fromkeys(scorecard.KPIS, 0)])
    def test_bad_weights(self, bad: dict[str, float]) -> None:
        with pytest.raises(scorecard.ScorecardError):
            scorecard.check_weights(bad)

    def test_saved_weights_merge(self) -> None:
        assert scorecard.merge_weights('{"aov": 30, "x": 1, "growth": -2}')["aov"] == 30.0
        assert scorecard.merge_weights("oops") == scorecard.DEFAULT_WEIGHTS

    def test_explain_shows_the_arithmetic(self) -> None:
        w = {"attainment": 40, "growth": 15, "new_customers": 15, "aov": 15, "on_time": 15}
        row = scorecard.score(kpis(), w).set_index("rep_id").loc["B"].to_dict()
        text = scorecard.explain(row, w, {k: k for k in scorecard.KPIS})
        assert text == "(attainment 0×40 + growth 100×15 + new_customers 100×15 + aov 100×15) / 85 = 52.9"

    def test_development_focus_below_team_median(self) -> None:
        focus = scorecard.development_focus(kpis())
        assert sorted(zip(focus["rep_id"], focus["kpi"], strict=True)) == [("A", "aov"), ("C", "on_time")]


class TestLoad:
    def test_demo_month_and_completed_task_counts(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            ids = tasks.create(con, [tasks.NewTask("R001", "call", "key_account")], D(2026, 11, 20))
            tasks.set_status(con, ids[0], "done", D(2026, 11, 24))
            sc = scorecard.load(con, D(2026, 11, 26))
        assert sc.period.label == "2026-11"
        t = sc.table.set_index("rep_id")
        assert t.loc["R001", "on_time"] == 1.0 and t.loc["R001", "tasks_counted"] == 1
        assert t["on_time"].notna().sum() == 1
        assert sorted(t["rank"].tolist()) == list(range(1, len(t) + 1))
        assert t["composite"].between(0, 100).all()
        with_target = t["expected_cents"] > 0
        assert (
            t.loc[with_target, "attainment"].notna().all() and t.loc[~with_target, "attainment"].isna().all()
        )

    def test_a_task_done_today_counts_when_the_data_ends_yesterday(self, demo_db: Path) -> None:
        """Sales are measured to the last data day (2026-11-26); a task done the next day, today,
        counts in November's scorecard, and not in one read as of that day without today."""
        with store.connect(demo_db, actor=SYSTEM) as con:
            ids = tasks.create(con, [tasks.NewTask("R001", "call", "key_account")], D(2026, 11, 23))
            tasks.set_status(con, ids[0], "done", D(2026, 11, 27))
            today = scorecard.load(con, D(2026, 11, 26), "2026-11", today=D(2026, 11, 27)).table
            as_of = scorecard.load(con, D(2026, 11, 26), "2026-11").table
        t = today.set_index("rep_id")
        assert t.loc["R001", "on_time"] == 1.0 and t.loc["R001", "tasks_counted"] == 1
        assert as_of["tasks_counted"].sum() == 0
        same = as_of.set_index("rep_id")["attainment"].reindex(t.index)
        assert t["attainment"].equals(same)  # sales still measured to the as-of day

    def test_future_period_refused(self, demo_db: Path) -> None:
        with (
            store.connect(demo_db, actor=SYSTEM) as con,
            pytest.raises(scorecard.ScorecardError, match="after"),
        ):
            scorecard.load(con, D(2026, 11, 26), "2026-12")

    def test_saved_weights_used(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            scorecard.save_weights(
                con, {"attainment": 1, "growth": 0, "new_customers": 0, "aov": 0, "on_time": 0}
            )
            sc = scorecard.load(con, D(2026, 11, 26))
        assert sc.table["attainment"].iloc[0] == sc.table["attainment"].max()
