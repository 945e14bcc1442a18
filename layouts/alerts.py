"""Alerts: a user's rules (add, change, delete, mute, snooze) and the alerts they fired."""
import dash_bootstrap_components as dbc
from dash import dcc, html

LINE_HINT = ("Below/above: the value (2 for 2.0× ROAS, 5000 for ₹5,000). Down/up by: the "
             "percentage, e.g. 30. Payouts: the rupees a payout may be off (default 1).")
PERIODS_HINT = ("Down/up by: the weeks before the last 7 days to compare against (default "
                "4). Spend without orders: the days (default 7).")


def layout(kinds, metrics, scope_kinds, email, allowed_webhooks, may_manage_webhooks):
    """The page; the option lists come in as {value: label} maps, `email` is the user's
    address (None: none), `allowed_webhooks` the addresses an admin allowed."""
    return html.Div([
        html.H1("Alerts", className="h3"),
        html.P("Hear when a number crosses your line, by e-mail or in a chat channel. Rules "
               "are checked after every import and once a day, on the last 7 complete days, "
               "and only on the brands you can see.", className="text-muted"),
        dcc.Store(id="alerts-version", data=0),
        dbc.Row([
            dbc.Col([html.H5("Your rules"), html.Div(id="alerts-rules"),
                     html.H5("Alerts fired", className="mt-4"), html.Div(id="alerts-history")],
                    lg=7),
            dbc.Col([_rule_card(kinds, metrics, scope_kinds, email, allowed_webhooks,
                                may_manage_webhooks),
                     _manage_card()], lg=5),
        ]),
    ], id="alerts-page")


def _options(labels):
    return [{"label": label, "value": value} for value, label in labels.items()]


def _rule_card(kinds, metrics, scope_kinds, email, allowed_webhooks, may_manage_webhooks):
    hooks = (", ".join(allowed_webhooks) if allowed_webhooks
             else "none yet, so alerts go by e-mail only")
    manage = [" ", dcc.Link("Manage the list", href="/admin/webhooks",
                            id="alerts-manage-webhooks")] if may_manage_webhooks else []
    return dbc.Card([
        dbc.CardHeader("Add or change a rule"),
        dbc.CardBody([
            dbc.Label("Rule", html_for="alerts-selected"),
            dcc.Dropdown(id="alerts-selected", placeholder="A new rule"),
            dbc.Label("Watch", html_for="alerts-metric", className="mt-2 d-block"),
            dbc.Select(id="alerts-metric", options=_options(metrics), value="roas"),
            dbc.Label("Alert when it", html_for="alerts-kind", className="mt-2 d-block"),
            dbc.Select(id="alerts-kind", options=_options(kinds), value="below"),
            dbc.Label("Line", html_for="alerts-threshold", className="mt-2"),
            dbc.Input(id="alerts-threshold", type="number", step="any"),
            dbc.FormText(LINE_HINT),
            dbc.Label("Weeks or days", html_for="alerts-periods", className="mt-2 d-block"),
            dbc.Input(id="alerts-periods", type="number", min=1, step=1),
            dbc.FormText(PERIODS_HINT),
            dbc.Label("For", html_for="alerts-scope-kind", className="mt-2 d-block"),
            dbc.Select(id="alerts-scope-kind", options=_options(scope_kinds),
                       value="everything"),
            dbc.Input(id="alerts-scope-value", className="mt-1", maxLength=200,
                      placeholder="Its name (a creator: their id), e.g. MuscleBlaze"),
            dbc.Checkbox(id="alerts-email", value=True, className="mt-3",
                         label=f"E-mail me at {email}" if email else
                         "E-mail me (you have no e-mail address yet: ask an admin)"),
            dbc.Label("Webhook address (Slack-compatible)", html_for="alerts-webhook",
                      className="mt-2"),
            dbc.Input(id="alerts-webhook", type="url", maxLength=500,
                      placeholder="https://hooks.slack.com/services/..."),
            dbc.FormText(["Allowed by an admin: ", hooks, ".", *manage]),
            html.Div(dbc.Button("Save rule", id="alerts-save", color="primary"),
                     className="mt-3"),
            html.Div(id="alerts-save-message", className="mt-2"),
        ]),
    ], className="mb-3")


