"""Callbacks of the influencers view (component ids start with "influencers-")."""
from dash import Output, State

from callbacks import common
from dashboard import analytics
from dashboard.web import exports
from layouts import influencers as view


def page(search="", influencer_key=None, **_kwargs):
    return view.layout(*common.page_filters(search), influencer_key=influencer_key)


def register(app):
    @app.callback(Output("influencers-body", "children"), Output("influencers-url", "search"),
                  *common.filter_inputs("influencers"), State("influencers-key", "data"))
    @common.guarded
    def update_influencers(*inputs):
        *filters, influencer_key = inputs

        def build(selection, scope, may_export):
            if influencer_key:
                profile = analytics.influencer_profile(influencer_key, selection, scope=scope)
                return view.creator_body(selection, influencer_key, profile, may_export)
            creators = exports.TABLES["influencers"]["creators"](selection, scope, {})
            return view.creators_body(selection, creators, may_export)

        return common.view_body("influencers", filters, build, influencer_key or "")
