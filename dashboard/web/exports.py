"""CSV downloads of every table the views show, for the selection in the query string."""
import re
from urllib.parse import parse_qsl, urlencode

import pandas as pd
from flask import Blueprint, Response, jsonify, request

from dashboard import analytics, auth, tables
from dashboard.analytics import planner
from dashboard.analytics import insights
from dashboard.web import guard

blueprint = Blueprint("exports", __name__)

# Query parameters that pick a row or a table, not part of the selection.
NON_SELECTION_PARAMETERS = ("influencer",)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class NotFound(Exception):
    """The table names a row (a creator) the viewer cannot see or that does not exist."""


def _overview_part(part):
    return lambda selection, scope, _args: analytics.overview(selection, scope=scope)[part]


def _metrics(dimension):
    return lambda selection, scope, _args: analytics.metrics(selection, dimension, scope=scope)


def _measured_baseline(dimension):
    return lambda selection, scope, _args: analytics.measured_baseline(
        selection, dimension, scope=scope)


def _creator_part(part):
    def creator_table(selection, scope, args):
        profile = analytics.influencer_profile(args.get("influencer", ""), selection,
                                               scope=scope)
        if profile is None:
            raise NotFound("There is no creator with this id in the brands you can see.")
        return profile[part]
    return creator_table


def _creators(selection, scope, _args):
    return analytics.with_creator_attributes(
        analytics.metrics(selection, "influencer", scope=scope))


def _overall(selection, scope, _args):
    return analytics.metrics(selection, "overall", scope=scope)


# The planner's lists name their columns for what they hold: its estimate, then the raw score.
SHRUNK_EXPORT_NAMES = {"shrunk_return": "planner_extra_sales_per_rupee",
                       "own_return": "own_history_extra_sales_per_rupee",
                       "performance_score": "raw_performance_score",
                       "posts_in_history": "posts_so_far"}


def _performers(part):
    """The page's lists: ranked by the planner's estimate, the raw score beside it."""
    def performers_table(selection, scope, _args):
        frame = insights.shrunk_performers(selection, scope=scope)[part]
        return tables.in_screen_order(frame, tables.SHRUNK_COLUMNS).rename(
            columns=SHRUNK_EXPORT_NAMES)
    return performers_table


def _raw_performers(part):
    def performers_table(selection, scope, _args):
        return analytics.with_creator_attributes(
            insights.performers(selection, scope=scope)[part])
    return performers_table


def _recommendations(selection, scope, _args):
    return pd.DataFrame(insights.recommendations(selection, scope=scope))


def _plan(selection, scope, args):
    budget, days, constraints = planner.from_query(args)
    try:
        result = planner.plan(selection, scope, budget, days=days, constraints=constraints)
    except ValueError as error:
        raise NotFound(str(error))
    return result["rows"][planner.EXPORT_COLUMNS + ["platform", "planned_posts"]]


# view -> table -> function(selection, scope, request args) -> DataFrame
TABLES = {
    "overview": {
        "kpis": _overall,
        "timeseries": _overview_part("timeseries"),
        "by_platform": _overview_part("by_platform"),
        "by_brand": _overview_part("by_brand"),
        "top_campaigns": _overview_part("top_campaigns"),
    },
    "roi": {
        **{f"by_{dimension}": _metrics(dimension) for dimension in analytics.ROI_DIMENSIONS},
        **{f"baseline_by_{dimension}": _measured_baseline(dimension)
           for dimension in analytics.ROI_DIMENSIONS},
    },
    "influencers": {
        "creators": _creators,
        "creator_posts": _creator_part("posts"),
        "creator_timeseries": _creator_part("timeseries"),
        "creator_payouts": _creator_part("payouts"),
    },
    "insights": {
        "top_performers": _performers("top"),
        "underperformers": _performers("under"),
        "top_performers_raw": _raw_performers("top"),
        "underperformers_raw": _raw_performers("under"),
        "platforms": lambda selection, scope, _args: insights.platform_comparison(
            selection, scope=scope),
        "category_gender": lambda selection, scope, _args: analytics.category_gender_roas(
            selection, scope=scope),
        "recommendations": _recommendations,
        "payout_reconciliation": lambda _selection, scope, _args:
            insights.payout_reconciliation(scope=scope),
    },
    "brands": {
        "brands": _metrics("brand"),
    },
    "plan": {
        "plan": _plan,
    },
}


