"""Plotly helpers: money axes in 万 (Chinese) or plain units (English), one look for every chart."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from analysis.i18n import t

PALETTE = ["#1f6feb", "#9aa5b1", "#2da44e", "#d29922", "#cf222e", "#8250df"]


def money_scale(lang: str) -> tuple[float, str]:
    """Divisor and axis suffix for money: 万元 in Chinese, CNY in English."""
    return (10_000.0, "（万元）") if lang == "zh" else (1.0, " (CNY)")


def style(fig: go.Figure, *, x_title: str, y_title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.1},
        xaxis_title=x_title,
        yaxis_title=y_title,
        hovermode="x unified",
    )
    _set_template(fig, "plotly_white")
    fig.update_yaxes(separatethousands=True, rangemode="tozero")
    return fig


def _set_template(fig: go.Figure, name: str) -> None:
    """Give ``fig`` plotly's named template without validating it again.

    ``template="plotly_white"`` re-validates the whole template (every trace type's defaults) on
    each figure: ~20 ms, more than the rest of a chart, on every rerun of every page. Plotly
    assigns its default template the same way (``BaseFigure._initialize_layout_template``): the
    template object is plotly's own and already valid. The JSON sent to the browser is the same.
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = pio.templates[name]
    finally:
        layout._validate = validate


def grouped_bars(
    x: Sequence[str], series: dict[str, Sequence[float | None]], *, lang: str, x_title: str, y_title_key: str
) -> go.Figure:
    div, suffix = money_scale(lang)
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        ys = [None if v is None else v / div for v in values]
        fig.add_bar(
            x=list(x), y=ys, name=name, marker_color=PALETTE[i % len(PALETTE)], hovertemplate="%{y:,.1f}"
        )
    fig.update_layout(barmode="group")
    return style(fig, x_title=x_title, y_title=t(y_title_key, lang) + suffix)
