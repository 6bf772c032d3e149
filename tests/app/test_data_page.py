"""The data page (pages/3_data.py) in AppTest: upload, options, preview, confirm, history and undo."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from tests import classicmodels
from tests.app.conftest import app

PAGE = "pages/3_data.py"
CSV = "text/csv"


def page(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """The data page inside the app (page links resolve against the entry file, dashboard.py)."""
    at = app("dashboard.py", db, monkeypatch, **params)
    at.switch_page(PAGE)
    return at.run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, CSV))
    return at.run()


def by_prefix(widgets, prefix: str):  # type: ignore[no-untyped-def]
    """The one widget whose key starts with ``prefix`` (keys carry the file's hash)."""
    hits = [w for w in widgets if w.key and w.key.startswith(prefix)]
    assert len(hits) == 1, [w.key for w in widgets]
    return hits[0]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def imports(db: Path) -> list[tuple[int, int, Decimal, object]]:
    with store.connect(db, read_only=True) as con:
        return [
            (int(r[0]), int(r[1]), Decimal(r[2]), r[3])
            for r in con.execute(
                "SELECT import_id, rows, total, undone_at FROM imports ORDER BY 1"
            ).fetchall()
        ]


def csv(*lines: str, header: str = "日期,销售员,客户,金额") -> bytes:
    return "\n".join([header, *lines]).encode("utf-8")


class TestEmptyAndHistory:
    def test_empty_database_shows_uploader_and_no_history(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(tmp_path / "e.duckdb", monkeypatch)
        assert not at.exception
        assert at.title[0].value == "导入实际销售"
        assert len(at.file_uploader) == 1
        assert [i.value for i in at.info] == ["还没有导入记录。"]

    def test_history_lists_the_demo_and_undo_asks_first(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        assert not at.exception
        hist = at.dataframe[-1].value
        assert hist["#"].tolist() == [1] and hist["State"].tolist() == ["in effect"]
        at.button(key="undo_1").click().run()
        assert imports(demo_db)[0][3] is None  # nothing happens before the confirmation
        assert "Undo import #1 (demo" in at.warning[0].value
        at.button(key="undo_yes").click().run()
        assert not at.exception
        assert imports(demo_db)[0][3] is not None
        assert any("Undid #1: removed 30,000 rows" in s.value for s in at.success)
        assert at.dataframe[-1].value["State"].iloc[0].startswith("undone")


class TestUpload:
    def test_clean_file_preview_confirm_success(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "u.duckdb"
        at = page(db, monkeypatch)
        at = upload(
            at, "s.csv", csv("2026-11-03,张三,甲,1234.50", "2026-11-04,李四,乙,100", "合计,,,1334.50")
        )
        assert not at.exception
        m = metrics(at)
        assert m["待导入行数"] == "2" and m["合计金额"] == "1,334.50" and m["跳过行数"] == "1"
        assert m["日期范围"] == "2026-11-03 – 2026-11-04"
        skipped = at.dataframe[0].value
        assert skipped.iloc[0].tolist() == ["totals row", 1, "4"]
        at.button(key="confirm").click().run()
        assert not at.exception
        assert imports(db) == [(1, 2, Decimal("1334.50"), None)]
        assert any(s.value.startswith("已导入 #1：2 行，合计 1,334.50") for s in at.success)
        assert len(at.file_uploader) == 1 and at.file_uploader[0].value is None  # a fresh uploader

    def test_errors_block_until_excluded(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        db = tmp_path / "u.duckdb"
        at = page(db, monkeypatch, lang="English")
        at = upload(at, "e.csv", csv("2026-11-03,张三,甲,100", "2026-11-04,李四,乙,12%"))
        errors = at.dataframe[0].value
        assert errors.iloc[0].tolist() == [3, "金额", "12%", "a percentage is not an amount"]
        assert at.button(key="confirm").disabled
        assert len(at.get("download_button")) == 1
        at.checkbox[0].check().run()
        assert not at.button(key="confirm").disabled
        at.button(key="confirm").click().run()
        assert imports(db) == [(1, 1, Decimal("100.00"), None)]

    def test_ambiguous_amount_is_resolved_on_the_page(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "a.duckdb"
        at = page(db, monkeypatch, lang="English")
        at = upload(
            at,
            "aw.csv",
            csv("2026-11-03,Ann,100.00,113.00", header="OrderDate,SalesPerson,SubTotal,TotalDue"),
        )
        assert "SubTotal" in at.code[0].value
        by_prefix(at.radio, "fix_amount_").set_value("TotalDue").run()
        assert not at.exception
        assert metrics(at)["Total"] == "113.00"
        assert by_prefix(at.selectbox, "map_amount_").value == "TotalDue"
        at.button(key="confirm").click().run()  # the choice survives the radio going away
        assert imports(db) == [(1, 1, Decimal("113.00"), None)]

    def test_same_file_twice_is_refused_on_the_page(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        body = csv("2026-11-03,张伟,甲,10")
        at = page(demo_db, monkeypatch, lang="English")
        upload(at, "a.csv", body).button(key="confirm").click().run()
        at = upload(at, "a-again.csv", body)
        assert any("already imported" in w.value and "#2" in w.value for w in at.warning)
        assert not [b for b in at.button if b.key == "confirm"]
        assert len(imports(demo_db)) == 2

    def test_unknown_rep_suggestion_is_preselected(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = page(demo_db, monkeypatch)
        at = upload(at, "r.csv", csv("2026-11-03,张\u3000伟,甲,10", "2026-11-03,新同事,甲,5"))
        reps = {s.label.split("（")[0]: s for s in at.selectbox if s.key and s.key.startswith("rep_")}
        assert reps["张\u3000伟"].value == "张伟"
        assert reps["新同事"].value == "\x00create"
        at.button(key="confirm").click().run()
        with store.connect(demo_db, read_only=True) as con:
            new = con.execute("SELECT new_reps FROM imports WHERE import_id = 2").fetchall()[0][0]
        assert new == '["新同事"]'

    def test_overlap_offers_modes(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(demo_db, monkeypatch, lang="English")
        upload(at, "a.csv", csv("2026-11-03,张伟,甲,10")).button(key="confirm").click().run()
        at = upload(at, "b.csv", csv("2026-11-03,张伟,甲,12"))
        assert any("already has 1 rows" in w.value for w in at.warning)
        by_prefix(at.radio, "mode_").set_value("replace-range").run()
        at.button(key="confirm").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            live = con.execute(
                "SELECT sum(amount) FROM sales WHERE source = 'upload' AND removed_by IS NULL"
            ).fetchall()
        assert live[0][0] == Decimal("12.00")

    def test_stage_values_can_be_changed(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = page(tmp_path / "s.duckdb", monkeypatch, lang="English")
        body = csv(
            "2026-11-03,Ann,Closed Won,100",
            "2026-11-04,Ann,Negotiation,70",
            header="Close Date,Owner,Stage,Amount",
        )
        at = upload(at, "crm.csv", body)
        assert metrics(at)["Total"] == "100.00"
        ms = at.multiselect[0]
        assert ms.value == ["Closed Won"]
        ms.select("Negotiation").run()
        assert metrics(at)["Total"] == "170.00"


class TestStatusPolicy:
    def test_classicmodels_preview_lists_every_status(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db = tmp_path / "c.duckdb"
        at = upload(page(db, monkeypatch, lang="English"), "orders.csv", classicmodels.orders_csv())
        assert not at.exception
        assert metrics(at)["Rows to import"] == "320" and metrics(at)["Total"] == "9,365,336.43"
        (table,) = [d.value for d in at.dataframe if "Status" in d.value.columns]
        rows = {r["Status"]: (r["Rows"], r["Amount"], r["Counts"]) for _, r in table.iterrows()}
        assert rows["Cancelled"] == (6, "238,854.18", "✗ left out")
        assert rows["Disputed"][2] == "✓ counts" and len(rows) == 6
        by_prefix(at.multiselect, "stages_").select("Cancelled").run()
        assert metrics(at)["Rows to import"] == "326" and metrics(at)["Total"] == "9,604,190.61"
        at.button(key="confirm").click().run()
        assert imports(db) == [(1, 326, Decimal("9604190.61"), None)]

    def test_unknown_status_is_asked_before_importing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        body = csv(
            "2026-11-03,Ann,Shipped,100", "2026-11-04,Bob,Backordered,70", header="Date,Rep,Status,Amount"
        )
        at = upload(page(tmp_path / "u.duckdb", monkeypatch, lang="English"), "o.csv", body)
        assert not at.exception
        assert metrics(at)["Total"] == "100.00"
        assert at.button(key="confirm").disabled  # asked first
        ask = by_prefix(at.radio, "status_")
        assert ask.value is None and ask.options == ["count 'Backordered'", "leave 'Backordered' out"]
        ask.set_value("count").run()
        assert metrics(at)["Total"] == "170.00" and not at.button(key="confirm").disabled
