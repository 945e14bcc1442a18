"""Chart shapes and settings the views share: colours, styling, the chart component."""
import base64

import numpy as np
import pandas as pd
import plotly.io as pio
from dash import dcc

from layouts import numbers
from layouts.components import EMPTY_SELECTION

# Figures are plain dicts, {"data": [traces], "layout": {...}}, as dcc.Graph and plotly.js
# take them. A go.Figure validated every property and deep-copied its template on each
# update: 75-134 ms of drawing a cold view at 1M orders, for a body that is sent as these
# same dicts.

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

# The trace types the views draw; the template's defaults for the other twenty-odd types
# (maps, 3-D, polar) would style nothing and add 5 KB to every chart sent.
TRACE_TYPES = ("bar", "scatter", "heatmap")


def _house_template():
    """plotly_white as plotly.js reads it, made once: Python's named templates mean nothing
    to the browser, so each figure carries the template itself."""
    template = pio.templates["plotly_white"].to_plotly_json()
    return {"layout": template["layout"],
            "data": {kind: template["data"][kind] for kind in TRACE_TYPES
                     if kind in template["data"]}}


HOUSE_TEMPLATE = _house_template()


def figure(traces=(), **layout):
    """A new figure with these traces and layout settings."""
    return {"data": list(traces), "layout": merge({}, layout)}


def merge(target, updates):
    """`updates` written into `target`, nested settings merged key by key (as Plotly's
    update_layout does: setting an axis's title keeps its range). Nested dicts are copied,
    so no figure shares a setting another one could change."""
    for key, value in updates.items():
        if isinstance(value, dict):
            current = target.get(key)
            target[key] = merge(current if isinstance(current, dict) else {}, value)
        else:
            target[key] = value
    return target


def update_layout(figure, **updates):
    merge(figure["layout"], updates)
    return figure


def numeric(values, dtype="f8"):
    """Numbers as a plotly.js typed array (base64): what go.Figure sent for a column of
    numbers, at about 11 characters a value against 18 for written-out doubles."""
    array = np.ascontiguousarray(np.asarray(values, dtype=float), dtype=f"<{dtype}")
    if array.size == 0:
        return []
    return {"dtype": dtype, "bdata": base64.b64encode(array).decode("ascii")}


