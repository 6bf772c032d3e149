"""Plan health: the share of reps a plan can expect at quota, and who puts it outside 50-80 %."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import demo, planhealth, planning, store
from analysis.access import SYSTEM
from tests.unit.test_cli import cli

WINDOW = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
MONTHS = [dt.date(y, m, 1) for y in (2024, 2025) for m in range(1, 13)]


def history(reps: dict[str, tuple[str, float, float]], seed: int = 1) -> pd.DataFrame:
    """24 months per rep: rep_id → (team, monthly mean in yuan of 2025, yearly growth into 2025)."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep, (team, mean, growth) in reps.items():
        for m in MONTHS:
            level = mean / (1 + growth) if m.year == 2024 else mean
            rows.append([rep, team, m, int(round(level * rng.normal(1, 0.15) * 100))])
    return pd.DataFrame(rows, columns=["rep_id", "team_id", "month", "amount_cents"])


def quotas(amounts: dict[str, tuple[str, float]], months: int = 12) -> pd.DataFrame:
    return pd.DataFrame(
        [(r, t, int(a * 100), months) for r, (t, a) in amounts.items()],
        columns=["rep_id", "team_id", "quota_cents", "months"],
    )


TEN_REPS = {f"R{i:02d}": ("T1" if i < 5 else "T2", 10_000.0 + 500 * i, 0.10) for i in range(10)}


class TestCheck:
    def test_quota_at_last_year_is_healthy(self) -> None:
        h = history(TEN_REPS)
        # Each rep's quota: their 2025 total, while their team grew 10 %: most should make it.
        last = h[h["month"] >= WINDOW[0]].groupby("rep_id")["amount_cents"].sum() / 100
        q = quotas({r: (TEN_REPS[r][0], float(last[r])) for r in TEN_REPS})
        res = planhealth.check(q, h, WINDOW)
        assert res.share is not None and 0.8 < res.share  # above the band: too easy
        assert res.status == "too_easy" and res.culprits
        assert res.counted == 10

    def test_plan_designed_to_be_too_hard(self) -> None:
        h = history(TEN_REPS)
        last = h[h["month"] >= WINDOW[0]].groupby("rep_id")["amount_cents"].sum() / 100
        q = quotas({r: (TEN_REPS[r][0], float(last[r]) * 1.6) for r in TEN_REPS})  # +60 % for everyone
        res = planhealth.check(q, h, WINDOW)
        assert res.share is not None and res.share < 0.05
        assert res.status == "too_hard"
        assert set(res.culprits) == set(TEN_REPS)

    def test_one_team_overloaded_names_that_teams_reps(self) -> None:
        h = history(TEN_REPS)
        last = h[h["month"] >= WINDOW[0]].groupby("rep_id")["amount_cents"].sum() / 100
        # T2 at last year (most make it: their trend is +10 %), T1 asked for +60 %: none make it.
        q = quotas(
            {r: (t, float(last[r]) * (1.6 if t == "T1" else 1.0)) for r, (t, _m, _g) in TEN_REPS.items()}
        )
        res = planhealth.check(q, h, WINDOW)
        assert res.status == "too_hard"
        t1 = {r for r, (t, _m, _g) in TEN_REPS.items() if t == "T1"}
        assert res.culprits and set(res.culprits) <= t1
        # The culprits are the fewest reps without whom the others are inside the band.
        p = res.reps.set_index("rep_id")["p_at_quota"]
        rest = p.drop(list(res.culprits))
        assert 0.5 <= rest.mean() <= 0.8
        assert not 0.5 <= p.drop(list(res.culprits[:-1])).mean() <= 0.8
        assert list(p.loc[list(res.culprits)]) == sorted(p.loc[list(res.culprits)])  # least likely first

    def test_within_the_band(self) -> None:
        h = history(TEN_REPS)
        last = h[h["month"] >= WINDOW[0]].groupby("rep_id")["amount_cents"].sum() / 100
        q = quotas({r: (TEN_REPS[r][0], float(last[r]) * 1.07) for r in TEN_REPS})  # below the 10 % trend
        res = planhealth.check(q, h, WINDOW)
        assert res.share is not None and 0.5 <= res.share <= 0.8, res.share
        assert res.status == "healthy" and res.culprits == ()

    def test_growth_is_the_teams_like_for_like_trend(self) -> None:
        reps = {"A": ("T1", 10_000.0, 0.2), "B": ("T1", 10_000.0, 0.2), "C": ("T2", 10_000.0, -0.3)}
        h = history(reps, seed=3)
        g = planhealth.team_growth(h, WINDOW)
        assert g["T1"] == pytest.approx(1.2, rel=0.08)
        assert g["T2"] == pytest.approx(0.7, rel=0.08)
        # A rep who did not sell in every one of the 24 months does not set the trend.
        gone = h[~((h["rep_id"] == "B") & (h["month"] > dt.date(2025, 6, 1)))]
        assert planhealth.team_growth(gone, WINDOW)["T1"] == pytest.approx(g["T1"], rel=0.1)

    def test_rep_without_history_is_listed_not_counted(self) -> None:
        h = history({"A": ("T1", 10_000.0, 0.1)})
        q = quotas({"A": ("T1", 100_000.0), "NEW": ("T1", 50_000.0)})
        res = planhealth.check(q, h, WINDOW)
        assert res.counted == 1
        new = res.reps.set_index("rep_id").loc["NEW"]
        assert pd.isna(new["p_at_quota"]) and new["history_months"] == 0
        assert list(res.reps["rep_id"])[-1] == "NEW"

    def test_no_history_at_all_is_unknown(self) -> None:
        empty = pd.DataFrame(columns=["rep_id", "team_id", "month", "amount_cents"])
        res = planhealth.check(quotas({"A": ("T1", 1.0)}), empty, None)
        assert (res.share, res.status, res.culprits) == (None, "unknown", ())

    def test_fewer_months_of_target_expect_less(self) -> None:
        h = history({"A": ("T1", 10_000.0, 0.0)})
        full = planhealth.check(quotas({"A": ("T1", 110_000.0)}, 12), h, WINDOW)
        half = planhealth.check(quotas({"A": ("T1", 110_000.0)}, 6), h, WINDOW)
        assert full.reps["p_at_quota"].iloc[0] > 0.8 and half.reps["p_at_quota"].iloc[0] < 0.01


