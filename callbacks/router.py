"""Page routing: which view the URL names, and whether the signed-in user may open it."""
import importlib

from dash import Input, Output
from flask_login import current_user

from callbacks import common
from dashboard import auth
from layouts import navbar, pages


def register(app):
    @app.callback(Output("app-page", "children"), Output("app-navbar", "children"),
                  Input("app-url", "pathname"), Input("app-url", "search"))
    @common.guarded
    def route(pathname, search):
        view, kwargs = pages.resolve(pathname or "/", getattr(current_user, "role", None))
        if view is None:
            return pages.not_found(), navbar.navbar(current_user)
        if not auth.can_open(current_user, view):
            return pages.forbidden(), navbar.navbar(current_user)
        # Each view's callbacks module reads what its page frame shows.
        wiring = importlib.import_module(f"callbacks.{pages.module_of(view)}")
        return (pages.titled(view, wiring.page(search=search or "", **kwargs)),
                navbar.navbar(current_user))
