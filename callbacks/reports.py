"""Callbacks of My reports (ids "reports-") and of the subscribe control on the views."""
from urllib.parse import parse_qs

from dash import ALL, Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks import common
from dashboard.reports import REPORT_VIEWS, subscriptions
from layouts import reports as view


def page(search="", **_kwargs):
    # Everyone, admins too, sees only their own subscriptions here (all: /admin/deliveries).
    return view.layout(*_own_rows(), current_user.email)


def _own_rows():
    return (subscriptions.rows(user_id=current_user.id),
            subscriptions.deliveries(user_id=current_user.id))


def subscribe_from_view(view_name, search, dimension, every, at):
    """Subscribe the signed-in user to the view as it stands; (message, ok)."""
    query = (search or "").lstrip("?")
    if dimension and "by" not in parse_qs(query):
        query = "&".join(part for part in (query, f"by={dimension}") if part)
    try:
        subscription = subscriptions.subscribe(current_user.username, f"/{view_name}", query,
                                               every=every, at=at)
    except subscriptions.SubscriptionError as error:
        return str(error), False
    [row] = [row for row in subscriptions.rows(user_id=current_user.id)
             if row.subscription.id == subscription.id]
    where = current_user.email or "your e-mail address (none yet: ask an admin to add one)"
    return (f"Subscribed: this view goes to {where} {row.schedule_text}, first on "
            f"{row.next_at:%Y-%m-%d %H:%M} UTC. Manage it under My reports."), True


def _register_subscribe(app, view_name):
    @app.callback(Output(f"{view_name}-subscribe-form", "is_open"),
                  Input(f"{view_name}-subscribe-open", "n_clicks"),
                  State(f"{view_name}-subscribe-form", "is_open"), prevent_initial_call=True)
    def toggle(_clicks, is_open):
        return not is_open

    # The ROI view's "compare by" choice is part of what the page shows.
    extra = [State("roi-dimension", "value")] if view_name == "roi" else []

    @app.callback(Output(f"{view_name}-subscribe-message", "children"),
                  Input(f"{view_name}-subscribe-button", "n_clicks"),
                  State(f"{view_name}-url", "search"), State(f"{view_name}-subscribe-every",
                                                             "value"),
                  State(f"{view_name}-subscribe-at", "value"), *extra,
                  prevent_initial_call=True)
    @common.guarded
    def subscribe(_clicks, search, every, at, dimension=None):
        text, ok = subscribe_from_view(view_name, search, dimension, every, at)
        return view.message(text, ok)


def register(app):
    for view_name in REPORT_VIEWS:
        _register_subscribe(app, view_name)

    @app.callback(Output("reports-body", "children"), Output("reports-message", "children"),
                  Input({"type": "reports-action", "action": ALL, "index": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    @common.guarded
    def act(clicks):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks or ()):
            return no_update, no_update  # buttons drawn anew, not clicked
        action, subscription_id = trigger["action"], trigger["index"]
        try:
            if action == "delete":
                subscriptions.delete(subscription_id, current_user)
                text = f"Subscription {subscription_id} deleted; nothing more is sent."
            else:
                subscriptions.set_paused(subscription_id, action == "pause", current_user)
                text = (f"Subscription {subscription_id} paused." if action == "pause" else
                        f"Subscription {subscription_id} resumes at its next time.")
        except subscriptions.SubscriptionError as error:
            return no_update, view.message(str(error), ok=False)
        return view.body(*_own_rows()), view.message(text)