# (view, table) -> the columns its grid shows, in order; a CSV starts with them.
SCREEN_COLUMNS = {
    ("overview", "top_campaigns"): tables.TOP_CAMPAIGN_COLUMNS,
    **{("roi", f"by_{dimension}"): tables.roi_columns(dimension)
       for dimension in analytics.ROI_DIMENSIONS},
    **{("roi", f"baseline_by_{dimension}"): tables.baseline_columns(
        "influencer_id" if dimension == "influencer" else dimension)
       for dimension in analytics.ROI_DIMENSIONS},
    ("influencers", "creators"): tables.CREATOR_COLUMNS,
    ("influencers", "creator_posts"): tables.POST_COLUMNS,
    ("insights", "top_performers_raw"): tables.PERFORMER_COLUMNS,
    ("insights", "underperformers_raw"): tables.PERFORMER_COLUMNS,
    ("plan", "plan"): tables.PLAN_COLUMNS,
}
# The words a file name uses for a table: a creator is a creator, dashes between words.
FILE_WORDS = {"influencer": "creator", "_": "-"}


def file_name(view, table, selection, suffix=""):
    """roi_by-creator_2026-10-16_to_2026-11-14.csv: the view, the table and the dates."""
    words = table
    for old, new in FILE_WORDS.items():
        words = words.replace(old, new)
    start, end = selection.start, selection.end
    if start and end:
        dates = f"{start.isoformat()}_to_{end.isoformat()}"
    elif start:
        dates = f"from_{start.isoformat()}"
    elif end:
        dates = f"up_to_{end.isoformat()}"
    else:
        dates = "all-dates"
    return f"{view}_{words}{_safe_name(suffix)}_{dates}.csv"


def export_frame(frame, view, table):
    """The table as a download: the screen's columns first, numbers rounded."""
    return tables.rounded(tables.in_screen_order(frame, SCREEN_COLUMNS.get((view, table))))


def escape_cell(value):
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.match(
            value):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """`frame` as CSV text, every text cell (and header) escaped against formula injection."""
    frame = frame.copy()
    frame.columns = [escape_cell(str(column)) for column in frame.columns]
    for column in frame.columns:
        if not (pd.api.types.is_numeric_dtype(frame[column])
                or pd.api.types.is_bool_dtype(frame[column])):
            frame[column] = frame[column].map(escape_cell).astype(object)
    return frame.to_csv(index=False, lineterminator="\r\n")


def csv_response(frame, filename):
    return Response(safe_csv(frame), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def selection_from_request():
    """The Selection of the query string, without the parameters that pick a table."""
    pairs = [(key, value) for key, value in parse_qsl(request.query_string.decode(),
                                                       keep_blank_values=False)
             if key not in NON_SELECTION_PARAMETERS]
    return analytics.Selection.from_query(urlencode(pairs))


@blueprint.get("/export/<view>/<table>.csv")
def export_table(view, table):
    # The view comes from the URL, so the permission check is built per request.
    return guard.require_view(view, "export")(_export_table)(view, table)


def _export_table(view, table):
    make_table = TABLES.get(view, {}).get(table)
    if make_table is None:
        return jsonify(error=f"There is no table called {table!r} on the {view} view."), 404
    selection = selection_from_request()
    try:
        frame = make_table(selection, auth.current_scope(), request.args)
    except NotFound as error:
        return jsonify(error=str(error)), 404
    suffix = f"_{request.args['influencer']}" if "influencer" in request.args else ""
    response = csv_response(export_frame(frame, view, table),
                            file_name(view, table, selection, suffix))
    if selection.notes:
        # A script that downloads the file can see what of its link was left out.
        response.headers["X-Selection-Notes"] = _header_text(" ".join(selection.notes))
    return response


def _header_text(text):
    """Text a header can carry: printable ASCII, control characters spelt out, the rest '?'."""
    return "".join(char if " " <= char <= "~" else
                   repr(char)[1:-1] if char < " " else "?" for char in text)


def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)
