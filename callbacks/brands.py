"""Callbacks of the brands view (component ids start with "brands-")."""
from dash import Output

from callbacks import common
from dashboard import analytics
from layouts import brands as view


def page(search="", **_kwargs):
    return view.layout(*common.page_filters(search))


def register(app):
    @app.callback(Output("brands-body", "children"), Output("brands-url", "search"),
                  *common.filter_inputs("brands"))
    @common.guarded
    def update_brands(*filters):
        return common.view_body("brands", filters, lambda selection, scope, may_export: (
            view.body(selection, analytics.brand_summaries(
                selection, scope=scope, freq=view.trend_freq(selection)), may_export)))
