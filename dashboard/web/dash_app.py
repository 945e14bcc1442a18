"""Mounts the Dash app on the Flask server: shell layout, page routing, per-view callbacks."""
import os

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def init_app(server):
    from dashboard.web import background

    app = dash.Dash(
        __name__,
        server=server,
        url_base_pathname="/",
        assets_folder=os.path.join(ROOT, "assets"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="Influencer ROI",
        update_title=None,
        # Long work (imports) runs off the request thread, so no request nears the
        # gunicorn timeout; see dashboard/web/background.py.
        background_callback_manager=background.make_manager(server),
    )
    # Screen readers pick their voice from the page's language.
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    app.layout = shell_layout
    register_callbacks(app)
    server.extensions["dash_app"] = app
    return app


def shell_layout():
    """The page frame; a function, so nothing is loaded when the module is imported."""
    return html.Div([
        dcc.Location(id="app-url", refresh="callback-nav"),
        html.Div(id="app-navbar"),
        dbc.Container(id="app-page", fluid=True, className="py-3"),
    ])


def register_callbacks(app):
    from callbacks import register_all

    register_all(app)
