"""Callbacks of the roi view (component ids start with "roi-")."""
from dataclasses import replace

from dash import MATCH, Input, Output, State

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
        dimension = _dimension(dimension)

        def build(selection, scope, may_export):
            groups = analytics.metrics(selection, dimension, scope=scope)
            overall = analytics.metrics(selection, "overall", scope=scope)
            baseline = analytics.measured_baseline(selection, dimension, scope=scope)
            return view.body(selection, dimension, groups, overall, baseline, may_export)

        return common.view_body("roi", filters, build, dimension, extra_query=(
            {"by": dimension} if dimension != "influencer" else None))

    # The two tables page on the server once they are long (components.server_paged_grid).
    @app.callback(Output({"type": "roi-table", "rows": MATCH}, "getRowsResponse"),
                  Input({"type": "roi-table", "rows": MATCH}, "getRowsRequest"),
                  State({"type": "roi-table", "rows": MATCH}, "id"))
    def roi_table_rows(request, grid_id):
        def rows(dimension, selection, scope):
            groups = analytics.metrics(selection, dimension, scope=scope)
            return (view.table_rows(groups), view.table_columns(dimension),
                    view.table_link(dimension, selection))

        return common.paged_rows(request, grid_id, _dimension, rows)

    @app.callback(Output({"type": "roi-baseline-table", "rows": MATCH}, "getRowsResponse"),
                  Input({"type": "roi-baseline-table", "rows": MATCH}, "getRowsRequest"),
                  State({"type": "roi-baseline-table", "rows": MATCH}, "id"))
    def roi_baseline_rows(request, grid_id):
        def rows(dimension, selection, scope):
            baseline = view.named_baseline(
                analytics.measured_baseline(selection, dimension, scope=scope), dimension,
                analytics.metrics(selection, dimension, scope=scope))
            return baseline, view.baseline_columns(baseline), None

        return common.paged_rows(request, grid_id, _dimension, rows)


def _dimension(value):
    return value if value in view.DIMENSION_LABELS else "influencer"
