"""The JSON API (/api/v1): metrics, insights and the budget plan for a bearer token's owner,
within that owner's role and brand scope. The guard (dashboard/web/guard.py) checks the
token; every call is rate-limited per token and audited."""
import math
import time

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from dashboard import analytics, auth, tokens
from dashboard.analytics import planner
from dashboard.analytics.records import frame_records, metrics_records
from dashboard.extensions import csrf, limiter
from dashboard.web import guard

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

# The filters every data endpoint takes, as the dashboard's links spell them.
SELECTION_PARAMETERS = ("start", "end", "brand", "platform", "category", "tier", "baseline")
# Parameters that may be given more than once (each adds a value).
REPEATABLE_PARAMETERS = ("brand", "platform", "category", "tier", "keep", "exclude",
                         "platform_min", "platform_max")
# What each endpoint takes; anything else is refused, so a misspelt filter is not silently
# ignored (which would return every brand's numbers).
ENDPOINT_PARAMETERS = {
    "metrics": ("by", *SELECTION_PARAMETERS),
    "insights": SELECTION_PARAMETERS,
    "plan": ("budget", "days", "brand", "platform", "keep", "exclude", "platform_min",
             "platform_max", "widen", "whole_posts"),
}
PLAN_DAYS = (7, 92)


class BadParameter(Exception):
    """A query parameter the endpoint cannot use: which one, and why."""

    def __init__(self, parameter, why):
        super().__init__(why)
        self.parameter = parameter
        self.why = why


def _rate_limit():
    return current_app.config["API_RATE_LIMIT"]


def _token_key():
    # The guard has checked the token before the limiter runs: one budget per token.
    return f"api-token:{g.get('api_token_id')}"


def endpoint(name):
    """Decorate an API route: the owner's role may read it, the per-token limit applies,
    and a bad parameter becomes a 400 naming it."""
    def decorator(route):
        def checked():
            if not auth.can_call_api(current_user, name):
                return guard.refuse(f"API {request.path} (view {auth.API_VIEWS[name]})")
            try:
                check_parameters(request.args, ENDPOINT_PARAMETERS[name])
                return route()
            except BadParameter as error:
                return jsonify(error=error.why, parameter=error.parameter), 400
        checked.__name__ = route.__name__
        checked.__doc__ = route.__doc__
        limited = limiter.shared_limit(_rate_limit, scope="api", key_func=_token_key)(checked)
        return blueprint.get(f"/{name}")(limited)
    return decorator


def check_parameters(args, allowed):
    for parameter in args:
        if parameter not in allowed:
            raise BadParameter(parameter, f"This endpoint has no parameter {parameter!r}; it "
                                          f"takes {', '.join(allowed)}.")
        if parameter not in REPEATABLE_PARAMETERS and len(args.getlist(parameter)) > 1:
            raise BadParameter(parameter, f"Give {parameter!r} once, not "
                                          f"{len(args.getlist(parameter))} times.")


def selection_from(args) -> analytics.Selection:
    """The Selection of the query, read as the dashboard's links are
    (analytics.Selection.from_values); a value a link would drop with a note is a 400 here."""
    for parameter in ("start", "end", "baseline"):
        if args.get(parameter):
            notes = analytics.Selection.from_values(**{parameter: args[parameter]}).notes
            if notes:
                raise BadParameter(parameter, notes[0].replace(" in the link", ""))
    selection = analytics.Selection.from_values(
        start=args.get("start"), end=args.get("end"), brands=args.getlist("brand"),
        platforms=args.getlist("platform"), categories=args.getlist("category"),
        tiers=args.getlist("tier"), baseline=args.get("baseline"))
    if selection.start and selection.end and selection.start > selection.end:
        raise BadParameter("end", f"The end date {selection.end} is before the start date "
                                  f"{selection.start}.")
    return selection


