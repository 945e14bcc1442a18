"""Overview: the landing page (KPIs against the previous period, trends, breakdowns)."""
from flask_login import current_user

from dashboard import analytics, auth
from layouts import components


def layout(search="", **_kwargs):
    options = analytics.filter_options(scope=auth.brand_scope(current_user))
    selection = components.selection_for(search, options)
    return components.view_page(
        "overview", "Overview",
        "Revenue, spend and return for the selection, against the period just before it.",
        options, selection)
