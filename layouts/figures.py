"""Chart shapes and settings the views share: colours, styling, the chart component."""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc
from plotly.subplots import make_subplots

from layouts import numbers
from layouts.components import EMPTY_SELECTION

# Colours shared by every chart so a metric looks the same on every page.
REVENUE_COLOUR = "#1f6f8b"
SPEND_COLOUR = "#e07a5f"
ROAS_COLOUR = "#3d405b"
INCREMENTAL_COLOUR = "#81b29a"
COLOURWAY = [REVENUE_COLOUR, SPEND_COLOUR, ROAS_COLOUR, INCREMENTAL_COLOUR, "#f2cc8f",
             "#6d597a", "#b56576", "#355070"]
BREAK_EVEN_COLOUR = "#888"

# Plotly draws a subset of HTML (<a href>, <b>, <br>) in tick labels, hover, legends and
# text, so imported text is written with entities; Plotly shows the entities as the
# characters themselves, and a creator named <a href=...> stays text, not a link.
_PLOTLY_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# The trace properties that may carry imported text (names, ids, categories).
_DATA_TEXT = ("x", "y", "text", "hovertext", "labels", "name", "customdata", "ids")


def style_figure(figure, title=None, height=320):
    figure.update_layout(
        template="plotly_white", colorway=COLOURWAY, height=height,
        title={"text": title, "x": 0, "font": {"size": 14}} if title else None,
        margin={"l": 60, "r": 20, "t": 70 if title else 45, "b": 40},
        # The legend sits above the plot on the left; the mode bar holds one button on the
        # right, so the two never meet on a chart a card wide.
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                "xanchor": "left"},
        font={"family": "system-ui, sans-serif", "size": 12},
        hoverlabel={"font_size": 12})
    return figure


def empty_figure(message=EMPTY_SELECTION, height=320):
    figure = go.Figure()
    figure.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper",
                          showarrow=False, font={"size": 13, "color": "#6c757d"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return style_figure(figure, height=height)


def plain_text(values):
    """Text (or a list, array or Series of it) that Plotly shows as it is, never as markup."""
    if isinstance(values, str):
        return values.translate(_PLOTLY_MARKUP)
    if isinstance(values, np.ndarray) and values.dtype.kind not in "OUS":
        return values  # numbers and dates: nothing to escape
    if isinstance(values, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        return [plain_text(value) for value in values]
    return values


def plain_figure(figure):
    """A figure as plain dicts and lists, with every data text escaped by plain_text.

    Plain data is the form a cached view body keeps it in: unpickling a go.Figure
    validates every property again and copies its template, 80% of serving a cached
    overview (78 of 104 ms); a plain dict costs next to nothing. Escaping here, where every
    chart passes, leaves no chart that shows imported text as markup.
    """
    plain = figure.to_dict()
    for trace in plain.get("data", []):
        for prop in _DATA_TEXT:
            if prop in trace:
                trace[prop] = plain_text(trace[prop])
    return plain


# The mode bar of every chart: a PNG download, and no button that sends the figure and its
# data to Plotly's cloud or Chart Studio (a brand-limited user could leak numbers in a click).
GRAPH_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "sendData": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    # Only the PNG download stays: drag to zoom and double-click to reset need no button,
    # and a short bar leaves the legend beside it uncovered.
    "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio", "lasso2d", "select2d",
                               "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                               "resetScale2d", "toggleSpikelines", "hoverClosestCartesian",
                               "hoverCompareCartesian", "zoom3d", "pan3d", "resetViews"],
}


def graph_config(filename, hover_only=False):
    """GRAPH_CONFIG, with the PNG named `filename`; `hover_only` shows the bar on hover."""
    config = dict(GRAPH_CONFIG, toImageButtonOptions={
        "format": "png", "filename": filename, "scale": 2})
    if hover_only:
        config["displayModeBar"] = "hover"
    return config


def chart(component_id, figure, filename, hover_only=False):
    """A Plotly chart with a PNG download button in its toolbar; width follows the card."""
    height = figure.layout.height or 320
    return dcc.Graph(
        id=component_id, figure=plain_figure(figure), className="roi-chart", responsive=True,
        style={"height": f"{height}px"}, config=graph_config(filename, hover_only))


def break_even_line(figure, horizontal=False):
    """The dashed 1× line, its label inside the plot so no margin clips it."""
    if horizontal:
        figure.add_vline(x=1, line_dash="dash", line_color=BREAK_EVEN_COLOUR,
                         annotation_text="break-even 1×", annotation_position="bottom right",
                         annotation_font_color="#555")
    else:
        figure.add_hline(y=1, line_dash="dash", line_color=BREAK_EVEN_COLOUR,
                         annotation_text="break-even 1×", annotation_position="top right",
                         annotation_font_color="#555")


def _top(values):
    values = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    top = values.max()
    return float(top) if pd.notna(top) and top > 0 else 0.0


