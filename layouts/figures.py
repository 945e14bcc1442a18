"""Chart shapes and settings the views share: colours, styling, the chart component."""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc
from plotly.subplots import make_subplots

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
        margin={"l": 55, "r": 20, "t": 60 if title else 40, "b": 40},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
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
    "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio", "lasso2d", "select2d"],
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


def break_even_line(figure):
    figure.add_hline(y=1, line_dash="dash", line_color=BREAK_EVEN_COLOUR,
                     annotation_text="break-even", annotation_position="top left")


def roas_bars(names, roas, incremental_roas, incremental_name="Incremental ROAS",
              height=320):
    """ROAS beside incremental ROAS per group, with the break-even line at 1×."""
    figure = go.Figure([
        go.Bar(x=names, y=roas, name="ROAS", marker_color=ROAS_COLOUR,
               hovertemplate="%{x}<br>ROAS %{y:.2f}×<extra></extra>"),
        go.Bar(x=names, y=incremental_roas, name=incremental_name,
               marker_color=INCREMENTAL_COLOUR,
               hovertemplate="%{x}<br>Incremental ROAS %{y:.2f}×<extra></extra>"),
    ])
    break_even_line(figure)
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text="× spend")
    return style_figure(figure, height=height)


def money_and_roas(groups, revenue, spend, roas):
    """Revenue and spend bars per group, ROAS on a second axis (`roas`: its trace)."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=groups, y=revenue, name="Revenue", marker_color=REVENUE_COLOUR,
                            hovertemplate="%{x}<br>Revenue ₹%{y:,.0f}<extra></extra>"))
    figure.add_trace(go.Bar(x=groups, y=spend, name="Spend", marker_color=SPEND_COLOUR,
                            hovertemplate="%{x}<br>Spend ₹%{y:,.0f}<extra></extra>"))
    figure.add_trace(roas, secondary_y=True)
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text="ROAS (×)", secondary_y=True, rangemode="tozero",
                        showgrid=False)
    return figure
