"""The OpenAPI 3 description of the JSON API, built from the same lists the API checks its
parameters against, so the two cannot drift apart."""
from dashboard import analytics
from dashboard.analytics.selection import BASELINE_MAX, BASELINE_MIN, DEFAULT_BASELINE

# One description per query parameter, by name; each endpoint takes the names
# api.ENDPOINT_PARAMETERS lists.
_DAY = {"type": "string", "format": "date", "example": "2025-02-01"}
PARAMETERS = {
    "by": ("The dimension to group by.", {"type": "string", "enum": list(analytics.DIMENSIONS)},
           True),
    "start": ("First day of the range (inclusive). Default: the first day with data.", _DAY,
              False),
    "end": ("Last day of the range (inclusive). Default: the last day with data.", _DAY,
            False),
    "brand": ("Only this brand (repeat for more). Brands outside the token owner's scope "
              "are left out, as on the dashboard, so they give no rows.",
              {"type": "string"}, False),
    "platform": ("Only this platform (repeat for more).", {"type": "string"}, False),
    "category": ("Only this creator category (repeat for more).", {"type": "string"}, False),
    "tier": ("Only this creator tier (repeat for more).", {"type": "string"}, False),
    "baseline": ("Baseline share b for incremental ROAS (docs/metrics.md).",
                 {"type": "number", "minimum": BASELINE_MIN, "maximum": BASELINE_MAX,
                  "default": DEFAULT_BASELINE}, False),
    "budget": ("Money to spend over the next `days` days. Default: the current spend.",
               {"type": "number", "minimum": 0}, False),
    "days": ("Length of the planned period in days.",
             {"type": "integer", "minimum": 7, "maximum": 92, "default": 30}, False),
    "keep": ("A creator (influencer_id) to keep at least at current spend (repeat).",
             {"type": "string"}, False),
    "exclude": ("A creator (influencer_id) to leave out (repeat).", {"type": "string"}, False),
    "platform_min": ("At least this much on a platform, as PLATFORM=AMOUNT (repeat).",
                     {"type": "string", "example": "Instagram=50000"}, False),
    "platform_max": ("At most this much on a platform, as PLATFORM=AMOUNT (repeat).",
                     {"type": "string", "example": "YouTube=20000"}, False),
    "widen": ("Allow this many times the most posts a creator has made in a period.",
              {"type": "number", "minimum": 1, "default": 1}, False),
    "whole_posts": ("1: buy whole posts only.", {"type": "string", "enum": ["0", "1"],
                                                 "default": "0"}, False),
}

ENDPOINTS = {
    "metrics": ("Metrics by one dimension",
                "The rows `dashboard metrics --by DIM --format json` prints, within the token "
                "owner's brand scope: one object per group with the columns of "
                "docs/metrics.md; a ratio with no denominator is null.",
                {"type": "array", "items": {"type": "object",
                                            "additionalProperties": True}}),
    "insights": ("The Insights view's tables",
                 "Every table of the Insights view (the same as its CSV exports), by name: "
                 "top and under performers (by the planner's estimate, and raw), platforms, "
                 "category and gender, recommendations, payout reconciliation.",
                 {"type": "object", "additionalProperties": {
                     "type": "array", "items": {"type": "object",
                                                "additionalProperties": True}}}),
    "plan": ("A budget plan",
             "The document `dashboard plan --format json` prints (docs/planner.md), within "
             "the token owner's brand scope.",
             {"type": "object", "required": ["budget", "days", "rows"], "properties": {
                 "budget": {"type": "number"}, "days": {"type": "integer"},
                 "expected_incremental_revenue": {"type": "number"},
                 "low": {"type": "number"}, "high": {"type": "number"},
                 "rows": {"type": "array", "items": {"type": "object",
                                                     "additionalProperties": True}}}}),
}

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description, headers=None):
    response = {"description": description, "content": {"application/json": {
        "schema": _ERROR}}}
    if headers:
        response["headers"] = headers
    return response


def _parameter(name):
    description, schema, required = PARAMETERS[name]
    from dashboard.web.api import REPEATABLE_PARAMETERS

    parameter = {"name": name, "in": "query", "required": required,
                 "description": description}
    if name in REPEATABLE_PARAMETERS:
        parameter.update(schema={"type": "array", "items": schema}, style="form",
                         explode=True)
    else:
        parameter["schema"] = schema
    return parameter


def _operation(name, parameters):
    summary, description, schema = ENDPOINTS[name]
    return {"get": {
        "operationId": name, "summary": summary, "description": description,
        "security": [{"bearerToken": []}],
        "parameters": [_parameter(parameter) for parameter in parameters],
        "responses": {
            "200": {"description": summary,
                    "content": {"application/json": {"schema": schema}}},
            "400": _error("A parameter is wrong: `parameter` names it, `error` says why."),
            "401": _error("The token is missing, unknown, expired or revoked, or its owner "
                          "is deactivated.",
                          {"WWW-Authenticate": {"schema": {"type": "string"},
                                                "description": "Bearer challenge."}}),
            "403": _error("The token owner's role may not read this."),
            "429": _error("Too many calls with this token.",
                          {"Retry-After": {"schema": {"type": "integer"},
                                           "description": "Seconds to wait."}}),
        }}}


def document():
    """The OpenAPI 3.0 document served at /api/v1/openapi.json."""
    from dashboard.web.api import ENDPOINT_PARAMETERS

    paths = {f"/{name}": _operation(name, parameters)
             for name, parameters in ENDPOINT_PARAMETERS.items()}
    paths["/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document",
        "description": "Public: it describes the API and holds no data.", "security": [],
        "responses": {"200": {"description": "The OpenAPI 3 document.",
                              "content": {"application/json": {"schema": {
                                  "type": "object"}}}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Influencer ROI API", "version": "1",
                 "description": "The dashboard's numbers for notebooks and other tools. "
                                "Send 'Authorization: Bearer <token>'; make a token on "
                                "/account/tokens or with `dashboard tokens create`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerToken": {
                "type": "http", "scheme": "bearer",
                "description": "An API token (starts with roi_)."}},
            "schemas": {"Error": {
                "type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string", "description": "What is wrong, in words."},
                    "parameter": {"type": "string",
                                  "description": "The query parameter at fault (400)."}}}},
        },
    }