def texts(values):
    """A column of labels or dates as a list (pandas values JSON-encode as Plotly did)."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    return values.tolist() if isinstance(values, np.ndarray) and values.dtype.kind in "OUS" \
        else values


def style_figure(figure, title=None, height=320):
    layout = merge(figure["layout"], {
        "colorway": COLOURWAY, "height": height,
        "margin": {"l": 60, "r": 20, "t": 70 if title else 45, "b": 40},
        # The legend sits above the plot on the left; the mode bar holds one button on the
        # right, so the two never meet on a chart a card wide.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                   "xanchor": "left"},
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "hoverlabel": {"font": {"size": 12}}})
    if title:
        merge(layout, {"title": {"text": title, "x": 0, "font": {"size": 14}}})
    # Shared, never merged into: one template for every chart, copied for none.
    layout["template"] = HOUSE_TEMPLATE
    return figure


def empty_figure(message=EMPTY_SELECTION, height=320):
    return style_figure(figure(
        annotations=[{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                      "showarrow": False, "font": {"size": 13, "color": "#6c757d"}}],
        xaxis={"visible": False}, yaxis={"visible": False}), height=height)


def plain_text(values):
    """Text (or a list, array or Series of it) that Plotly shows as it is, never as markup."""
    if isinstance(values, str):
        # Three substring tests are far quicker than translate, and most names need none.
        if _markup_in(values):
            return values.translate(_PLOTLY_MARKUP)
        return values
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype.kind not in "OUS":
        return values  # numbers and dates: nothing to escape
    if isinstance(values, list) and _plain_strings(values):
        return values
    if isinstance(values, (list, tuple, np.ndarray)):
        return [plain_text(value) for value in values]
    return values


def _markup_in(text):
    return "<" in text or ">" in text or "&" in text


def _plain_strings(values):
    """True for a list of strings (or of lists of strings) none of which holds markup: one
    scan of them all, where a test per string costs a millisecond per thousand points."""
    try:
        joined = "".join(values) if not values or isinstance(values[0], str) else "".join(
            map("".join, values))
    except TypeError:  # something other than text: look at each value
        return False
    return not _markup_in(joined)


def plain_figure(figure):
    """The figure as sent, with every data text escaped by plain_text.

    Escaping here, where every chart passes (chart() below), leaves no chart that shows
    imported text as markup. The traces are copied, the layout shared: the figure a
    builder returned stays as it was.
    """
    return {"data": [{**trace, **{prop: plain_text(trace[prop])
                                  for prop in _DATA_TEXT if prop in trace}}
                     for trace in figure.get("data", [])],
            "layout": figure.get("layout", {})}


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
    height = figure["layout"].get("height") or 320
    return dcc.Graph(
        id=component_id, figure=plain_figure(figure), className="roi-chart", responsive=True,
        style={"height": f"{height}px"}, config=graph_config(filename, hover_only))


def break_even_line(figure, horizontal=False):
    """The dashed 1× line, its label inside the plot so no margin clips it."""
    line = {"color": BREAK_EVEN_COLOUR, "dash": "dash"}
    label = {"font": {"color": "#555"}, "showarrow": False, "text": "break-even 1×"}
    if horizontal:
        shape = {"type": "line", "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1,
                 "yref": "y domain", "line": line}
        label.update(x=1, xanchor="left", xref="x", y=0, yanchor="bottom", yref="y domain")
    else:
        shape = {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": 1, "y1": 1,
                 "yref": "y", "line": line}
        label.update(x=1, xanchor="right", xref="x domain", y=1, yanchor="bottom", yref="y")
    layout = figure["layout"]
    layout.setdefault("shapes", []).append(shape)
    layout.setdefault("annotations", []).append(label)
    return figure


def _top(values):
    """The largest value above 0 (gaps skipped), else 0."""
    try:
        # None becomes NaN: most charts pass floats, and a Series of them costs a
        # millisecond to build for a handful of bars.
        array = np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):  # text among the numbers counts as a gap
        array = pd.to_numeric(pd.Series(list(values), dtype="object"),
                              errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    array = array[~np.isnan(array)]
    top = array.max() if array.size else 0.0
    return float(top) if top > 0 else 0.0


def money_axis(figure, top, axis="yaxis", step=None, end=None, title=None, intervals=5):
    """A rupee axis from ₹0 with round steps written ₹50,000, ₹2.5 L, ₹1 Cr."""
    if step is None:
        step, intervals = numbers.ticks(top or 1, intervals)
        end = step * intervals
    values = [step * index for index in range(int(round(end / step)) + 1)]
    return update_layout(figure, **{axis: {
        "range": [0, end * 1.02], "tickvals": values,
        "ticktext": [numbers.money_tick(value, values[-1]) for value in values],
        **({"title": {"text": title}} if title else {})}})


def ratio_axis(figure, top, axis="yaxis", step=None, end=None, title=None):
    """A × axis from 0 with round steps (0.5×, 1×, 1.5×), never 0.785."""
    if step is None:
        step, intervals = numbers.ticks(max(top or 0, 1.0), 5)
        end = step * intervals
    values = [step * index for index in range(int(round(end / step)) + 1)]
    return update_layout(figure, **{axis: {
        "range": [0, end * 1.02], "tickvals": values,
        "ticktext": [f"{value:g}×" for value in values],
        **({"title": {"text": title}} if title else {})}})


def _floats(values):
    """Python floats (NaN for a gap), which numbers.py formats without asking pandas."""
    return np.asarray(values, dtype=float).tolist()


def money_text(values):
    """Hover text of rupee amounts, in the cards' words."""
    return numbers.money_texts(_floats(values))


