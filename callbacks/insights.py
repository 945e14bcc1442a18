"""Callbacks of the insights view (component ids start with "insights-")."""
from dash import Output

from callbacks import common
from dashboard import analytics
from dashboard.analytics import insights
from layouts import insights as view


def page(search="", **_kwargs):
    return view.layout(*common.page_filters(search))


def register(app):
    @app.callback(Output("insights-body", "children"), Output("insights-url", "search"),
                  *common.filter_inputs("insights"))
    @common.guarded
    def update_insights(*filters):
        def build(selection, scope, may_export):
            performers = insights.shrunk_performers(selection, scope=scope)
            raw = insights.performers(selection, scope=scope)
            for part in ("top", "under"):
                raw[part] = analytics.with_creator_attributes(raw[part])
            platforms = insights.platform_comparison(selection, scope=scope)
            heatmap = analytics.category_gender_roas(selection, scope=scope)
            recommendations = insights.recommendations(selection, scope=scope)
            return view.body(selection, performers, raw, platforms, heatmap, recommendations,
                             may_export)

        return common.view_body("insights", filters, build)
