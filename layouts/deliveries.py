"""Deliveries (/admin/deliveries): every report delivery of every user, and its status."""
import dash_bootstrap_components as dbc
from dash import html

from layouts import reports


def layout(subscription_rows, delivery_rows):
    return html.Div([
        html.H1("Report deliveries", className="h3"),
        html.P("Every scheduled report, who gets it, and what happened to each delivery. "
               "A failed send is tried again after 5 minutes, 30 minutes and 2 hours.",
               className="text-muted"),
        dbc.Button("Refresh", id="deliveries-refresh", size="sm", color="secondary",
                   className="mb-2"),
        html.Div(body(subscription_rows, delivery_rows), id="deliveries-body"),
    ], id="deliveries-page")


def body(subscription_rows, delivery_rows):
    failed = sum(1 for delivery, _sub, _user in delivery_rows
                 if delivery.state in ("failed", "retrying"))
    return html.Div([
        html.P(f"{len(subscription_rows)} subscriptions, {len(delivery_rows)} deliveries "
               f"shown, {failed} failed or waiting to be tried again.", className="small",
               id="deliveries-summary"),
        html.H5("Deliveries"),
        reports.deliveries_table(delivery_rows, show_user=True,
                                 component_id="deliveries-list"),
        html.H5("Subscriptions", className="mt-4"),
        reports.subscriptions_table(subscription_rows, show_user=True, actions=False,
                                    empty_text="Nobody has subscribed to a report yet.",
                                    component_id="deliveries-subscriptions"),
    ])
