"""Brand summaries: a card per brand in the user's scope (the manager's home)."""
from flask_login import current_user

from dashboard import analytics, auth
from layouts import components


def layout(search="", **_kwargs):
    options = analytics.filter_options(scope=auth.brand_scope(current_user))
    selection = components.selection_for(search, options)
    return components.view_page(
        "brands", "Brands", "Each brand you look after: its numbers, its trend, its best "
        "creators.", options, selection)