def money_axis(figure, top, axis="yaxis", step=None, end=None, title=None, intervals=5):
    """A rupee axis from ₹0 with round steps written ₹50,000, ₹2.5 L, ₹1 Cr."""
    if step is None:
        step, intervals = numbers.ticks(top or 1, intervals)
        end = step * intervals
    values = [step * index for index in range(int(round(end / step)) + 1)]
    figure.update_layout({axis: {
        "range": [0, end * 1.02], "tickvals": values,
        "ticktext": [numbers.money_tick(value, values[-1]) for value in values],
        **({"title": {"text": title}} if title else {})}})
    return figure


def ratio_axis(figure, top, axis="yaxis", step=None, end=None, title=None):
    """A × axis from 0 with round steps (0.5×, 1×, 1.5×), never 0.785."""
    if step is None:
        step, intervals = numbers.ticks(max(top or 0, 1.0), 5)
        end = step * intervals
    values = [step * index for index in range(int(round(end / step)) + 1)]
    figure.update_layout({axis: {
        "range": [0, end * 1.02], "tickvals": values,
        "ticktext": [f"{value:g}×" for value in values],
        **({"title": {"text": title}} if title else {})}})
    return figure


def money_text(values):
    """Hover text of rupee amounts, in the cards' words."""
    return [numbers.money(value) for value in values]


def ratio_text(values):
    return [numbers.ratio(value) for value in values]


def roas_bars(names, roas, incremental_roas, incremental_name="Incremental ROAS",
              height=320, horizontal=False, first_name="ROAS",
              colours=(ROAS_COLOUR, INCREMENTAL_COLOUR)):
    """ROAS beside incremental ROAS per group, with the break-even line at 1×.

    `horizontal` draws one row per group, the way long names (creators, campaigns) read.
    """
    names = list(names)
    roas, incremental_roas = list(roas), list(incremental_roas)

    def bar(values, name, colour):
        position = {"y": names, "x": values, "orientation": "h"} if horizontal else {
            "x": names, "y": values}
        return go.Bar(name=name, marker_color=colour, customdata=ratio_text(values),
                      hovertemplate=f"{name} %{{customdata}}<extra></extra>", **position)

    figure = go.Figure([bar(roas, first_name, colours[0]),
                        bar(incremental_roas, incremental_name, colours[1])])
    break_even_line(figure, horizontal)
    top = max(_top(roas), _top(incremental_roas))
    if horizontal:
        ratio_axis(figure, top, "xaxis", title="× spend")
        figure.update_yaxes(autorange="reversed", automargin=True)
        height = max(height, 34 * len(names) + 110)
        figure.update_layout(hovermode="y unified")
    else:
        ratio_axis(figure, top, title="× spend")
        figure.update_layout(hovermode="x unified")
    figure.update_layout(barmode="group")
    return style_figure(figure, height=height)


def money_and_roas(groups, revenue, spend, roas, roas_values=None):
    """Revenue and spend bars per group, ROAS on a second axis (`roas`: its trace).

    The two axes start at 0 and share their gridlines: the rupee steps and the × steps are
    both round and there are as many of one as of the other.
    """
    revenue, spend = list(revenue), list(spend)
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=groups, y=revenue, name="Revenue", marker_color=REVENUE_COLOUR,
                            customdata=money_text(revenue),
                            hovertemplate="Revenue %{customdata}<extra></extra>"))
    figure.add_trace(go.Bar(x=groups, y=spend, name="Spend", marker_color=SPEND_COLOUR,
                            customdata=money_text(spend),
                            hovertemplate="Spend %{customdata}<extra></extra>"))
    roas_values = list(roas.y if roas_values is None else roas_values)
    roas.update(customdata=ratio_text(roas_values),
                hovertemplate="ROAS %{customdata}<extra></extra>")
    figure.add_trace(roas, secondary_y=True)
    (money_step, money_end), (ratio_step, ratio_end), _ = numbers.aligned_axes(
        max(_top(revenue), _top(spend)), max(_top(roas_values), 1.0))
    money_axis(figure, None, "yaxis", money_step, money_end, title="Revenue and spend")
    ratio_axis(figure, None, "yaxis2", ratio_step, ratio_end, title="ROAS (×)")
    figure.update_layout(barmode="group", hovermode="x unified",
                         yaxis2={"showgrid": False})
    return figure


# How a period axis writes its dates: a weekly bucket is named by its Monday.
PERIOD_FORMATS = {"day": ("%-d %b", "%a %-d %b %Y"),
                  "week": ("Week of %-d %b", "Week of %-d %b %Y"),
                  "month": ("%b %Y", "%B %Y")}


def period_axis(figure, freq, periods=0):
    """Tick labels and the unified hover title for days, weeks ("Week of 3 Nov") or months.

    Week ticks fall on Mondays (2024-01-01 was one), every week or every few, at most ~10.
    """
    tick, hover = PERIOD_FORMATS.get(freq or "day", PERIOD_FORMATS["day"])
    figure.update_xaxes(type="date", tickformat=tick, hoverformat=hover)
    if freq == "week":
        weeks = max(1, -(-periods // 10))
        figure.update_xaxes(dtick=weeks * 7 * 24 * 3600 * 1000, tick0="2024-01-01")
    return figure
