"""CSAT uploader on the scorecard page (pages/8_scorecard.py) in AppTest: import → KPI column; errors per row."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import csat, store
from tests.app.conftest import app as app_for

PAGE = "pages/8_scorecard.py"
CSV = "text/csv"


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    at = app_for("dashboard.py", db, monkeypatch, asof="2026-11-26", **params)
    at.switch_page(PAGE)
    return at


def customer(db: Path) -> str:
    with store.connect(db, read_only=True) as con:
        return str(store.customers_frame(con)["name"].iloc[0])


class TestCsatUpload:
    def test_no_scores_no_column(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        assert not at.exception
        assert "Customer satisfaction" not in at.dataframe[0].value.columns
        assert at.number_input(key="w_csat").value == 10.0

    def test_import_adds_the_kpi(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # November, where the scores fall: the page opens on the last complete month (October, 79ed07f).
        at = app(demo_db, monkeypatch, lang="English", period="2026-11").run()
        body = f"date,customer,rep,score\n2026-11-02,{customer(demo_db)},R001,4\n2026-11-03,{customer(demo_db)},R001,5\n"
        at.file_uploader(key="csat_file").set_value(("csat.csv", body.encode(), CSV)).run()
        at.button(key="csat_go").click().run()
        assert not at.exception
        assert at.success[0].value == "Imported 2 satisfaction scores (#1)."
        table = at.dataframe[0].value
        row = table[table["Rep"] == table["Rep"][table["CSAT answers"] > 0].iloc[0]]
        assert row["Customer satisfaction"].iloc[0] == 4.5

    def test_row_errors_are_listed_and_nothing_stored(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app(demo_db, monkeypatch, lang="English").run()
        body = "date,customer,rep,score\n2026-11-02,nobody,R001,9\n"
        at.file_uploader(key="csat_file").set_value(("bad.csv", body.encode(), CSV)).run()
        at.button(key="csat_go").click().run()
        assert not at.exception
        assert at.error[0].value == "1 rows have errors; nothing imported:"
        errors = next(d.value for d in at.dataframe if "Row" in d.value.columns)
        assert errors["Row"].tolist() == [2, 2] and errors["Column"].tolist() == ["customer", "score"]
        with store.connect(demo_db, read_only=True) as con:
            assert csat.by_rep(con, store.sales_bounds(con)[0], store.sales_bounds(con)[1]).empty