@endpoint("metrics")
def metrics():
    """The rows of `dashboard metrics --by DIM --format json`, within the token's scope."""
    dimension = request.args.get("by")
    if dimension not in analytics.DIMENSIONS:
        given = "is missing" if not dimension else f"is {dimension!r}"
        raise BadParameter("by", f"'by' {given}; it should be one of "
                                 f"{', '.join(analytics.DIMENSIONS)}.")
    _columns, rows = metrics_records(selection_from(request.args), dimension,
                                     scope=auth.current_scope())
    return jsonify(rows)


@endpoint("insights")
def insights():
    """Every table of the Insights view (its CSV exports), by name."""
    from dashboard.web.exports import TABLES

    selection, scope = selection_from(request.args), auth.current_scope()
    return jsonify({name: frame_records(make_table(selection, scope, request.args))
                    for name, make_table in TABLES["insights"].items()})


@endpoint("plan")
def plan():
    """The document of `dashboard plan --format json`, within the token's scope."""
    args = request.args
    budget = _number(args, "budget", low=0.0) if args.get("budget") else None
    days = int(_number(args, "days", low=PLAN_DAYS[0], high=PLAN_DAYS[1], whole=True)
               ) if args.get("days") else 30
    widen = _number(args, "widen", low=1.0) if args.get("widen") else 1.0
    whole_posts = args.get("whole_posts", "0")
    if whole_posts not in ("0", "1"):
        raise BadParameter("whole_posts", "'whole_posts' is 1 (whole posts only) or 0.")
    constraints = planner.Constraints(
        keep=frozenset(args.getlist("keep")), exclude=frozenset(args.getlist("exclude")),
        platform_min=_platform_amounts(args, "platform_min"),
        platform_max=_platform_amounts(args, "platform_max"), widen=widen,
        whole_posts=whole_posts == "1")
    selection = analytics.Selection.from_values(brands=args.getlist("brand"),
                                                platforms=args.getlist("platform"))
    try:
        result = planner.plan(selection, auth.current_scope(), budget, days=days,
                              constraints=constraints)
    except ValueError as error:
        raise BadParameter("budget", str(error))
    return jsonify(planner.plan_document(result))


def _number(args, parameter, low=None, high=None, whole=False):
    text = args[parameter]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or math.isinf(value) or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise BadParameter(parameter, f"{parameter!r} should be {kind}, not {text[:40]!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}")
        raise BadParameter(parameter, f"{parameter!r} is {value:g}; it should be {bounds}.")
    return value


def _platform_amounts(args, parameter):
    """PLATFORM=AMOUNT values, as `dashboard plan --platform-min/--platform-max` take them."""
    amounts = []
    for text in args.getlist(parameter):
        platform, _, amount = text.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = math.nan
        if not platform.strip() or not value >= 0 or math.isinf(value):
            raise BadParameter(parameter, f"{text[:60]!r} should look like Instagram=50000 "
                                          "(a platform, '=', an amount of at least 0).")
        amounts.append((platform.strip(), value))
    return tuple(amounts)


@blueprint.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 description of this API (public: it holds no data)."""
    from dashboard.web import openapi

    return jsonify(openapi.document())


@blueprint.errorhandler(429)
def too_many_calls(error):
    limit = limiter.current_limit
    wait = max(1, int(math.ceil(limit.reset_at - time.time()))) if limit else 60
    response = jsonify(error=f"Too many calls with this token (the limit is "
                             f"{_rate_limit()}). Try again in {wait} seconds.")
    response.headers["Retry-After"] = str(wait)
    return response, 429


@blueprint.after_app_request
def audit_call(response):
    """One audit line per API call, whatever its outcome; the token's last use with it."""
    if not auth.is_api(request.path):
        return response
    user = current_user
    username = user.username if user.is_authenticated else None
    detail = f"{request.method} {request.full_path.rstrip('?')} -> {response.status_code}"
    if g.get("api_token_id") is not None:
        detail += f" (token {g.api_token_id})"
    if g.get("api_refusal"):
        detail += f": {g.api_refusal}"
    action = "api_refused" if response.status_code == 401 else "api_call"
    tokens.note_api_call(g.get("api_token_id") if username else None, username, detail,
                         action=action)
    return response


def init_app(app):
    """Register the API; calls carry a token, not a session, so CSRF does not apply."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
