"""Webhook allow-list (admins): the addresses alert rules may post to."""
import dash_bootstrap_components as dbc
from dash import dcc, html


def layout():
    return html.Div([
        html.H1("Alert webhooks", className="h3"),
        html.P("Alert rules may post only to these addresses. An address ending in \"/\" "
               "allows every address under it, e.g. https://hooks.slack.com/services/ .",
               className="text-muted"),
        dcc.Store(id="webhooks-version", data=0),
        dbc.Row([
            dbc.Col([html.Div(id="webhooks-table")], lg=7),
            dbc.Col(dbc.Card([
                dbc.CardHeader("Allow an address"),
                dbc.CardBody([
                    dbc.Label("Address", html_for="webhooks-new-url"),
                    dbc.Input(id="webhooks-new-url", type="url", maxLength=500,
                              placeholder="https://hooks.slack.com/services/"),
                    dbc.Button("Allow", id="webhooks-add", color="primary", className="mt-2"),
                    html.Hr(),
                    dbc.Label("Remove an address", html_for="webhooks-remove-url"),
                    dcc.Dropdown(id="webhooks-remove-url", placeholder="Pick an address"),
                    dbc.Button("Remove", id="webhooks-remove", color="danger", outline=True,
                               className="mt-2"),
                    html.Div(id="webhooks-message", className="mt-2"),
                ]),
            ]), lg=5),
        ]),
    ], id="webhooks-page")


def allowed_table(entries):
    if not entries:
        return html.P("No address is allowed yet, so alerts go by e-mail only.",
                      className="text-muted", id="webhooks-none")
    header = html.Thead(html.Tr([html.Th(title) for title in (
        "Address", "Allowed by", "When (UTC)")]))
    rows = [html.Tr([html.Td(entry.url), html.Td(entry.added_by),
                     html.Td(entry.added_at.strftime("%Y-%m-%d %H:%M"))]) for entry in entries]
    return dbc.Table([header, html.Tbody(rows)], striped=True, size="sm", responsive=True,
                     id="webhooks-list")


def message(text, ok=True):
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 mb-0",
                     dismissable=True)
