"""Callbacks of the roi view (component ids start with "roi-")."""
from dataclasses import replace

from dash import Input, Output

from callbacks import common
from dashboard import analytics
from layouts import roi as view


def page(search="", **_kwargs):
    options, selection = common.page_filters(search)
    # "Compare by" lives in the link too (?by=campaign), so a shared link shows the same.
    dimension, notes = analytics.view_option(search, "by", view.DIMENSION_LABELS,
                                             "influencer", "grouping")
    return view.layout(options, replace(selection, notes=selection.notes + notes), dimension)


def register(app):
    @app.callback(Output("roi-body", "children"), Output("roi-url", "search"),
                  Input("roi-dimension", "value"), *common.filter_inputs("roi"))
    @common.guarded
    def update_roi(dimension, *filters):
        if dimension not in view.DIMENSION_LABELS:
            dimension = "influencer"

        def build(selection, scope, may_export):
            groups = analytics.metrics(selection, dimension, scope=scope)
            overall = analytics.metrics(selection, "overall", scope=scope)
            baseline = analytics.measured_baseline(selection, dimension, scope=scope)
            return view.body(selection, dimension, groups, overall, baseline, may_export)

        return common.view_body("roi", filters, build, dimension, extra_query=(
            {"by": dimension} if dimension != "influencer" else None))