def ratio_text(values):
    return [numbers.ratio(value) for value in _floats(values)]


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
        return {"type": "bar", "name": name, "marker": {"color": colour},
                "customdata": ratio_text(values),
                "hovertemplate": f"{name} %{{customdata}}<extra></extra>", **position}

    chart_figure = figure([bar(roas, first_name, colours[0]),
                           bar(incremental_roas, incremental_name, colours[1])])
    break_even_line(chart_figure, horizontal)
    top = max(_top(roas), _top(incremental_roas))
    if horizontal:
        ratio_axis(chart_figure, top, "xaxis", title="× spend")
        update_layout(chart_figure, yaxis={"autorange": "reversed", "automargin": True},
                      hovermode="y unified")
        height = max(height, 34 * len(names) + 110)
    else:
        ratio_axis(chart_figure, top, title="× spend")
        update_layout(chart_figure, hovermode="x unified")
    update_layout(chart_figure, barmode="group")
    return style_figure(chart_figure, height=height)


def secondary_y_figure(traces, secondary):
    """Traces on a left y axis and `secondary` on a right one over the same x axis (the
    layout Plotly's make_subplots(secondary_y=True) writes)."""
    return figure([*traces, *({**trace, "xaxis": "x", "yaxis": "y2"} for trace in secondary)],
                  xaxis={"anchor": "y", "domain": [0.0, 0.94]},
                  yaxis={"anchor": "x", "domain": [0.0, 1.0]},
                  yaxis2={"anchor": "x", "overlaying": "y", "side": "right"})


def money_and_roas(groups, revenue, spend, roas, roas_values=None):
    """Revenue and spend bars per group, ROAS on a second axis (`roas`: its trace, a dict
    whose y holds the values).

    The two axes start at 0 and share their gridlines: the rupee steps and the × steps are
    both round and there are as many of one as of the other.
    """
    revenue, spend, groups = list(revenue), list(spend), texts(groups)
    roas_values = list(roas["y"] if roas_values is None else roas_values)
    roas = {**roas, "y": numeric(roas_values), "customdata": ratio_text(roas_values),
            "hovertemplate": "ROAS %{customdata}<extra></extra>"}
    chart_figure = secondary_y_figure([
        {"type": "bar", "x": groups, "y": revenue, "name": "Revenue",
         "marker": {"color": REVENUE_COLOUR}, "customdata": money_text(revenue),
         "hovertemplate": "Revenue %{customdata}<extra></extra>"},
        {"type": "bar", "x": groups, "y": spend, "name": "Spend",
         "marker": {"color": SPEND_COLOUR}, "customdata": money_text(spend),
         "hovertemplate": "Spend %{customdata}<extra></extra>"}], [roas])
    (money_step, money_end), (ratio_step, ratio_end), _ = numbers.aligned_axes(
        max(_top(revenue), _top(spend)), max(_top(roas_values), 1.0))
    money_axis(chart_figure, None, "yaxis", money_step, money_end, title="Revenue and spend")
    ratio_axis(chart_figure, None, "yaxis2", ratio_step, ratio_end, title="ROAS (×)")
    return update_layout(chart_figure, barmode="group", hovermode="x unified",
                         yaxis2={"showgrid": False})


# How a period axis writes its dates: a weekly bucket is named by its Monday.
PERIOD_FORMATS = {"day": ("%-d %b", "%a %-d %b %Y"),
                  "week": ("Week of %-d %b", "Week of %-d %b %Y"),
                  "month": ("%b %Y", "%B %Y")}


def period_axis(figure, freq, periods=0):
    """Tick labels and the unified hover title for days, weeks ("Week of 3 Nov") or months.

    Week ticks fall on Mondays (2024-01-01 was one), every week or every few, at most ~10.
    """
    tick, hover = PERIOD_FORMATS.get(freq or "day", PERIOD_FORMATS["day"])
    axis = {"type": "date", "tickformat": tick, "hoverformat": hover}
    if freq == "week":
        weeks = max(1, -(-periods // 10))
        axis.update(dtick=weeks * 7 * 24 * 3600 * 1000, tick0="2024-01-01")
    return update_layout(figure, xaxis=axis)
