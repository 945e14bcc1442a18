"""ROI analysis: ROAS and incremental ROAS by influencer, campaign, platform and tier."""
import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from dashboard import analytics, auth
from layouts import components

DIMENSIONS = [("influencer", "Creator"), ("campaign", "Campaign"), ("platform", "Platform"),
              ("tier", "Creator tier")]


def layout(search="", dimension="influencer", **_kwargs):
    options = analytics.filter_options(scope=auth.brand_scope(current_user))
    selection = components.selection_for(search, options)
    picker = html.Div([
        dbc.Label("Compare by", html_for="roi-dimension", className="me-2 fw-semibold"),
        dbc.RadioItems(id="roi-dimension", value=dimension, inline=True,
                       options=[{"label": label, "value": value} for value, label in DIMENSIONS]),
    ], className="d-flex align-items-center mb-3")
    return components.view_page(
        "roi", "Return on spend",
        "Which creators, campaigns, platforms and tiers earn back what they cost. "
        "Move the baseline slider to see incremental ROAS under another assumption.",
        options, selection, extra_controls=picker)
