"""Planning service on the demo store: inputs, completion of the running year, versions, re-plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import planning, store
from analysis.access import SYSTEM, Access
from analysis.spread import PlanInputError

REQ = planning.PlanRequest(year=2027, target=Decimal(10_000_000))


class TestLoadInputs:
    def test_reps_names_and_history(self, demo_db: Path) -> None:
        with store.connect(demo_db, read_only=True) as con:
            inputs = planning.load_inputs(con, REQ)
        # R016 left on 2026-06-30, before FY2027 starts
        assert "R016" not in set(inputs.reps["rep_id"])
        assert len(inputs.reps) == 23
        assert inputs.names["R001"] == "张伟"
        assert set(inputs.team_names) == {"T01", "T02", "T03", "T04"}
        assert {"rep_id", "amount"} <= set(inputs.history_by_rep.columns)
        assert inputs.calendar.kind == "cn"

    def test_incomplete_last_year_is_completed_from_the_year_before(self, demo_db: Path) -> None:
        # Demo data ends 2026-11-26: FY2026's November and December come from 2025.
        with store.connect(demo_db, read_only=True) as con:
            inputs = planning.load_inputs(con, REQ)
            dec_2025 = store.daily_actuals(con, dt.date(2025, 12, 1), dt.date(2025, 12, 31))
            nov_2025 = store.daily_actuals(con, dt.date(2025, 11, 1), dt.date(2025, 11, 30))
        h = inputs.history_daily
        days = pd.to_datetime(h["day"])
        assert days.min() >= pd.Timestamp("2026-01-01") and days.max() <= pd.Timestamp("2026-12-31")
        months = sorted(days.dt.month.unique().tolist())
        assert months == list(range(1, 13))
        dec = h[days.dt.month == 12]["amount"].sum()
        assert dec == pytest.approx(dec_2025["amount_cents"].sum() / 100)
        nov = h[days.dt.month == 11]["amount"].sum()
        assert nov == pytest.approx(nov_2025["amount_cents"].sum() / 100)  # the partial month is replaced
        assert any("2026-12←2025-12" in n and "2026-11←2025-11" in n for n in inputs.notes)

    def test_seasonality_plan_has_no_fake_december_dip(self, demo_db: Path) -> None:
        req = planning.PlanRequest(year=2027, target=Decimal(10_000_000), spread_method="seasonality")
        with store.connect(demo_db, read_only=True) as con:
            plan = planning.build(planning.load_inputs(con, req), req)
        months = plan.by("month")["target"].tolist()
        assert sum(months) == Decimal(10_000_000)
        assert months[11] > Decimal(10_000_000) / 12 / 3

    def test_complete_year_has_no_note(self, demo_db: Path) -> None:
        req = planning.PlanRequest(year=2026, target=Decimal(1_000_000))
        with store.connect(demo_db, read_only=True) as con:
            inputs = planning.load_inputs(con, req)
        assert inputs.notes == ()


class TestVersions:
    def test_save_then_load_gives_identical_cents(self, demo_db: Path) -> None:
        req = planning.PlanRequest(
            year=2027, target=Decimal(12_345_600), allocate_method="capacity", unit=Decimal(100)
        )
        with store.connect(demo_db, actor=Access(email="ann")) as con:
            plan = planning.build(planning.load_inputs(con, req), req)
            pv = planning.save(con, plan, req, scenario="base", based_on=None)
            pv2, req2, loaded, _inputs = planning.load_version(con, pv.version_id)
        assert pv2 == pv and req2 == req
        assert loaded.rep_ids == plan.rep_ids and loaded.team_ids == plan.team_ids
        assert np.array_equal(loaded.cents, plan.cents)
        assert pv.target == Decimal(12_345_600) and pv.author == "ann"

    def test_unassigned_line_is_saved_and_reloaded(self, demo_db: Path) -> None:
        # R016 left on 2026-06-30: the FY2026 plan keeps the rest of that seat on T03's line.
        req = planning.PlanRequest(year=2026, target=Decimal(10_000_000), allocate_method="even")
        with store.connect(demo_db, actor=Access(email="ann")) as con:
            plan = planning.build(planning.load_inputs(con, req), req)
            pv = planning.save(con, plan, req, scenario="fy26", based_on=None)
            _pv, _req, loaded, inputs = planning.load_version(con, pv.version_id)
            given = replace(req, allocate_params={"vacancy": "reps"})
            pv_b = planning.save(con, planning.build(inputs, given), given, scenario="fy26b", based_on=None)
            _pv, _req, loaded_b, _inputs = planning.load_version(con, pv_b.version_id)
        assert "vacancy:T03" in plan.rep_ids
        assert loaded.rep_ids == plan.rep_ids and np.array_equal(loaded.cents, plan.cents)
        assert planning.rep_label(inputs.names, "vacancy:T03", "en").startswith("unassigned / to be hired")
        assert not any(str(r).startswith("vacancy:") for r in loaded_b.rep_ids)
        assert (loaded.cents.sum(axis=0) == loaded.spread.cents).all()

    def test_stale_save_is_refused_and_stores_nothing(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=Access(email="ann")) as con:
            plan = planning.build(planning.load_inputs(con, REQ), REQ)
            v1 = planning.save(con, plan, REQ, scenario="s", based_on=None)
        with store.connect(demo_db, actor=Access(email="bob")) as con:
            v2 = planning.save(con, plan, REQ, scenario="s", based_on=1)
        with store.connect(demo_db, actor=Access(email="ann")) as con:
            assert (v1.version, v2.version, v2.parent_id) == (1, 2, v1.version_id)
            with pytest.raises(store.StaleVersion, match="bob"):
                planning.save(con, plan, REQ, scenario="s", based_on=1)
        with store.connect(demo_db, actor=Access(email="carl")) as con:
            with pytest.raises(store.StaleVersion):
                planning.save(con, plan, REQ, scenario="s", based_on=None)
            assert [v.version for v in store.list_plan_versions(con)] == [1, 2]


class TestCompareAndCatchUp:
    def test_compare_versions(self, demo_db: Path) -> None:
        a_req = planning.PlanRequest(year=2027, target=Decimal(10_000_000))
        b_req = planning.PlanRequest(year=2027, target=Decimal(11_000_000), spread_method="even")
        with store.connect(demo_db, actor=SYSTEM) as con:
            inputs = planning.load_inputs(con, a_req)
            a = planning.save(con, planning.build(inputs, a_req), a_req, scenario="a", based_on=None)
            b = planning.save(con, planning.build(inputs, b_req), b_req, scenario="b", based_on=None)
            pa, pb, df = planning.compare_versions(con, a.version_id, b.version_id)
            _pt, teams = planning.version_cents(con, a.version_id, "quarter", "team")
        assert (pa.version_id, pb.version_id) == (a.version_id, b.version_id)
        assert int(df["a_cents"].sum()) == 1_000_000_000 and int(df["b_cents"].sum()) == 1_100_000_000
        assert int(df["diff_cents"].sum()) == 100_000_000
        assert len(df) == 23 * 12
        assert len(teams) == 4 * 4 and int(teams["cents"].sum()) == 1_000_000_000
        assert list(teams["period"][:4]) == ["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]

    @pytest.mark.parametrize("mode", ["even", "seasonal", "front_loaded"])
    # 10M with an even split puts 7 reps above their target by June 30 while the company is behind.
    @pytest.mark.parametrize("target,allocate", [(20_000_000, "history"), (10_000_000, "even")])
    def test_catch_up_keeps_the_annual_total(
        self, demo_db: Path, mode: str, target: int, allocate: str
    ) -> None:
        req = planning.PlanRequest(year=2026, target=Decimal(target), allocate_method=allocate)
        as_of = dt.date(2026, 6, 30)
        with store.connect(demo_db, actor=SYSTEM) as con:
            plan = planning.build(planning.load_inputs(con, req), req)
            pv = planning.save(con, plan, req, scenario="fy26", based_on=None)
            _pv, _req, old, new, changes = planning.catch_up_version(con, pv.version_id, as_of, mode)
            actual = store.rep_totals(con, dt.date(2026, 1, 1), as_of).set_index("rep_id")["amount_cents"]
        k = (as_of - old.fy.start).days + 1
        annual_old = old.cents.sum(axis=1)
        annual_new = new.cents.sum(axis=1)
        to_date = np.array([int(actual.get(r, 0)) for r in old.rep_ids])
        assert np.array_equal(new.cents[:, :k].sum(axis=1), to_date)  # elapsed days carry the actuals
        assert int(new.cents.sum()) == int(old.cents.sum())  # the company's annual target is kept exactly
        surplus = np.maximum(to_date - annual_old, 0)
        behind = surplus == 0
        assert bool(surplus.sum()) == (allocate == "even")
        if surplus.sum():
            assert (annual_new[behind] <= annual_old[behind]).all()  # others' remaining absorbs the surplus
            assert any("reduced" in n for n in new.notes)
        else:
            assert np.array_equal(annual_new, annual_old)
        assert (new.cents >= 0).all()
        assert len(changes) and set(changes.columns) == {"rep_id", "period", "old", "new"}

    def test_catch_up_refuses_a_date_outside_the_year(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            plan = planning.build(planning.load_inputs(con, REQ), REQ)
            pv = planning.save(con, plan, REQ, scenario="x", based_on=None)
            with pytest.raises(PlanInputError, match="inside FY2027"):
                planning.catch_up_version(con, pv.version_id, dt.date(2026, 5, 1))
            with pytest.raises(PlanInputError, match="mode"):
                planning.catch_up_version(con, pv.version_id, dt.date(2027, 5, 1), "sideways")
