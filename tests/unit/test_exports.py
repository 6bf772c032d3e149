"""Every export, read back, on a store where an import created reps without a team and with names
that a spreadsheet would run as formulas (= + - @ and a tab in front).

Two promises (issue 20): a team-less rep is named the same way everywhere (the team reads "—",
never nan / None / NaT), and no user text reaches a spreadsheet as a formula: workbooks hold such
names as text cells with a leading apostrophe, CSVs hold them quoted behind an apostrophe.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis import cli, importer, store
from analysis.access import SYSTEM

WEEK = "2026-W46"  # 2026-11-09 .. 2026-11-15, the week the new reps sold in
FORMULA_NAMES = ["=1+1", "+SUM(1,2)", "-2+3", "@A1", "\t=cmd"]
CSV = ("日期,销售员,客户,金额\n" + "".join(
    f"2026-11-{10 + i:02d},\"{n}\",客户{i},{1000 + i}.50\n" for i, n in enumerate([*FORMULA_NAMES, "新人甲"])
)).encode()  # fmt: skip
MISSING = re.compile(r"(?<![A-Za-z])(nan|None|NaT)(?![A-Za-z])")


@pytest.fixture
def db(demo_db: Path) -> Path:
    res = importer.commit(demo_db, importer.preview(demo_db, CSV, "new.csv"), actor=SYSTEM)
    assert len(res.new_reps) == len(FORMULA_NAMES) + 1
    with store.connect(demo_db, read_only=True) as con:
        teams = con.execute("SELECT DISTINCT team_id FROM reps WHERE name = '新人甲'").fetchall()
    assert teams == [(None,)]
    return demo_db


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def cells(data: bytes) -> list[tuple[str, str, object, str]]:
    """(sheet, coordinate, value, data type) of every non-empty cell."""
    wb = load_workbook(io.BytesIO(data))
    return [
        (ws.title, c.coordinate, c.value, c.data_type)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]


def exports(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    """Every file and JSON the app and the command line write, by name."""
    out: dict[str, bytes] = {}
    w, md, m = tmp_path / "w.xlsx", tmp_path / "w.md", tmp_path / "m.xlsx"
    _cli(capsys, "report", "weekly", "--week", WEEK, "--out", str(w), "--md", str(md), "--db", str(db))
    _cli(
        capsys,
        "report",
        "monthly",
        "--month",
        "2026-11",
        "--out",
        str(m),
        "--as-of",
        "2026-11-26",
        "--db",
        str(db),
    )
    out |= {"weekly.xlsx": w.read_bytes(), "weekly.md": md.read_bytes(), "monthly.xlsx": m.read_bytes()}
    for lang in ("zh", "en"):
        out[f"weekly-{lang}.xlsx"] = _weekly_workbook(db, lang)
    args = ("--as-of", "2026-11-26", "--db", str(db))
    for by in ("team", "rep"):
        out[f"progress-{by}.json"] = _cli(capsys, "progress", "--by", by, "--json", *args).encode()
    out["risks.json"] = _cli(capsys, "risks", "--json", *args).encode()
    plan = tmp_path / "plan.xlsx"
    _cli(
        capsys,
        "plan",
        "--year",
        "2027",
        "--target",
        "10000000",
        "--by",
        "rep",
        "--save",
        "T",
        "--db",
        str(db),
    )
    _cli(capsys, "plan", "export", "--version", "1", "--out", str(plan), "--db", str(db))
    out["plan.xlsx"] = plan.read_bytes()
    return out


def _weekly_workbook(db: Path, lang: str) -> bytes:
    from analysis import report, review

    with store.connect(db, read_only=True) as con:
        return report.weekly_workbook(review.load(con, WEEK), lang)


def test_team_less_reps_never_read_nan_none_or_nat(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = {}
    for name, data in exports(db, tmp_path, capsys).items():
        if name.endswith(".xlsx"):
            texts = [f"{s}!{c}={v}" for s, c, v, _ in cells(data) if isinstance(v, str)]
        elif name.endswith(".json"):
            texts = [json.dumps(json.loads(data), ensure_ascii=False)]
        else:
            texts = data.decode().splitlines()
        bad = [x for x in texts if MISSING.search(x)]
        if bad:
            found[name] = bad[:5]
    assert not found, found


def test_team_less_reps_read_as_the_no_team_mark(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = exports(db, tmp_path, capsys)
    weekly = {(s, c): v for s, c, v, _ in cells(files["weekly.xlsx"])}
    assert store.NO_TEAM in weekly.values()
    assert f"| 新人甲 | {store.NO_TEAM} |" in files["weekly.md"].decode()


def test_no_name_becomes_a_formula_in_any_workbook(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, data in exports(db, tmp_path, capsys).items():
        if not name.endswith(".xlsx"):
            continue
        sheet_cells = cells(data)
        assert not [x for x in sheet_cells if x[3] == "f"], name  # no formula cell at all
        texts = {v for _, _, v, _ in sheet_cells if isinstance(v, str)}
        for n in FORMULA_NAMES:
            assert n not in texts, (name, n)  # never as is: a spreadsheet would evaluate it
        assert "'=1+1" in texts, name  # shown, as text


def test_the_app_table_download_writes_names_as_text() -> None:
    import datetime as dt

    import pandas as pd

    from analysis import report

    df = pd.DataFrame(
        {
            "rep": [*FORMULA_NAMES, None],
            "team": [store.NO_TEAM] * 5 + [float("nan")],
            "amount": [1.5, 2, 3, 4, 5, float("nan")],
            "day": [pd.Timestamp("2026-11-02")] * 5 + [pd.NaT],
        }
    )
    data = report.table_workbook({"团队/销售: [x]": df})
    got = cells(data)
    assert not [c for c in got if c[3] == "f"]
    texts = [v for _, _, v, _ in got if isinstance(v, str)]
    assert [f"'{n}" for n in FORMULA_NAMES] == [v for v in texts if v.startswith("'")]
    assert not [v for v in texts if MISSING.search(v)]
    assert ("团队 销售   x ", "C2", 1.5) in [(s, c, v) for s, c, v, _ in got]
    assert dt.datetime(2026, 11, 2) in [v for _, _, v, _ in got]


def test_the_import_error_report_writes_values_as_text(demo_db: Path) -> None:
    from analysis.errorreport import error_report_xlsx

    values = [n for n in FORMULA_NAMES if n != "-2+3"]  # "-2+3" is read as an amount (-23.00)
    bad = ("日期,销售员,客户,金额\n" + "".join(f'2026-11-02,A,B,"{n}"\n' for n in values)).encode()
    parsed = importer.preview(demo_db, bad, "bad.csv").parsed
    assert len(parsed.errors) == len(values)
    got = cells(error_report_xlsx(parsed))
    assert not [c for c in got if c[3] == "f"]
    texts = {v for _, _, v, _ in got if isinstance(v, str)}
    assert all(f"'{n}" in texts and n not in texts for n in values)


def test_streamlit_dataframe_export_is_off() -> None:
    """st.dataframe's own CSV download and clipboard copy write names as is: the app turns them off
    for every table (and offers components/tables.download instead)."""
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
