"""Creators: the sortable grid and one creator's page."""
from dash import dcc
from flask_login import current_user

from dashboard import analytics, auth
from layouts import components


def layout(search="", influencer_key=None, **_kwargs):
    options = analytics.filter_options(scope=auth.brand_scope(current_user))
    selection = components.selection_for(search, options)
    creator = dcc.Store(id="influencers-key", data=influencer_key)
    if influencer_key:
        return components.view_page(
            "influencers", "Creator",
            "One creator's reach, posts, orders and what they were paid.",
            options, selection, stores=[creator])
    return components.view_page(
        "influencers", "Creators",
        "Every creator with orders, spend or posts in the selection. Click a name for "
        "the details; sort or filter any column.", options, selection, stores=[creator])
