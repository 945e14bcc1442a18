"""Callbacks of the webhook allow-list view (component ids start with "webhooks-"), admins."""
from dash import Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks import common
from dashboard.reports import alert_rules as rules
from layouts import webhooks as view


def page(search="", **_kwargs):
    return view.layout()


def register(app):
    @app.callback(Output("webhooks-table", "children"), Output("webhooks-remove-url", "options"),
                  Input("webhooks-version", "data"))
    @common.guarded
    def show(_version):
        entries = rules.allowed_webhooks()
        return view.allowed_table(entries), [entry.url for entry in entries]

    @app.callback(Output("webhooks-message", "children"), Output("webhooks-version", "data"),
                  Output("webhooks-new-url", "value"),
                  Input("webhooks-add", "n_clicks"), Input("webhooks-remove", "n_clicks"),
                  State("webhooks-new-url", "value"), State("webhooks-remove-url", "value"),
                  State("webhooks-version", "data"), prevent_initial_call=True)
    @common.guarded
    def change(_add, _remove, new_url, old_url, version):
        try:
            if ctx.triggered_id == "webhooks-add":
                entry = rules.allow_webhook(new_url, current_user.username)
                text, typed = f"Alert rules may now post to {entry.url}.", ""
            elif ctx.triggered_id == "webhooks-remove":
                if not old_url:
                    return view.message("Pick an address first.", ok=False), no_update, \
                        no_update
                rules.remove_webhook(old_url, current_user.username)
                text, typed = (f"{old_url} is no longer allowed; rules that post there "
                               "will report it as not delivered."), no_update
            else:
                return no_update, no_update, no_update
        except rules.AlertError as error:
            return view.message(str(error), ok=False), no_update, no_update
        return view.message(text), (version or 0) + 1, typed
