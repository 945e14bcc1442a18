"""Overview: the landing page (KPIs, trends, breakdowns)."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Overview")], id="overview-page")
