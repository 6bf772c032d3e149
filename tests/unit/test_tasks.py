"""Tasks: default deadlines, validation, states, on-time counting, suggestions, quiet-customer follow-ups, store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analysis import risks, store, tasks
from analysis.access import SYSTEM

D = dt.date


class TestDeadlines:
    @pytest.mark.parametrize(
        "kind,created,expected",
        [
            ("key_account", D(2026, 11, 23), D(2026, 11, 30)),  # one week
            ("maintenance", D(2026, 11, 23), D(2026, 12, 23)),  # one calendar month
            ("maintenance", D(2026, 1, 31), D(2026, 2, 28)),  # clamped to the month's end
            ("maintenance", D(2028, 1, 31), D(2028, 2, 29)),  # leap year
            ("maintenance", D(2026, 12, 15), D(2027, 1, 15)),  # across the year
            ("new_customer", D(2026, 11, 23), D(2026, 12, 7)),
        ],
    )
    def test_defaults(self, kind: str, created: dt.date, expected: dt.date) -> None:
        assert tasks.default_deadline(kind, created) == expected

    def test_edited_rules(self) -> None:
        rules = tasks.merge_rules('{"key_account": "3d", "maintenance": "2m", "bogus": "1d", "other": "x"}')
        assert rules["key_account"] == "3d" and rules["maintenance"] == "2m" and rules["other"] == "2w"
        assert "bogus" not in rules
        assert tasks.default_deadline("key_account", D(2026, 11, 23), rules) == D(2026, 11, 26)

    @pytest.mark.parametrize("bad", ["", "0d", "1y", "w", "1000d"])
    def test_bad_rule(self, bad: str) -> None:
        with pytest.raises(tasks.TaskError):
            tasks.parse_rule(bad)

    def test_corrupt_setting_falls_back(self) -> None:
        assert tasks.merge_rules("{not json") == tasks.DEFAULT_DEADLINES


class TestNewTasks:
    def test_defaults_filled(self) -> None:
        df = tasks.new_tasks_frame([tasks.NewTask("R001", " call ", "key_account")], D(2026, 11, 23))
        row = df.iloc[0]
        assert row["title"] == "call" and row["priority"] == "high" and row["status"] == "open"
        assert row["deadline"] == D(2026, 11, 30)

    @pytest.mark.parametrize(
        "item,msg",
        [
            (tasks.NewTask("", "x"), "owner"),
            (tasks.NewTask("R1", "  "), "title"),
            (tasks.NewTask("R1", "x", "visit"), "type"),
            (tasks.NewTask("R1", "x", priority="urgent"), "priority"),
            (tasks.NewTask("R1", "x", deadline=D(2026, 11, 1)), "before"),
        ],
    )
    def test_refused(self, item: tasks.NewTask, msg: str) -> None:
        with pytest.raises(tasks.TaskError, match=msg):
            tasks.new_tasks_frame([item], D(2026, 11, 23))


def frame(rows: list[tuple[str, str, dt.date, dt.date | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rep_id", "status", "deadline", "done_date"])


class TestStates:
    @pytest.mark.parametrize(
        "status,deadline,done,state",
        [
            ("open", D(2026, 11, 20), None, "overdue"),
            ("doing", D(2026, 11, 26), None, "overdue"),  # yesterday
            ("open", D(2026, 11, 27), None, "due_soon"),  # today
            ("open", D(2026, 11, 30), None, "due_soon"),  # in 3 days
            ("open", D(2026, 12, 1), None, "open"),  # in 4 days
            ("done", D(2026, 11, 20), D(2026, 11, 20), "done"),  # on the deadline = on time
            ("done", D(2026, 11, 20), D(2026, 11, 21), "done_late"),
            ("cancelled", D(2026, 11, 1), None, "cancelled"),
        ],
    )
    def test_state(self, status: str, deadline: dt.date, done: dt.date | None, state: str) -> None:
        out = tasks.classify(frame([("R1", status, deadline, done)]), D(2026, 11, 27))
        assert out["state"].iloc[0] == state
        assert out["days_left"].iloc[0] == (deadline - D(2026, 11, 27)).days


class TestOnTime:
    def test_counting(self) -> None:
        df = frame(
            [
                ("R1", "done", D(2026, 11, 10), D(2026, 11, 9)),  # on time
                ("R1", "done", D(2026, 11, 10), D(2026, 11, 12)),  # late
                ("R1", "open", D(2026, 11, 15), None),  # due in window, open → late
                ("R1", "open", D(2026, 12, 15), None),  # not due yet: not counted
                ("R1", "done", D(2026, 12, 15), D(2026, 11, 20)),  # done early in window: on time
                ("R1", "cancelled", D(2026, 11, 15), None),  # never counted
                ("R2", "done", D(2026, 10, 1), D(2026, 10, 1)),  # outside the window
            ]
        )
        out = tasks.on_time(df, D(2026, 11, 1), D(2026, 11, 30))
        assert out.to_dict(orient="records") == [
            {"rep_id": "R1", "counted": 4, "on_time": 2, "late": 2, "rate": 0.5}
        ]

    def test_done_after_window_counts_late(self) -> None:
        df = frame([("R1", "done", D(2026, 11, 10), D(2026, 12, 2))])
        assert tasks.on_time(df, D(2026, 11, 1), D(2026, 11, 30))["on_time"].tolist() == [0]


class TestSuggest:
    reps = pd.DataFrame(
        {
            "rep_id": ["S1", "S2", "M1", "J1", "J2", "X"],
            "level": ["senior", "senior", "mid", "junior", "junior", "junior"],
            "leave_date": [None, None, None, None, None, D(2026, 1, 1)],
        }
    )

    def test_new_customers_to_seniors_with_least_load(self) -> None:
        assert tasks.suggest_assignee("new_customer", self.reps, {"S1": 3, "S2": 1}) == "S2"

    def test_follow_ups_to_juniors_never_leavers(self) -> None:
        assert tasks.suggest_assignee("key_account", self.reps, {"J1": 2}) == "J2"
        assert tasks.suggest_assignee("maintenance", self.reps, {"J1": 1, "J2": 1}) == "J1"

    def test_empty(self) -> None:
        assert tasks.suggest_assignee("other", self.reps.iloc[:0]) is None


class TestQuietCustomers:
    def test_one_task_per_customer_skipping_open_ones(self) -> None:
        quiet = pd.DataFrame(
            {
                "rep_id": ["R1", "R1", "R2"],
                "customer_id": ["C1", "C2", "C3"],
                "customer": ["Acme", "=cmd", "Beta"],
                "last_day": [D(2026, 9, 1)] * 3,
                "interval_days": [10.0, 10.0, 10.0],
                "silent_days": [80, 40, 40],
                "overdue_ratio": [8.0, 4.0, 3.9],
            }
        )
        existing = pd.DataFrame({"rep_id": ["R2"], "customer_id": ["C3"], "status": ["open"]})
        out = tasks.from_quiet_customers(quiet, existing, "Follow up {customer}")
        assert [(t.customer_id, t.priority, t.task_type) for t in out] == [
            ("C1", "high", "key_account"),
            ("C2", "high", "key_account"),
        ]
        assert out[1].title == "Follow up =cmd"


class TestStore:
    def test_create_complete_and_risk_rule(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            ids = tasks.create(
                con,
                [
                    tasks.NewTask("R001", "Visit key account", "key_account", deadline=D(2026, 11, 10)),
                    tasks.NewTask("R002", "Routine call", "maintenance"),
                ],
                D(2026, 11, 2),
            )
            assert ids == [1, 2]
            df = tasks.load(con)
            assert df["rep"].notna().all() and df["created_by"].tolist() == ["system", "system"]
            inputs = risks.load_inputs(con, D(2026, 11, 26))
            flags = risks.evaluate(inputs, ["overdue_tasks"]).flags
            assert [
                (f.entity_id, f.evidence["overdue_tasks"], f.evidence["days_overdue"]) for f in flags
            ] == [("R001", 1, 16)]
            assert tasks.set_status(con, 1, "done", D(2026, 11, 26)) == {
                "status": ["open", "done"],
                "done_date": [None, D(2026, 11, 26)],
            }
            assert risks.evaluate(risks.load_inputs(con, D(2026, 11, 26)), ["overdue_tasks"]).flags == []
            assert tasks.set_status(con, 1, "open", D(2026, 11, 26))["done_date"] == [D(2026, 11, 26), None]

    def test_unknown_rep_and_status(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            with pytest.raises(tasks.TaskError, match="unknown rep"):
                tasks.create(con, [tasks.NewTask("NOPE", "x")], D(2026, 11, 2))
            with pytest.raises(tasks.TaskError, match="status"):
                tasks.set_status(con, 1, "finished", D(2026, 11, 2))
            with pytest.raises(store.StoreError, match="no task"):
                tasks.set_status(con, 99, "done", D(2026, 11, 2))
            assert tasks.load(con).empty

    def test_saved_rules_apply(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            tasks.save_rules(con, {"key_account": "3d"})
            tasks.create(con, [tasks.NewTask("R001", "x", "key_account")], D(2026, 11, 2))
            assert pd.Timestamp(tasks.load(con)["deadline"].iloc[0]).date() == D(2026, 11, 5)
            with pytest.raises(tasks.TaskError):
                tasks.save_rules(con, {"key_account": "soon"})
