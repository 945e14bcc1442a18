"""Creators: the sortable grid and one creator's page."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Influencers")], id="influencers-page")
