"""My reports (/account/reports): the user's own e-mail subscriptions and their deliveries."""
import dash_bootstrap_components as dbc
from dash import dcc, html

NO_SUBSCRIPTIONS = ("You have no reports by e-mail yet. Open Overview, Return on spend or "
                    "Brands, set the filters you want and use “Subscribe to this view by "
                    "e-mail” under the filters.")
STATE_WORDS = {"claimed": "being made", "handing_off": "being sent", "sent": "sent",
               "retrying": "failed, will try again", "failed": "failed",
               "skipped": "not sent"}
STATE_COLOURS = {"sent": "success", "retrying": "warning", "failed": "danger",
                 "skipped": "secondary"}


def layout(subscription_rows, delivery_rows, email):
    return html.Div([
        html.H1("My reports", className="h3"),
        html.P(f"Reports go to {email}." if email else
               "You have no e-mail address yet, so nothing can be sent: ask an admin to add "
               "one on the Users page.", className="text-muted", id="reports-address"),
        dcc.Store(id="reports-version", data=0),
        html.Div(id="reports-message"),
        html.Div(body(subscription_rows, delivery_rows), id="reports-body"),
    ], id="reports-page")


def body(subscription_rows, delivery_rows):
    return html.Div([html.H5("Subscriptions"), subscriptions_table(subscription_rows),
                     html.H5("Deliveries", className="mt-4"),
                     deliveries_table(delivery_rows, show_user=False)])


def subscriptions_table(subscription_rows, show_user=False, actions=True,
                        empty_text=NO_SUBSCRIPTIONS, component_id="reports-subscriptions"):
    if not subscription_rows:
        return html.P(empty_text, className="empty-state", id=f"{component_id}-empty")
    titles = (["User"] if show_user else []) + [
        "View", "When", "Next", "Last delivery"] + (["", ""] if actions else [])
    rows = []
    for row in subscription_rows:
        sub = row.subscription
        address = sub.path + (f"?{sub.query}" if sub.query else "")
        cells = ([html.Td(row.username)] if show_user else []) + [
            html.Td(html.A(address, href=address)),
            html.Td(row.schedule_text),
            html.Td(row.next_text),
            html.Td(state_text(row.last) if row.last else "none yet"),
        ]
        if actions:
            pause = "resume" if sub.paused else "pause"
            cells += [
                html.Td(dbc.Button(pause.capitalize(), size="sm", color="secondary",
                                   outline=True, id={"type": "reports-action",
                                                     "action": pause, "index": sub.id})),
                html.Td(dbc.Button("Delete", size="sm", color="danger", outline=True,
                                   id={"type": "reports-action", "action": "delete",
                                       "index": sub.id})),
            ]
        rows.append(html.Tr(cells, className="text-muted" if sub.paused else ""))
    return dbc.Table([html.Thead(html.Tr([html.Th(title) for title in titles])),
                      html.Tbody(rows)], size="sm", striped=True, responsive=True,
                     id=component_id)


def deliveries_table(delivery_rows, show_user=True, component_id="reports-deliveries"):
    """Each delivery: when it was due, what, its state in words and what went wrong."""
    if not delivery_rows:
        return html.P("Nothing has been sent yet.", className="text-muted",
                      id=f"{component_id}-empty")
    titles = ["Due (UTC)"] + (["User"] if show_user else []) + [
        "View", "Period", "Status", "Tries", "Sent", "What happened"]
    rows = [html.Tr([html.Td(_when(delivery.due_at))]
                    + ([html.Td(user.username)] if show_user else [])
                    + [html.Td(subscription.path), html.Td(delivery.period),
                       html.Td(dbc.Badge(STATE_WORDS.get(delivery.state, delivery.state),
                                         color=STATE_COLOURS.get(delivery.state, "info"))),
                       html.Td(str(delivery.attempts)), html.Td(_when(delivery.sent_at)),
                       html.Td(delivery.error or delivery.sent_to or "")])
            for delivery, subscription, user in delivery_rows]
    return dbc.Table([html.Thead(html.Tr([html.Th(title) for title in titles])),
                      html.Tbody(rows)], size="sm", striped=True, responsive=True,
                     id=component_id)


def state_text(delivery):
    text = f"{delivery.period}: {STATE_WORDS.get(delivery.state, delivery.state)}"
    if delivery.state == "retrying" and delivery.next_attempt_at:
        text += f" at {_when(delivery.next_attempt_at)}"
    return text + (f" ({delivery.error})" if delivery.error else "")


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "–"


def message(text, ok=True):
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 small",
                     dismissable=True)
