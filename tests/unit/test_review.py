"""Weekly review: week parsing, per-rep numbers against hand sums, team sums, running weeks, notes → tasks, Markdown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analysis import metrics, review, store, tasks
from analysis.access import SYSTEM

D = dt.date


class TestWeeks:
    @pytest.mark.parametrize(
        "label,monday",
        [("2026-W48", D(2026, 11, 23)), ("2026-W01", D(2025, 12, 29)), ("2026-W53", D(2026, 12, 28))],
    )
    def test_parse(self, label: str, monday: dt.date) -> None:
        assert review.parse_week(label) == (monday, monday + dt.timedelta(days=6))
        assert review.week_label(monday) == label

    @pytest.mark.parametrize("bad", ["2026-48", "2026-W1", "2025-W53", "2026-W00", "W48", "2026-W48 x"])
    def test_bad(self, bad: str) -> None:
        with pytest.raises(review.ReviewError):
            review.parse_week(bad)

    def test_previous(self) -> None:
        assert review.previous_week("2026-W01") == "2025-W52"

    @pytest.mark.parametrize(
        "day,week",
        [
            (D(2026, 12, 1), "2026-W48"),  # Tuesday: W49 is running, W48 (11-23 .. 11-29) is complete
            (D(2026, 11, 29), "2026-W48"),  # Sunday: its own week is complete
            (D(2026, 11, 30), "2026-W48"),  # Monday
            (D(2026, 1, 3), "2025-W52"),  # Saturday of 2026-W01
        ],
    )
    def test_last_complete_week(self, day: dt.date, week: str) -> None:
        assert review.last_complete_week(day) == week


@pytest.fixture
def loaded(demo_db: Path) -> tuple[Path, review.WeeklyReview]:
    with store.connect(demo_db, actor=SYSTEM) as con:
        return demo_db, review.load(con, "2026-W47")


class TestNumbers:
    def test_actuals_match_store(self, loaded: tuple[Path, review.WeeklyReview]) -> None:
        db, rv = loaded
        with store.connect(db, read_only=True) as con:
            week = store.rep_totals(con, D(2026, 11, 16), D(2026, 11, 22))
            prev = store.rep_totals(con, D(2026, 11, 9), D(2026, 11, 15))
        got = rv.reps.set_index("rep_id")
        for rid, cents in zip(week["rep_id"], week["amount_cents"], strict=True):
            assert int(got["actual_cents"].get(rid, 0)) == int(cents)
        assert int(rv.reps["prev_cents"].sum()) == int(prev["amount_cents"].sum())
        assert rv.total["actual"] == metrics.cents_to_decimal(int(week["amount_cents"].sum()))
        assert rv.complete and rv.as_of == D(2026, 11, 22)

    def test_targets_are_the_plan_week(self, loaded: tuple[Path, review.WeeklyReview]) -> None:
        db, rv = loaded
        with store.connect(db, read_only=True) as con:
            data = metrics.load_inputs(con, D(2026, 11, 22))
        i0 = data.idx(D(2026, 11, 16))
        assert int(rv.reps["target_cents"].sum()) == int(data.plan[:, i0 : i0 + 7].sum())
        assert rv.plan_source == "default"

    def test_teams_sum_reps_exactly(self, loaded: tuple[Path, review.WeeklyReview]) -> None:
        _, rv = loaded
        for col in ("target_cents", "actual_cents", "prev_cents", "expected_cents"):
            assert int(rv.teams[col].sum()) == int(rv.reps[col].sum())
        r = rv.teams.iloc[0]
        assert r["attainment"] == pytest.approx(r["actual_cents"] / r["target_cents"])

    def test_wins_are_the_largest_deals(self, loaded: tuple[Path, review.WeeklyReview]) -> None:
        _, rv = loaded
        amounts = rv.wins["amount_cents"].tolist()
        assert len(amounts) == review.WINS and amounts == sorted(amounts, reverse=True)
        days = pd.to_datetime(rv.wins["day"]).dt.date
        assert days.between(D(2026, 11, 16), D(2026, 11, 22)).all()

    def test_problems_are_risk_flags(self, loaded: tuple[Path, review.WeeklyReview]) -> None:
        _, rv = loaded
        probs = rv.problems("en")
        assert len(probs) == len(rv.flags) > 0
        assert set(probs["severity"]) <= {"high", "medium", "low"}


class TestRunningWeek:
    def test_like_for_like(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            rv = review.load(con, "2026-W48", as_of=D(2026, 11, 25))  # Mon..Wed
            wk = store.total_between(con, D(2026, 11, 23), D(2026, 11, 25))
            prev = store.total_between(con, D(2026, 11, 16), D(2026, 11, 18))
        assert not rv.complete
        assert rv.total["actual"] == wk and rv.total["previous"] == prev
        assert rv.total["expected"] < rv.total["target"]

    def test_week_after_as_of_refused(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con, pytest.raises(review.ReviewError, match="after"):
            review.load(con, "2026-W49", as_of=D(2026, 11, 25))


class TestNotesAndActions:
    def test_next_actions_become_tasks_and_show_next_week(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            ids = review.save(
                con,
                "2026-W47",
                {"R001": "Big order slipped", "R002": ""},
                [tasks.NewTask("R001", "Call back Acme", "key_account")],
                D(2026, 11, 23),
            )
            assert ids == [1]
            t = tasks.load(con).iloc[0]
            assert (t["review_week"], t["source"]) == ("2026-W47", "review")
            assert pd.Timestamp(t["deadline"]).date() == D(2026, 11, 30)
            this = review.load(con, "2026-W47")
            assert this.notes == {"R001": "Big order slipped"}
            nxt = review.load(con, "2026-W48", as_of=D(2026, 11, 26))
            assert nxt.actions["title"].tolist() == ["Call back Acme"]
            assert nxt.actions["state"].tolist() == ["open"]
            review.save(con, "2026-W47", {"R001": " "}, [], D(2026, 11, 23))
            assert review.load(con, "2026-W47").notes == {}


class TestMarkdown:
    def test_sections_and_escaping(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.save_review_notes(con, "2026-W47", {"R001": "a | b\nc"})
            rv = review.load(con, "2026-W47")
        md = review.to_markdown(rv, "en")
        assert md.startswith("## Weekly review 2026-W47 (2026-11-16 to 2026-11-22)")
        for section in (
            "### Reps",
            "### Wins (largest deals)",
            "### Problems (risk flags)",
            "### Last week's actions",
        ):
            assert section in md
        assert "a \\| b c" in md
        table = [line for line in md.splitlines() if line.startswith("| ")]
        assert len(table) == 1 + len(rv.reps)
        assert "周会" in review.to_markdown(rv, "zh")
