"""Callbacks of the overview view (component ids start with "overview-")."""
from dash import Output

from callbacks import common
from dashboard import analytics
from layouts import overview as view


def page(search="", **_kwargs):
    return view.layout(*common.page_filters(search))


def register(app):
    @app.callback(Output("overview-body", "children"), Output("overview-url", "search"),
                  *common.filter_inputs("overview"))
    @common.guarded
    def update_overview(*filters):
        return common.view_body("overview", filters, lambda selection, scope, may_export: (
            view.body(selection, analytics.overview(selection, scope=scope), may_export)))
