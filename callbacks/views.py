"""Callbacks of the saved views page (component ids start with "views-")."""
from dash import ALL, Input, Output, ctx, html, no_update
from flask_login import current_user

from callbacks import common
from dashboard import auth, saved_views
from layouts import views as view


def page(**_kwargs):
    return view.layout(saved_views.view_rows(current_user),
                       auth.can(current_user, "share_view"))


def register(app):
    @app.callback(Output("views-body", "children"), Output("views-message", "children"),
                  Input({"type": "views-delete", "index": ALL}, "n_clicks"),
                  Input({"type": "views-share", "index": ALL}, "value"),
                  prevent_initial_call=True)
    @common.guarded
    def change_view(_deletes, _shares):
        trigger = ctx.triggered_id
        value = ctx.triggered[0]["value"] if ctx.triggered else None
        # A list drawn again brings new buttons (0 clicks) and menus: not a change.
        if not trigger or value is None or (trigger["type"] == "views-delete" and not value):
            return no_update, no_update
        try:
            if trigger["type"] == "views-delete":
                saved_views.delete_view(current_user, trigger["index"])
                message = "The view was deleted."
            else:
                role = value or None
                shared = saved_views.share_view(current_user, trigger["index"], role)
                message = (f"\u201c{shared.name}\u201d is now offered to every {role}."
                           if role else f"\u201c{shared.name}\u201d is yours only again.")
        except saved_views.SavedViewError as error:
            return no_update, html.Div(str(error), className="alert alert-warning py-2")
        rows = saved_views.view_rows(current_user)
        return (view.view_list(rows, auth.can(current_user, "share_view")),
                html.Div(message, className="alert alert-success py-2"))
