"""Callbacks of the audit view (component ids start with "audit-")."""
from urllib.parse import parse_qs

from dash import Input, Output

from callbacks import common
from dashboard import audit
from layouts import audit as view


def page(search="", **_kwargs):
    action = parse_qs((search or "").lstrip("?")).get("action", [None])[0]
    return view.layout(audit.known_actions(), action)


def register(app):
    @app.callback(Output("audit-table", "children"), Output("audit-count", "children"),
                  Input("audit-action", "value"))
    @common.guarded
    def show_events(action):
        events = audit.latest_events(action)
        return (view.events_table(events),
                view.count_text(len(events), audit.count_events(action), action))
