"""Audit log (admins): logins, failed logins, role changes, imports."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Audit")], id="audit-page")
