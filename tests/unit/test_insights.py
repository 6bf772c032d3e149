"""Gap decomposition (exact), the driver tree (exact), concentration, and the demo view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import insights, store


def frame(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["key", "actual_cents", "base_cents"]).assign(name=lambda d: d["key"])


class TestDecomposeGap:
    def test_largest_first_and_others_row(self) -> None:
        out = insights.decompose_gap(frame([("a", 100, 90), ("b", 50, 80), ("c", 10, 11), ("d", 5, 7)]), 2)
        assert out["key"].tolist() == ["b", "a", insights.OTHERS]
        assert out["gap_cents"].tolist() == [-30, 10, -3]
        assert out["gap_cents"].sum() == (165 - 188)

    def test_no_others_row_when_everything_fits(self) -> None:
        out = insights.decompose_gap(frame([("a", 1, 2)]), 5)
        assert out["key"].tolist() == ["a"]

    @given(
        st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 10**12)), min_size=1, max_size=30),
        st.integers(1, 10),
    )
    def test_parts_sum_exactly_to_the_total_gap(self, pairs: list[tuple[int, int]], top_n: int) -> None:
        f = frame([(f"k{i}", a, b) for i, (a, b) in enumerate(pairs)])
        out = insights.decompose_gap(f, top_n)
        assert int(out["gap_cents"].sum()) == sum(a - b for a, b in pairs)
        assert int(out["actual_cents"].sum()) == sum(a for a, _ in pairs)


class TestDriverTree:
    def test_only_more_customers(self) -> None:
        d = insights.driver_tree((110, 100), (220, 200), (22_000, 20_000))
        assert d.contributions_cents == {"customers": 2_000, "frequency": 0, "order_value": 0}

    def test_order_value_drop(self) -> None:
        d = insights.driver_tree((100, 100), (200, 200), (18_000, 20_000))
        assert d.contributions_cents["order_value"] == -2_000
        assert d.order_value_cents == (90.0, 100.0)

    @given(
        st.integers(1, 5000), st.integers(1, 5000), st.integers(1, 50), st.integers(1, 50),
        st.integers(1, 10**9), st.integers(1, 10**9),
    )  # fmt: skip
    def test_contributions_sum_exactly(self, c1: int, c0: int, f1: int, f0: int, r1: int, r0: int) -> None:
        d = insights.driver_tree((c1, c0), (c1 * f1, c0 * f0), (r1, r0))
        assert sum(d.contributions_cents.values()) == r1 - r0

    def test_empty_base_goes_to_customers(self) -> None:
        d = insights.driver_tree((10, 0), (20, 0), (5_000, 0))
        assert d.contributions_cents == {"customers": 5_000, "frequency": 0, "order_value": 0}


class TestConcentration:
    def test_shares_and_hhi(self) -> None:
        a = pd.DataFrame(
            {
                "rep_id": ["A", "A", "A", "B"],
                "customer_id": ["x", "y", "z", "w"],
                "amount_cents": [50, 30, 20, 10],
            }
        )
        out = insights.concentration(a, "rep_id").set_index("rep_id")
        assert out.loc["A", "top1_share"] == pytest.approx(0.5)
        assert out.loc["A", "hhi"] == pytest.approx(0.25 + 0.09 + 0.04)
        assert out.loc["B", "hhi"] == pytest.approx(1.0) and out.loc["A", "customers"] == 3


class TestDemoView:
    @pytest.fixture(scope="class")
    @classmethod
    def view(cls, demo_db_master: Path) -> insights.InsightsView:
        with store.connect(demo_db_master, read_only=True) as con:
            return insights.load_view(con, dt.date(2026, 11, 27))

    def test_t03_explains_most_of_the_gap_to_plan(self, view: insights.InsightsView) -> None:
        parts = insights.decompose_gap(view.gap_frame("team", "plan"))
        assert parts["key"].iloc[0] == "T03" and parts["gap_cents"].iloc[0] < 0
        assert int(parts["gap_cents"].sum()) == view.total_vs_plan[0] - view.total_vs_plan[1]

    def test_t03_loses_customers_and_frequency_vs_last_year(self, view: insights.InsightsView) -> None:
        d = view.drivers["T03"]
        assert d.revenue_cents[0] < d.revenue_cents[1]
        assert d.contributions_cents["customers"] < 0 and d.contributions_cents["frequency"] < 0
        company = view.drivers["company"]
        assert sum(company.contributions_cents.values()) == view.total_vs_ly[0] - view.total_vs_ly[1]

    def test_customer_health_and_quiet_list(self, view: insights.InsightsView) -> None:
        top = view.rep_health.sort_values("top1_share", ascending=False).iloc[0]
        assert top["rep_id"] == "R005" and top["top1_share"] > 0.5
        assert (view.quiet["rep_id"] == "R016").sum() > 10
        assert not view.has_stages

    def test_product_needs_last_year(self, view: insights.InsightsView) -> None:
        with pytest.raises(ValueError):
            view.gap_frame("product", "plan")
        assert len(view.gap_frame("product", "last_year")) == 5
