"""Chart helpers (components/charts.py) and the figures cached per view (progress_view, data)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analysis import store
from analysis.access import SYSTEM
from components import charts, data, progress_view

AS_OF = dt.date(2026, 11, 27)


def spec(fig: go.Figure) -> object:
    """The figure as the browser gets it (key order aside)."""
    return json.loads(pio.to_json(fig, validate=False))


def bars() -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=["a", "b"], y=[1.0, None], name="x")
    return fig


class TestStyle:
    def test_same_figure_as_plotlys_validated_template(self) -> None:
        ours = charts.style(bars(), x_title="m", y_title="y", height=300)
        theirs = bars()
        theirs.update_layout(
            height=300,
            margin={"l": 10, "r": 10, "t": 30, "b": 10},
            legend={"orientation": "h", "y": 1.1},
            xaxis_title="m",
            yaxis_title="y",
            hovermode="x unified",
            template="plotly_white",
        )
        theirs.update_yaxes(separatethousands=True, rangemode="tozero")
        assert spec(ours) == spec(theirs)

    def test_plotlys_template_object_is_left_alone(self) -> None:
        before = spec(go.Figure(layout={"template": pio.templates["plotly_white"]}))
        fig = charts.style(bars(), x_title="m", y_title="y")
        fig.layout.template.layout.font.size = 99  # a page changing its own figure's template
        assert spec(go.Figure(layout={"template": pio.templates["plotly_white"]})) == before


class TestCachedFigures:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_progress_figures_equal_the_builders(self, demo_db: Path, lang: str) -> None:
        db, version = str(demo_db), store.data_version(demo_db)
        figs = progress_view.figures(db, version, AS_OF, 1, "2026-11", "company", None, lang)
        view = progress_view.load_view(db, version, AS_OF, 1, "2026-11", "company", None)
        assert spec(figs.burnup) == spec(progress_view.burnup_chart(view.burnup, lang))
        assert spec(figs.growth) == spec(progress_view.growth_chart(view.trend, lang, "month"))
        assert figs.heatmap is not None
        assert spec(figs.heatmap) == spec(progress_view.heatmap_chart(view.heatmap, lang))

    def test_built_once_per_version_and_view(self, demo_db: Path) -> None:
        db, version = str(demo_db), store.data_version(demo_db)
        args = (db, version, AS_OF, 1, "2026-11", "company", None)
        assert progress_view.figures(*args, "en") is progress_view.figures(*args, "en")
        assert progress_view.figures(*args, "en") is not progress_view.figures(*args, "zh")
        week = progress_view.figures(db, version, AS_OF, 1, "2026-W48", "company", None, "en")
        assert week is not progress_view.figures(*args, "en")

    def test_overview_chart_follows_the_data_version(self, demo_db: Path) -> None:
        db = str(demo_db)
        first = data.overview_chart(db, store.data_version(demo_db), AS_OF, 1, "en")
        with store.connect(demo_db, actor=SYSTEM) as con:  # any write changes the file, so the version
            store.set_setting(con, "load_test_marker", "1")
        assert data.overview_chart(db, store.data_version(demo_db), AS_OF, 1, "en") is not first

    def test_week_growth_chart_is_weekly(self, demo_db: Path) -> None:
        db, version = str(demo_db), store.data_version(demo_db)
        figs = progress_view.figures(db, version, AS_OF, 1, "2026-W48", "company", None, "en")
        view = progress_view.load_view(db, version, AS_OF, 1, "2026-W48", "company", None)
        assert view.progress.period.grain == "week"
        assert spec(figs.growth) == spec(progress_view.growth_chart(view.trend, "en", "week"))
