"""The one gate for writes (issue 21): every store write checks the connection's actor first.

Each write function of analysis/store.py is called as a viewer (refused, store unchanged), as a
manager where it is company-wide or another team's (refused), and as an admin (written, and the
audit trail names the admin). A static check makes sure no write escapes the table below.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis import access, demo, importer, store, tasks
from analysis.access import SYSTEM, Access
from tests.actors import digest

ROOT = Path(__file__).resolve().parents[2]
VIEWER = Access(role="viewer", email="guest@example.com", signed_in=True)
EAST = Access(role="manager", email="east@example.com", teams=frozenset({"T01"}), signed_in=True)
BOSS = Access(role="admin", email="boss@example.com", signed_in=True)
CSV = b"date,rep,customer,amount\n2026-11-20,R-new,C-new,100.00\n"


def _targets(con: store.Connection) -> pd.DataFrame:
    rep = con.execute(
        "SELECT rep_id, team_id FROM reps WHERE team_id = 'T02' ORDER BY rep_id LIMIT 1"
    ).fetchall()
    return pd.DataFrame(
        {
            "rep_id": [rep[0][0]],
            "team_id": [rep[0][1]],
            "day": [dt.date(2027, 1, 4)],
            "target_cents": [100_00],
        }
    )


def _plan(con: store.Connection, based_on: int | None = None, scenario: str = "p") -> store.PlanVersion:
    return store.save_plan_version(
        con,
        scenario=scenario,
        based_on=based_on,
        fiscal_year=2027,
        fy_start_month=1,
        target=Decimal("100.00"),
        unit=Decimal("0.01"),
        params={},
        targets=_targets(con),
    )


def _t02_rep(con: store.Connection) -> str:
    return str(con.execute("SELECT min(rep_id) FROM reps WHERE team_id = 'T02'").fetchall()[0][0])


def _t01_rep(con: store.Connection) -> str:
    return str(con.execute("SELECT min(rep_id) FROM reps WHERE team_id = 'T01'").fetchall()[0][0])


# Every store function that writes: (name, call); the call gets a read-write connection.
WRITES: dict[str, Callable[[store.Connection], Any]] = {
    "replace_reference": lambda con: store.replace_reference(
        con,
        pd.DataFrame({"team_id": ["T09"], "name": ["x"], "region": ["x"]}),
        store.reps_frame(con).head(0)[
            ["rep_id", "name", "team_id", "region", "level", "hire_date", "leave_date"]
        ],
        pd.DataFrame({"customer_id": [], "name": [], "region": [], "tier": []}),
        pd.DataFrame({"product_id": [], "name": []}),
    ),
    "clear_for_demo": lambda con: store.clear_for_demo(con, ["tasks"], force=True),
    "append_sales_frame": lambda con: store.append_sales_frame(
        con,
        pd.DataFrame(
            {
                "day": [dt.date(2026, 11, 20)],
                "rep_id": [_t01_rep(con)],
                "customer_id": [None],
                "product_id": [None],
                "region": [None],
                "quantity": [1.0],
                "amount_cents": [100],
                "order_key": [None],
            }
        ),  # fmt: skip
        import_id=99,
        source="x",
    ),
    "record_import": lambda con: store.record_import(
        con,
        import_id=99,
        source="x",
        file_name="f",
        file_hash=None,
        rows=0,
        total=Decimal(0),
        first_day=None,
        last_day=None,
        mode="append",
    ),  # fmt: skip
    "commit_import": lambda con: store.commit_import(
        con,
        pd.DataFrame(
            {
                "date": [pd.Timestamp(2026, 11, 20)],
                "rep": ["新人"],
                "customer": ["c"],
                "product": ["p"],
                "region": ["r"],
                "quantity": [1.0],
                "amount_cents": [100],
                "order_key": [None],
            }
        ),  # fmt: skip
        source="x",
        file_name="f.csv",
        file_hash="h",
    ),
    "undo_import": lambda con: store.undo_import(con, 1),
    "set_setting": lambda con: store.set_setting(con, "scorecard.weights", "{}"),
    "save_mapping": lambda con: store.save_mapping(con, "sig", {"date": "d"}),
    "set_calendar_overrides": lambda con: store.set_calendar_overrides(
        con, 2027, pd.DataFrame({"day": [dt.date(2027, 1, 2)], "kind": ["workday"], "note": ["x"]})
    ),
    "set_active_plan": lambda con: store.set_active_plan(con, 1),
    "save_plan_version": lambda con: _plan(con, scenario="new"),
    "set_risk_thresholds": lambda con: store.set_risk_thresholds(con, [("pace", "min", 0.5)]),
    "set_risk_playbook": lambda con: store.set_risk_playbook(con, [("pace", "zh", "en")]),
    "acknowledge_risk": lambda con: store.acknowledge_risk(
        con,
        rule="pace",
        scope="rep",
        entity_id=_t02_rep(con),
        entity_name="n",
        period="2026-11",
        severity="high",
        reason="r",
        evidence={},
        owner="o",
        plan="p",
        due_date=None,
    ),  # fmt: skip
    "update_register_entry": lambda con: store.update_register_entry(con, 1, {"owner": "someone else"}),
    "add_share_link": lambda con: store.add_share_link(
        con, token_hash="0" * 64, version_id=1, expires_at=None
    ),
    "revoke_share_link": lambda con: store.revoke_share_link(con, 1),
    "add_tasks": lambda con: store.add_tasks(
        con, tasks.new_tasks_frame([tasks.NewTask(_t02_rep(con), "t", "other")], dt.date(2026, 11, 2), {})
    ),
    "update_task": lambda con: store.update_task(con, 1, {"title": "changed"}),
    "save_review_notes": lambda con: store.save_review_notes(con, "2026-W47", {_t02_rep(con): "note"}),
    "save_incentive_plan": lambda con: store.save_incentive_plan(
        con,
        base_rate=Decimal("0.01"),
        gate=Decimal(0),
        tiers=[(Decimal(0), None, Decimal(1))],
        caps={},
        bonuses=[],
    ),
    "add_csat_scores": lambda con: store.add_csat_scores(
        con,
        pd.DataFrame(
            {"day": [dt.date(2026, 11, 2)], "rep_id": [_t02_rep(con)], "customer_id": [None], "score": [5]}
        ),
        file_name="c.csv",
        file_hash="c",
    ),
}


@pytest.fixture
def seeded(demo_db: Path) -> Path:
    """The demo plus one of everything a write may touch (by the system): plan 1, share link 1,
    task 1 (a T02 rep's), register entry 1 (a T02 rep's)."""
    with store.connect(demo_db, actor=SYSTEM) as con:
        _plan(con)
        store.add_share_link(con, token_hash="f" * 64, version_id=1, expires_at=None)
        store.add_tasks(
            con,
            tasks.new_tasks_frame([tasks.NewTask(_t02_rep(con), "seed", "other")], dt.date(2026, 11, 2), {}),
        )
        WRITES["acknowledge_risk"](con)
    return demo_db


class TestEveryWriteIsGated:
    @pytest.mark.parametrize("name", sorted(WRITES))
    def test_a_viewer_is_refused_and_nothing_changes(self, seeded: Path, name: str) -> None:
        before = digest(seeded)
        with store.connect(seeded, actor=VIEWER) as con, pytest.raises(store.Refused) as exc:
            WRITES[name](con)
        assert exc.value.code == "viewer"
        assert digest(seeded) == before

    @pytest.mark.parametrize("name", sorted(WRITES))
    def test_a_manager_of_another_team_is_refused(self, seeded: Path, name: str) -> None:
        """Everything in the table is company-wide or about a T02 rep; east manages T01 only."""
        before = digest(seeded)
        with store.connect(seeded, actor=EAST) as con, pytest.raises(store.Refused) as exc:
            WRITES[name](con)
        assert exc.value.code in ("admin", "draft", "teams:T02")
        assert digest(seeded) == before

    @pytest.mark.parametrize("name", sorted(WRITES))
    def test_an_admin_writes_and_the_audit_log_names_them(self, seeded: Path, name: str) -> None:
        with store.connect(seeded, actor=BOSS) as con:
            WRITES[name](con)
            who = {r[0] for r in con.execute("SELECT DISTINCT who FROM audit_log").fetchall()}
        assert "boss@example.com" in who

    def test_a_connection_without_an_actor_cannot_write(self, seeded: Path) -> None:
        with pytest.raises(TypeError, match="actor"):
            with store.connect(seeded):
                pass
        before = digest(seeded)
        with store.connect(seeded, actor=SYSTEM) as con:
            other = store.cursor(con)  # a second connection carries no actor
            with pytest.raises(store.Refused, match="no acting identity"):
                store.set_setting(other, "k", "v")
        assert digest(seeded) == before

    def test_the_table_covers_every_store_function_that_writes(self) -> None:
        """Any function in store.py with INSERT/UPDATE/DELETE SQL either passes the gate itself
        (``_write``) or is a private helper only ever called inside a gated write."""
        tree = ast.parse((ROOT / "analysis" / "store.py").read_text(encoding="utf-8"))
        helpers = {
            "_write",  # the gate itself (its audit_log row)
            "migrate",  # schema, not data
            "refresh_summaries",  # summaries, refreshed inside a gated write
            "_insert_team_weeks",
            "_create_missing_names",
            "_append_named_rows",
            "_history",
        }
        sql_write = re.compile(r"\b(INSERT|UPDATE|DELETE|DROP|ALTER|TRUNCATE)\b")
        writing = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                src = (
                    ast.get_source_segment((ROOT / "analysis" / "store.py").read_text(encoding="utf-8"), node)
                    or ""
                )
                body = src.split('"""', 2)[-1] if src.count('"""') >= 2 else src  # not the docstring
                if sql_write.search(body):
                    writing.add(node.name)
                    if node.name not in helpers:
                        assert "_write(" in body, f"store.{node.name} writes without passing the gate"
        assert writing - helpers == set(WRITES), "a write function is missing from WRITES"

    def test_no_sql_writes_outside_the_store(self) -> None:
        """Pages, components and the rest of analysis/ write only through store functions."""
        sql_write = re.compile(
            r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|(DROP|ALTER|CREATE)\s+TABLE|TRUNCATE)\b"
        )
        offenders = []
        for folder in ("analysis", "components", "pages"):
            for path in sorted((ROOT / folder).rglob("*.py")):
                if path.name == "store.py":
                    continue
                if sql_write.search(path.read_text(encoding="utf-8")):
                    offenders.append(str(path.relative_to(ROOT)))
        if sql_write.search((ROOT / "dashboard.py").read_text(encoding="utf-8")):
            offenders.append("dashboard.py")
        assert offenders == []

    def test_pages_open_the_store_for_writing_only_as_the_signed_in_user(self) -> None:
        """A read-write connection in pages/ or components/ is opened by shell.writing (acting as
        ``sh.access``); nothing there passes access.SYSTEM or access.LOCAL."""
        for path in [
            ROOT / "dashboard.py",
            *(ROOT / "pages").glob("*.py"),
            *(ROOT / "components").glob("*.py"),
        ]:
            src = path.read_text(encoding="utf-8")
            assert "SYSTEM" not in src and "LOCAL)" not in src, path
            for call in re.findall(r"store\.connect\([^)]*\)", src):
                assert "read_only=True" in call or "actor=sh.access" in call, (path, call)


class TestAudit:
    def test_every_audit_column_records_the_actor(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=BOSS) as con:
            pv = _plan(con)
            store.set_active_plan(con, pv.version_id)
            link = store.add_share_link(con, token_hash="a" * 64, version_id=pv.version_id, expires_at=None)
            store.revoke_share_link(con, link.share_id)
            store.add_tasks(
                con,
                tasks.new_tasks_frame([tasks.NewTask(_t01_rep(con), "t", "other")], dt.date(2026, 11, 2), {}),
            )
            store.save_review_notes(con, "2026-W47", {_t01_rep(con): "n"})
            WRITES["acknowledge_risk"](con)
            WRITES["set_risk_thresholds"](con)
            WRITES["set_risk_playbook"](con)
            WRITES["save_incentive_plan"](con)
            WRITES["add_csat_scores"](con)
            WRITES["commit_import"](con)
            WRITES["set_setting"](con)
            cols = {
                "plan_versions": "author",
                "plan_active": "set_by",
                "share_links": "created_by",
                "tasks": "created_by",
                "review_notes": "author",
                "risk_register": "created_by",
                "risk_register_history": "author",
                "risk_thresholds": "updated_by",
                "risk_playbook": "updated_by",
                "incentive_plans": "author",
                "csat_imports": "created_by",
            }
            for table, col in cols.items():
                if col not in store.table_columns(con, table):
                    col = next(
                        c for c in store.table_columns(con, table) if c.endswith("_by") or c == "author"
                    )
                got = {r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM {table}").fetchall()}
                assert got == {"boss@example.com"}, (table, col, got)
            [imp] = con.execute("SELECT created_by FROM imports WHERE file_name = 'f.csv'").fetchall()
            assert imp == ("boss@example.com",)
            assert con.execute("SELECT revoked_by FROM share_links").fetchall() == [("boss@example.com",)]
            log = con.execute("SELECT who, what, detail FROM audit_log WHERE what = 'settings'").fetchall()
            assert log[0][0] == "boss@example.com" and json.loads(log[0][2])["key"] == "scorecard.weights"

    def test_the_cli_and_the_system_have_names(self) -> None:
        assert access.cli_actor("ann").who == "cli:ann"
        assert access.cli_actor().who.startswith("cli:")
        assert SYSTEM.who == "system" and access.LOCAL.who == "local"
        assert Access(role="viewer", signed_in=True).who == "unverified"


class TestManagers:
    def test_a_manager_writes_for_their_own_team(self, seeded: Path) -> None:
        with store.connect(seeded, actor=EAST) as con:
            [tid] = store.add_tasks(
                con,
                tasks.new_tasks_frame(
                    [tasks.NewTask(_t01_rep(con), "mine", "other")], dt.date(2026, 11, 2), {}
                ),
            )
            store.update_task(con, tid, {"title": "still mine"})
            with pytest.raises(store.Refused, match="T02"):
                store.update_task(con, tid, {"rep_id": _t02_rep(con)})  # handing it to another team
            store.save_review_notes(con, "2026-W47", {_t01_rep(con): "ok"})
            assert tasks.load(con).set_index("task_id").at[tid, "created_by"] == "east@example.com"

    def test_a_manager_saves_an_edit_of_a_saved_version_only_in_their_teams(self, seeded: Path) -> None:
        with store.connect(seeded, actor=SYSTEM) as con:
            base = store.plan_targets(con, 1)
            t01 = _t01_rep(con)
        mine = pd.concat(
            [
                base,
                pd.DataFrame(
                    {"rep_id": [t01], "team_id": ["T01"], "day": [dt.date(2027, 1, 4)], "target_cents": [5]}
                ),
            ]
        )
        theirs = base.assign(target_cents=base["target_cents"] + 1)
        common = {
            "scenario": "p",
            "based_on": 1,
            "fiscal_year": 2027,
            "fy_start_month": 1,
            "unit": Decimal("0.01"),
            "params": {},
        }
        before = digest(seeded)
        with store.connect(seeded, actor=EAST) as con:
            with pytest.raises(store.Refused, match="T02"):
                store.save_plan_version(con, target=Decimal("101.00"), targets=theirs, **common)  # type: ignore[arg-type]
        assert digest(seeded) == before
        with store.connect(seeded, actor=EAST) as con:
            pv = store.save_plan_version(con, target=Decimal("100.05"), targets=mine, **common)  # type: ignore[arg-type]
        assert (pv.version, pv.author) == (2, "east@example.com")


class TestDemo:
    def test_refuses_a_store_with_an_import_or_a_plan_unless_forced(
        self, demo_db: Path, tmp_path: Path
    ) -> None:
        before = digest(demo_db)
        with pytest.raises(store.NotEmpty, match="plans or imports"):
            demo.build_demo(str(demo_db), rows=2_000, end=dt.date(2026, 11, 26))
        assert digest(demo_db) == before
        fresh = store.init_db(tmp_path / "plans.duckdb")
        with store.connect(fresh, actor=SYSTEM) as con:
            store.replace_reference(
                con,
                pd.DataFrame({"team_id": ["T02"], "name": ["x"], "region": ["x"]}),
                pd.DataFrame(
                    {
                        "rep_id": ["R9"],
                        "name": ["r"],
                        "team_id": ["T02"],
                        "region": ["x"],
                        "level": ["mid"],
                        "hire_date": [None],
                        "leave_date": [None],
                    }
                ),  # fmt: skip
                pd.DataFrame({"customer_id": [], "name": [], "region": [], "tier": []}),
                pd.DataFrame({"product_id": [], "name": []}),
            )
            _plan(con)
        with pytest.raises(store.NotEmpty):
            demo.build_demo(str(fresh), rows=2_000, end=dt.date(2026, 11, 26))
        res = demo.build_demo(str(fresh), rows=2_000, end=dt.date(2026, 11, 26), force=True)
        assert res.rows == 2_000

    @pytest.mark.parametrize("actor", [VIEWER, EAST])
    def test_only_an_admin_builds_it(self, tmp_path: Path, actor: Access) -> None:
        empty = store.init_db(tmp_path / "empty.duckdb")
        before = digest(empty)
        with pytest.raises(store.Refused):
            demo.build_demo(str(empty), rows=2_000, end=dt.date(2026, 11, 26), actor=actor)
        assert digest(empty) == before
        assert demo.build_demo(str(empty), rows=2_000, end=dt.date(2026, 11, 26), actor=BOSS).rows == 2_000

    def test_the_importer_needs_an_admin(self, demo_db: Path) -> None:
        pv = importer.preview(demo_db, CSV, "x.csv")
        before = digest(demo_db)
        with pytest.raises(store.Refused):
            importer.commit(demo_db, pv, actor=EAST)
        assert digest(demo_db) == before


def test_gate_signature_is_documented() -> None:
    """The gate's write kinds are the ones the docs list (docs/SECURITY.md)."""
    doc = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    for what in access.WRITES:
        assert f"`{what}`" in doc, what
    assert inspect.signature(store.connect).parameters["actor"].default is None
