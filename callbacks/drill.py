"""Drill-down wiring: a click on a chart's bar or point opens that group's page, in the
browser (assets/links.js reads where each label leads from the figure)."""
from dash import Input, Output, State

# Charts whose figure says where each bar or point leads (layout.meta, layouts/drill.with_links).
DRILL_CHARTS = ("overview-by-platform", "overview-by-brand", "roi-by-group", "roi-scatter",
                "roi-cpo", "campaigns-chart")


def register(app):
    for chart in DRILL_CHARTS:
        # The output is never written (the function returns no_update); Dash needs one.
        app.clientside_callback(
            "function (click, figure) { return window.dashLinks.drill(click, figure); }",
            Output(chart, "className"), Input(chart, "clickData"), State(chart, "figure"),
            prevent_initial_call=True)