def _manage_card():
    return dbc.Card([
        dbc.CardHeader("Mute, snooze or delete the rule picked above"),
        dbc.CardBody([
            dbc.Button("Mute", id="alerts-mute", color="secondary", outline=True,
                       className="me-2"),
            dbc.Button("Delete", id="alerts-delete", color="danger", outline=True),
            html.Hr(),
            dbc.Label("Snooze until (alerts are kept but not sent through this day)",
                      html_for="alerts-snooze-until"),
            html.Div(dcc.DatePickerSingle(id="alerts-snooze-until",
                                          display_format="YYYY-MM-DD")),
            dbc.Button("Snooze", id="alerts-snooze", color="secondary", className="mt-2 me-2"),
            dbc.Button("End snooze", id="alerts-unsnooze", color="link", className="mt-2"),
            html.Div(id="alerts-manage-message", className="mt-2"),
        ]),
    ])


def rule_options(rules, describe):
    return [{"label": f"{rule.id}: {describe(rule)}", "value": rule.id} for rule in rules]


def rules_table(rules, describe):
    if not rules:
        return html.P("No rules yet. Add one on the right.", className="text-muted",
                      id="alerts-no-rules")
    header = html.Thead(html.Tr([html.Th(title) for title in (
        "No.", "Alert when", "Goes to", "State")]))
    rows = [html.Tr([html.Td(rule.id), html.Td(describe(rule)), html.Td(_channels(rule)),
                     html.Td(_state(rule))]) for rule in rules]
    return dbc.Table([header, html.Tbody(rows)], striped=True, size="sm", responsive=True,
                     id="alerts-rule-list")


def _channels(rule):
    return ", ".join(filter(None, ["e-mail" if rule.send_email else "",
                                   rule.webhook_url and f"webhook {rule.webhook_url}"]))


def _state(rule):
    words = ["firing (no new alert until it recovers)" if rule.firing else "quiet"]
    if rule.muted:
        words.append("muted")
    if rule.snoozed_until:
        words.append(f"snoozed until {rule.snoozed_until:%Y-%m-%d}")
    return ", ".join(words)


DELIVERY_WORDS = {"sent": "sent", "failed": "not delivered", "pending": "sending",
                  "suppressed": "not sent"}


def history_table(fired):
    """`fired`: (event, rule) pairs, newest first."""
    if not fired:
        return html.P("No alert has fired yet.", className="text-muted", id="alerts-no-history")
    header = html.Thead(html.Tr([html.Th(title) for title in (
        "When (UTC)", "Rule", "What happened", "Delivered")]))
    rows = [html.Tr([
        html.Td(event.fired_at.strftime("%Y-%m-%d %H:%M")),
        html.Td(rule.id),
        html.Td([event.message.split(" Open: ")[0], " ",
                 html.A("Open", href=event.link, target="_blank", rel="noopener")]),
        html.Td(_delivery(event)),
    ]) for event, rule in fired]
    return dbc.Table([header, html.Tbody(rows)], striped=True, size="sm", responsive=True,
                     id="alerts-history-list")


def _delivery(event):
    parts = []
    for channel, status, detail in (("E-mail", event.email_status, event.email_detail),
                                    ("Webhook", event.webhook_status, event.webhook_detail)):
        if status == "none":
            continue
        text = f"{channel}: {DELIVERY_WORDS.get(status, status)}"
        parts.append(html.Div(f"{text} ({detail})" if detail else text))
    return parts or "nowhere"


def message(text, ok=True):
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 mb-0",
                     dismissable=True)
