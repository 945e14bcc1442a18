"""Data (admins): upload the four CSVs, dry-run report, commit, import history."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Data")], id="data-page")
