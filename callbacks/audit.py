"""Callbacks of the audit view (component ids start with "audit-")."""
from dash import Input, Output

from callbacks import common
from dashboard import audit
from layouts import audit as view


def page(search="", **_kwargs):
    action = common.query_value(search, "action")
    return view.layout(audit.known_actions(), action)


def register(app):
    @app.callback(Output("audit-table", "children"), Output("audit-count", "children"),
                  Input("audit-action", "value"))
    @common.guarded
    def show_events(action):
        events = audit.latest_events(action)
        return (view.events_table(events),
                view.count_text(len(events), audit.count_events(action), action))
