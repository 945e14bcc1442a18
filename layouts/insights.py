"""Insights: top performers, underperformers, platforms, recommendations."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Insights")], id="insights-page")
