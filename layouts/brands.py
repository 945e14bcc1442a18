"""Brand summaries: a card per brand in the user's scope (the manager's home)."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Brands")], id="brands-page")
