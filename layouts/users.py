"""User management (admins): create users, roles, brands, passwords, deactivate."""
from dash import html


def layout(search="", **_kwargs):
    return html.Div([html.H3("Users")], id="users-page")
