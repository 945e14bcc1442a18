"""Callbacks of the admin's Deliveries page (component ids start with "deliveries-")."""
from dash import Input, Output

from callbacks import common
from dashboard.reports import subscriptions
from layouts import deliveries as view


def page(search="", **_kwargs):
    return view.layout(subscriptions.rows(), subscriptions.deliveries())


def register(app):
    @app.callback(Output("deliveries-body", "children"),
                  Input("deliveries-refresh", "n_clicks"), prevent_initial_call=True)
    @common.guarded
    def refresh(_clicks):
        return view.body(subscriptions.rows(), subscriptions.deliveries())
