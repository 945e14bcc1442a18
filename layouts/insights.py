"""Insights: top performers, underperformers, platforms, recommendations."""
from flask_login import current_user

from dashboard import analytics, auth
from layouts import components


def layout(search="", **_kwargs):
    options = analytics.filter_options(scope=auth.brand_scope(current_user))
    selection = components.selection_for(search, options)
    return components.view_page(
        "insights", "Insights",
        "Who to back, who to renegotiate with, and where the budget works hardest.",
        options, selection)
