"""Overview: the landing page (KPIs against the previous period, trends, breakdowns)."""
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from layouts import components, drill, figures


def layout(options, selection):
    return components.view_page(
        "overview", "Overview",
        "Revenue, spend and return for the selection, against an earlier period.",
        options, selection)


def body(selection, overview, may_export):
    kpis = overview["kpis"]
    # Every order, spend event and post belongs to a platform: no platform rows, no data.
    if overview["by_platform"].empty:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="overview-empty")])

    def export(table):
        return components.export_link("overview", table, selection) if may_export else None

    return html.Div([
        html.P(components.selection_summary(selection), className="small text-muted"),
        kpi_row(selection, kpis, overview["previous_kpis"]),
        dbc.Row([dbc.Col(components.section(
            "Revenue, spend and ROAS over time",
            figures.chart("overview-trend", trend_figure(overview["timeseries"]),
                          "revenue-spend-roas"),
            export=export("timeseries")), lg=12)], className="g-3"),
        dbc.Row([
            dbc.Col(components.section(
                "By platform",
                figures.chart("overview-by-platform",
                              drill.with_links(
                                  breakdown_figure(overview["by_platform"], "platform"),
                                  selection, "platform", overview["by_platform"]["platform"]),
                              "by-platform"),
                export=export("by_platform")), lg=6),
            dbc.Col(components.section(
                "By brand",
                figures.chart("overview-by-brand",
                              drill.with_links(
                                  breakdown_figure(overview["by_brand"], "brand"), selection,
                                  "brand", overview["by_brand"]["brand"]), "by-brand"),
                export=export("by_brand")), lg=6),
        ], className="g-3"),
        components.section(
            "Top campaigns by revenue",
            components.grid("overview-top-campaigns", overview["top_campaigns"],
                            ["campaign", "revenue", "spend", "roas", "incremental_roas",
                             "orders", "cpo"],
                            link=drill.grid_link(selection, "campaign", "campaign",
                                                 "campaign")),
            export=export("top_campaigns")),
    ])


def kpi_row(selection, kpis, previous_kpis):
    against = selection.comparison_words()
    cards = []
    for metric, label, kind, higher_is_better in components.KPIS:
        change, css = components.kpi_change(metric, kpis.get(metric), previous_kpis, against,
                                            higher_is_better)
        if metric == "incremental_roas":
            label = f"{label} (baseline {selection.baseline * 100:.0f}%)"
        cards.append(dbc.Col(components.kpi_card(
            "overview", metric, label, components.formatted(kpis.get(metric), kind),
            change, css), xs=6, md=3, className="mb-3"))
    return dbc.Row(cards, className="g-3", id="overview-kpis")


def trend_figure(timeseries):
    if timeseries is None or timeseries.empty:
        return figures.empty_figure("No dated orders or spend in this selection.")
    figure = figures.money_and_roas(
        timeseries["period"], timeseries["revenue"], timeseries["spend"],
        go.Scatter(x=timeseries["period"], y=timeseries["roas"], name="ROAS",
                   mode="lines+markers", connectgaps=True,
                   line={"color": figures.ROAS_COLOUR, "width": 2},
                   hovertemplate="%{x}<br>ROAS %{y:.2f}×<extra></extra>"))
    figure.update_yaxes(title_text="Revenue and spend (₹)", secondary_y=False,
                        tickformat=",.0f")
    return figures.style_figure(figure, height=340)


def breakdown_figure(frame, dimension):
    if frame is None or frame.empty:
        return figures.empty_figure()
    frame = frame.sort_values("revenue", ascending=False)
    figure = figures.money_and_roas(
        frame[dimension], frame["revenue"], frame["spend"],
        go.Scatter(x=frame[dimension], y=frame["roas"], name="ROAS", mode="markers",
                   marker={"size": 11, "color": figures.ROAS_COLOUR},
                   hovertemplate="%{x}<br>ROAS %{y:.2f}×<extra></extra>"))
    figure.update_yaxes(tickformat=",.0f", secondary_y=False)
    return figures.style_figure(figure)
