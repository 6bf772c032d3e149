"""Bulk tasks from Excel/CSV: columns found by header, type labels, default deadlines, per-row errors,
all-or-nothing creation; and the tasks page's uploader (AppTest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analysis import store, tasks
from analysis.access import SYSTEM
from analysis.filesafety import UploadRefused
from tests.workbooks import xlsx

D = dt.date
TODAY = D(2026, 11, 26)
REPS = pd.DataFrame(
    {
        "rep_id": ["R001", "R002", "R003"],
        "name": ["张三", "李四", "赵六"],
        "leave_date": [None, None, D(2026, 6, 30)],
    }
)
CUSTOMERS = pd.DataFrame({"customer_id": ["C001", "C002"], "name": ["甲公司", "乙公司"]})


def read(data: bytes, name: str = "tasks.csv") -> tasks.TaskFile:
    return tasks.read_task_file(data, name, REPS, CUSTOMERS, TODAY)


class TestRead:
    def test_defaults_by_type_and_labels(self) -> None:
        tf = read(
            "任务,销售,客户,类型,截止日期\n"
            "拜访甲公司,张三,甲公司,重点客户跟进,\n"
            "季度回访,R002,C002,Routine maintenance,2026-12-20\n"
            "整理资料,李四,,,\n"
            "开发新客户,张三,,new_customer,\n".encode()
        )
        assert not tf.errors and tf.rows == [2, 3, 4, 5]
        frame = tasks.new_tasks_frame(tf.items, TODAY)
        assert frame["type"].tolist() == ["key_account", "maintenance", "other", "new_customer"]
        assert frame["deadline"].tolist() == [
            D(2026, 12, 3),
            D(2026, 12, 20),
            D(2026, 12, 10),
            D(2026, 12, 10),
        ]
        assert [i.customer_id for i in tf.items] == ["C001", "C002", None, None]
        assert set(frame["source"]) == {"excel"} and frame["priority"].tolist()[0] == "high"

    def test_every_problem_is_a_row_error(self) -> None:
        tf = read(
            "Title,Owner,Customer,Type,Due\n"
            ",R001,,,\n"  # no title
            "Call,nobody,,,\n"  # unknown rep
            "Call,赵六,,,\n"  # left
            "Call,R001,丙公司,visit,\n"  # unknown customer, unknown type
            "Call,R001,,,2026-11-01\n"  # past deadline
            "Call,R001,,,tomorrow\n"  # not a date
            "Fine,R002,,,\n".encode()
        )
        got = [(e.row, e.column) for e in tf.errors]
        assert got == [
            (2, "Title"),
            (3, "Owner"),
            (4, "Owner"),
            (5, "Customer"),
            (5, "Type"),
            (6, "Due"),
            (7, "Due"),
        ]
        assert "has left" in tf.errors[2].reason and "before today" in tf.errors[5].reason
        assert [i.title for i in tf.items] == ["Fine"] and tf.rows == [8]

    def test_xlsx_with_title_rows_and_date_cells(self) -> None:
        data = xlsx(
            [["11月任务清单"], [], ["标题", "负责人", "截止"], ["跟进报价", "李四", dt.datetime(2026, 12, 1)]]
        )
        tf = read(data, "t.xlsx")
        assert not tf.errors and tf.rows == [4] and tf.items[0].deadline == D(2026, 12, 1)

    def test_missing_columns_and_empty_file(self) -> None:
        with pytest.raises(UploadRefused, match="no column for rep"):
            read("任务,客户\n拜访,甲公司\n".encode())
        tf = read("任务,销售\n".encode())
        assert tf.errors and "no tasks" in tf.errors[0].reason


class TestImport:
    def test_all_or_nothing(self, demo_db: Path) -> None:
        bad = "任务,销售\n拜访,R001\n回访,nobody\n".encode()
        good = "任务,销售,类型\n拜访,R001,重点客户跟进\n回访,R002,日常维护\n".encode()
        with store.connect(demo_db, actor=SYSTEM) as con:
            with pytest.raises(tasks.TaskError, match="row 3"):
                tasks.import_file(con, bad, "bad.csv", TODAY)
            assert tasks.load(con).empty
            tf = tasks.import_file(con, good, "good.csv", TODAY)
            df = tasks.load(con)
        assert len(tf.items) == 2 and df["title"].tolist() == ["拜访", "回访"]
        assert df["deadline"].astype(str).tolist() == ["2026-12-03", "2026-12-26"]
