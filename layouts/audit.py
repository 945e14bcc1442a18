"""Audit log (admins): logins, failed logins, role changes, imports."""
import dash_bootstrap_components as dbc
from dash import dcc, html


def layout(actions, action=None):
    """The log page: `actions` to pick from, `action` picked (None: every action)."""
    return html.Div([
        html.H1("Audit log", className="h3"),
        dbc.Row([
            dbc.Col([
                dbc.Label("Action", html_for="audit-action"),
                dcc.Dropdown(id="audit-action", options=actions, value=action,
                             placeholder="Every action"),
            ], md=4),
        ], className="mb-2"),
        html.P(id="audit-count", className="small text-muted"),
        html.Div(id="audit-table"),
    ], id="audit-page")


def events_table(events):
    header = html.Thead(html.Tr([html.Th(title) for title in (
        "When (UTC)", "User", "Action", "What happened", "IP address")]))
    rows = [html.Tr([
        html.Td(event.at.strftime("%Y-%m-%d %H:%M:%S") if event.at else ""),
        html.Td(event.username or "–"),
        html.Td(event.action),
        html.Td(event.detail or ""),
        html.Td(event.ip or ""),
    ]) for event in events]
    return dbc.Table([header, html.Tbody(rows)], striped=True, hover=True, size="sm",
                     responsive=True, id="audit-list")


def count_text(shown, total, action):
    what = f"{action!r} events" if action else "events"
    if total == 0:
        return f"No {what} logged yet."
    if shown < total:
        return f"Showing the latest {shown:,} of {total:,} {what}."
    return f"Showing all {total:,} {what}."
