"""Callbacks of the budget planner (component ids start with "plan-")."""
from urllib.parse import urlencode

from dash import Input, Output, no_update
from flask_login import current_user

from callbacks import common
from dashboard import analytics, auth
from dashboard.analytics import planner
from dashboard.analytics import insights
from dashboard.analytics.planner import PLATFORMS
from layouts import plan as view

LIMIT_INPUTS = [Input(f"plan-{kind}-{platform}", "value") for kind in ("min", "max")
                for platform in PLATFORMS]


def page(search="", **_kwargs):
    return view.layout()


def register(app):
    @app.callback(Output("plan-brands", "options"), Output("plan-platforms", "options"),
                  Input("plan-url", "pathname"))
    def fill_choices(_pathname):
        options = analytics.filter_options(scope=auth.current_scope())
        return view.brand_options(options["brands"]), view.brand_options(options["platforms"])

    @app.callback(Output("plan-body", "children"), Output("plan-keep", "options"),
                  Output("plan-exclude", "options"),
                  Input("plan-budget", "value"), Input("plan-days", "value"),
                  Input("plan-brands", "value"), Input("plan-platforms", "value"),
                  Input("plan-keep", "value"), Input("plan-exclude", "value"),
                  Input("plan-widen", "value"), Input("plan-whole-posts", "value"),
                  *LIMIT_INPUTS)
    @common.guarded
    def show_plan(budget, days, brands, platforms, keep, exclude, widen, whole_posts, *limits):
        selection = analytics.Selection(brands=frozenset(brands or ()),
                                        platforms=frozenset(platforms or ()))
        count = len(PLATFORMS)
        constraints = planner.constraints_from(
            keep, exclude, dict(zip(PLATFORMS, limits[:count])),
            dict(zip(PLATFORMS, limits[count:])), widen, whole_posts)
        days = int(days or 30)
        try:
            page = planner.page(selection, auth.current_scope(), budget, days=days,
                                constraints=constraints)
        except ValueError as error:
            return view.problem(str(error)), no_update, no_update
        export_href = None
        if auth.can_export(current_user, "plan"):
            query = "&".join(part for part in (selection.to_query(), urlencode(
                planner.query_pairs(budget, days, constraints))) if part)
            export_href = f"/export/plan/plan.csv?{query}"
        choices = view.creator_options(page["creators"])
        performers = insights.shrunk_performers(selection, scope=auth.current_scope())
        return view.plan_body(page, export_href, performers), choices, choices
