"""Callbacks of the campaigns view (component ids start with "campaigns-")."""
from dash import Output, State

from callbacks import common
from dashboard import analytics
from layouts import campaigns as view


def page(search="", campaign_key=None, **_kwargs):
    return view.layout(*common.page_filters(search), campaign_key=campaign_key)


def register(app):
    @app.callback(Output("campaigns-body", "children"), Output("campaigns-url", "search"),
                  *common.filter_inputs("campaigns"), State("campaigns-key", "data"))
    @common.guarded
    def update_campaigns(*inputs):
        *filters, campaign_key = inputs

        def build(selection, scope, _may_export):
            if campaign_key:
                profile = analytics.campaign_profile(campaign_key, selection, scope=scope)
                return view.campaign_body(selection, campaign_key, profile)
            return view.list_body(selection, analytics.campaign_list(selection, scope=scope))

        return common.view_body("campaigns", filters, build, campaign_key or "")
