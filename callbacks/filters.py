"""The filter bar's own wiring on every analytics view: the period menu and its dates kept
in step, and the phone's "Filters" button."""
from dash import Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks import common
from dashboard import analytics, auth, saved_views
from layouts import components

# The views whose page frame holds the filter bar (layouts/components.filter_bar).
FILTERED_VIEWS = ("overview", "roi", "influencers", "insights", "brands", "campaigns")


def register(app):
    for view in FILTERED_VIEWS:
        _register_view(app, view)


def _register_view(app, view):
    period, start, end = (f"{view}-filter-{name}" for name in ("period", "start", "end"))

    # One callback with both sides, so Dash accepts the loop: a period sets the dates,
    # dates picked by hand set the period to "dates picked by hand".
    @app.callback(Output(period, "value"), Output(start, "date"), Output(end, "date"),
                  Input(period, "value"), Input(start, "date"), Input(end, "date"),
                  prevent_initial_call=True)
    @common.guarded
    def keep_period_and_dates_in_step(chosen, start_date, end_date):
        if chosen in analytics.PERIODS and ctx.triggered_id == period:
            last_day = analytics.filter_options(scope=auth.current_scope()).get("max_date")
            if last_day is None:
                return no_update, None, None
            first, last = analytics.period_range(chosen, last_day)
            return (no_update, first.isoformat() if first else None,
                    last.isoformat() if last else None)
        if ctx.triggered_id in (start, end) and chosen != components.CUSTOM_PERIOD:
            last_day = analytics.filter_options(scope=auth.current_scope()).get("max_date")
            if last_day is not None and chosen in analytics.PERIODS:
                first, last = analytics.period_range(chosen, last_day)
                if (start_date, end_date) == (first and first.isoformat(),
                                              last and last.isoformat()):
                    return no_update, no_update, no_update
            return components.CUSTOM_PERIOD, no_update, no_update
        return no_update, no_update, no_update

    # In the browser: folding the filters needs no trip to the server.
    app.clientside_callback(
        "function (clicks, open) { return !open; }",
        Output(f"{view}-filter-collapse", "is_open"),
        Input(f"{view}-filter-toggle", "n_clicks"),
        State(f"{view}-filter-collapse", "is_open"),
        prevent_initial_call=True)

    @app.callback(Output(f"{view}-save-result", "children"),
                  Input(f"{view}-save", "n_clicks"), State(f"{view}-save-name", "value"),
                  State(f"{view}-url", "pathname"), State(f"{view}-url", "search"),
                  prevent_initial_call=True)
    @common.guarded
    def save_this_view(clicks, name, pathname, search):
        if not clicks:
            return no_update
        try:
            saved = saved_views.save_view(current_user, name, (pathname or "") + (search or ""))
        except saved_views.SavedViewError as error:
            return str(error)
        return f"Saved as \u201c{saved.name}\u201d: find it under Saved views."
