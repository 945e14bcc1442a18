"""Overview: the landing page (KPIs against the previous period, trends, breakdowns)."""
import dash_bootstrap_components as dbc
from dash import html

from dashboard import tables
from layouts import components, drill, figures, numbers


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
            figures.chart("overview-trend", trend_figure(
                overview["timeseries"], overview.get("timeseries_freq")),
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
                components.unattributed_note(overview["by_brand"], "brand", "overview-brand"),
                export=export("by_brand")), lg=6),
        ], className="g-3"),
        components.section(
            "Top campaigns by revenue",
            components.grid("overview-top-campaigns", overview["top_campaigns"],
                            TOP_CAMPAIGN_COLUMNS,
                            link=drill.grid_link(selection, "campaign", "campaign",
                                                 "campaign")),
            components.unattributed_note(overview["top_campaigns"], "campaign",
                                         "overview-campaign"),
            help_text="The ten campaigns with the most revenue; campaigns that sold nothing "
                      "are left out.",
            export=export("top_campaigns")),
    ])


# The table's columns, on screen and in its CSV (dashboard/tables.py).
TOP_CAMPAIGN_COLUMNS = tables.TOP_CAMPAIGN_COLUMNS


def kpi_row(selection, kpis, previous_kpis):
    against = selection.comparison_words()
    cards = []
    for metric, label, kind, higher_is_better in components.KPIS:
        change, css = components.kpi_change(metric, kpis.get(metric), previous_kpis, against,
                                            higher_is_better)
        if metric == "incremental_roas":
            label = f"{label} (baseline {selection.baseline * 100:.0f}%)"
        value = kpis.get(metric)
        cards.append(dbc.Col(components.kpi_card(
            "overview", metric, label, components.formatted(value, kind), change, css,
            exact=numbers.money_full(value) if kind == "money" else None),
            xs=6, md=3, className="mb-3"))
    baseline = selection.baseline * 100
    explained = html.P(
        f"Incremental ROAS (baseline {baseline:.0f}%) counts only the sales the creators "
        f"caused: {baseline:.0f}% of sales are taken to have happened anyway, without any "
        f"post, and are left out (revenue × {1 - selection.baseline:.2f} ÷ spend). Move the "
        "baseline slider to try another share; the ROI page compares it with the share "
        "measured from the data.", className="small text-muted", id="overview-incremental-help")
    return html.Div([dbc.Row(cards, className="g-3", id="overview-kpis"), explained])


def trend_figure(timeseries, freq="day"):
    if timeseries is None or timeseries.empty:
        return figures.empty_figure("No dated orders or spend in this selection.")
    figure = figures.money_and_roas(
        timeseries["period"], timeseries["revenue"], timeseries["spend"],
        {"type": "scatter", "x": figures.texts(timeseries["period"]),
         "y": timeseries["roas"], "name": "ROAS", "mode": "lines+markers",
         "connectgaps": True, "line": {"color": figures.ROAS_COLOUR, "width": 2}})
    figures.period_axis(figure, freq, len(timeseries))
    return figures.style_figure(figure, height=340)


def breakdown_figure(frame, dimension):
    if frame is None or frame.empty:
        return figures.empty_figure()
    frame = frame.sort_values("revenue", ascending=False)
    figure = figures.money_and_roas(
        frame[dimension], frame["revenue"], frame["spend"],
        {"type": "scatter", "x": figures.texts(frame[dimension]), "y": frame["roas"],
         "name": "ROAS", "mode": "markers",
         "marker": {"size": 11, "color": figures.ROAS_COLOUR}})
    return figures.style_figure(figure)