class TestHistoryWindow:
    @pytest.mark.parametrize(
        "fy_start,through,window",
        [
            (dt.date(2026, 1, 1), dt.date(2026, 11, 26), (dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
            (dt.date(2027, 1, 1), dt.date(2026, 11, 26), (dt.date(2025, 11, 1), dt.date(2026, 10, 31))),
            (dt.date(2027, 1, 1), dt.date(2026, 11, 30), (dt.date(2025, 12, 1), dt.date(2026, 11, 30))),
            (dt.date(2026, 4, 1), dt.date(2026, 11, 26), (dt.date(2025, 4, 1), dt.date(2026, 3, 31))),
        ],
    )
    def test_whole_months_before_the_year_or_the_data_end(
        self, fy_start: dt.date, through: dt.date, window: tuple[dt.date, dt.date]
    ) -> None:
        assert planhealth.history_window(fy_start, through) == window

    def test_no_data(self) -> None:
        assert planhealth.history_window(dt.date(2026, 1, 1), None) is None


class TestOnTheDemo:
    def test_january_plan_is_healthy_and_next_years_draft_too_hard_because_of_huabei(
        self, living_db_master: Path
    ) -> None:
        with store.connect(living_db_master, read_only=True) as con:
            by = {(v.fiscal_year, v.version): v for v in store.list_plan_versions(con)}
            jan = planhealth.load(con, by[(2026, 1)].version_id)
            draft = planhealth.load(con, by[(2027, 1)].version_id)
            reps = store.reps_frame(con)
        team_of = dict(zip(reps["rep_id"], reps["team_id"], strict=True))
        assert jan.status == "healthy", jan.share
        assert draft.status == "too_hard", draft.share
        # 华北's reps (declining all year) are the least likely to reach next year's quota.
        huabei = {
            r for r in draft.reps.dropna(subset=["p_at_quota"])["rep_id"] if team_of[r] == demo.DECLINING_TEAM
        }
        assert len(huabei) == 5  # the leaver has no FY2027 quota
        assert set(draft.culprits[: len(huabei)]) == huabei
        # The new hire has no history: listed, not counted.
        assert draft.counted == len(draft.reps) - 1

    def test_doubling_the_target_is_too_hard(self, demo_db: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            req = planning.PlanRequest(year=2026, target=Decimal(250_000_000), allocate_method="history")
            plan = planning.build(planning.load_inputs(con, req), req)
            pv = planning.save(con, plan, req, scenario="stretch", based_on=None)
            res = planhealth.load(con, pv.version_id)
        assert res.status == "too_hard" and res.share is not None and res.share < 0.05
        assert len(res.culprits) == res.counted


class TestCli:
    def test_plan_health_json(self, living_db: Path) -> None:
        with store.connect(living_db, read_only=True) as con:
            vid = max(v.version_id for v in store.list_plan_versions(con, 2027))
        res = cli("plan", "health", "--version", str(vid), "--db", str(living_db), "--json")
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
        assert out["status"] == "too_hard" and out["band"] == [0.5, 0.8]
        assert 0 <= out["share_at_quota"] < 0.5 and out["culprits"]
        assert {r["rep_id"] for r in out["reps"]} >= set(out["culprits"])
        assert isinstance(out["reps"][0]["quota"], str)  # money as decimal strings

    def test_unknown_version_is_exit_2(self, living_db: Path) -> None:
        res = cli("plan", "health", "--version", "99", "--db", str(living_db))
        assert res.returncode == 2 and "99" in res.stderr

    def test_needs_a_version(self, living_db: Path) -> None:
        res = cli("plan", "health", "--db", str(living_db))
        assert res.returncode == 2 and "--version" in res.stderr
