"""What every view's callbacks share: filters to selection, cached bodies, errors without traces."""
import functools
import logging
import secrets
from dataclasses import replace
from urllib.parse import parse_qs

from dash import Input, ctx, no_update
from flask_login import current_user

from dashboard import analytics, auth
from dashboard.web import grid_rows
from layouts import components

log = logging.getLogger(__name__)


def filter_inputs(view):
    return [Input(component_id, prop) for component_id, prop in components.filter_ids(view)]


def query_value(search, name):
    """The value of `name` in an address query ("?action=login"), or None."""
    return parse_qs((search or "").lstrip("?")).get(name, [None])[0]


def page_filters(search):
    """(filter options the viewer may pick from, the selection the address names)."""
    options = analytics.filter_options(scope=auth.current_scope())
    return options, selection_for(search, options)


def selection_for(search, options):
    """The selection a URL names, without brands the viewer may not see; a link without
    dates opens on the most recent data (analytics.DEFAULT_PERIOD)."""
    selection = analytics.opening_selection((search or "").lstrip("?"),
                                            options.get("min_date"), options.get("max_date"))
    allowed = frozenset(options.get("brands") or ())
    if selection.brands - allowed:
        selection = replace(selection, brands=selection.brands & allowed)
    return selection


def selection_from_controls(start, end, brands, platforms, categories, tiers,
                            baseline_percent, period=None, compare=None, freq=None):
    """The Selection the filter bar's values describe (bad values are ignored); the
    slider speaks percent, the selection a share."""
    if isinstance(baseline_percent, (int, float)):
        baseline_percent = baseline_percent / 100
    return analytics.Selection.from_values(
        start=start, end=end, brands=brands, platforms=platforms, categories=categories,
        tiers=tiers, baseline=baseline_percent, period=period, compare=compare, freq=freq)


def view_body(view, filters, build, *key, extra_query=None):
    """(body, address query) of an analytics view for the filter bar's values.

    `build(selection, scope, may_export)` reads the numbers and draws the body. Drawing
    figures and grids costs more than reading cached numbers, so a body is cached whole,
    per selection, scope and data version; may_export is part of the key because it
    decides the export links, and `key` holds what else the body depends on.
    """
    scope = auth.current_scope()
    options = analytics.filter_options(scope=scope)
    selection = selection_from_controls(*filters).resolved(options.get("min_date"),
                                                           options.get("max_date"))
    may_export = auth.can_export(current_user, view)
    body = analytics.cached(f"view:{view}", selection, scope,
                            lambda: build(selection, scope, may_export), may_export, *key)
    return body, components.url_search(selection, extra_query)


def guarded(callback):
    """Turn an unexpected error into a plain message with a reference number, never a trace.

    The first output gets the message and the others stay as they are; how many outputs
    there are is read from the callback being answered, so it cannot be miscounted.
    """
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception:  # the user sees a reference number; the log has the trace
            reference = secrets.token_hex(3).upper()
            log.exception("view callback %s failed (error number %s)",
                          callback.__name__, reference)
            message = components.error_state(reference)
            outputs = ctx.outputs_grouping
            if isinstance(outputs, (list, tuple)):
                return (message,) + (no_update,) * (len(outputs) - 1)
            return message
    return wrapper


def paged_rows(request, grid_id, dimension_of, rows_of):
    """getRowsResponse of a server-paged grid: the page its request asks for, sorted and
    filtered on the server, of the table the grid's id names (dimension and selection),
    within the signed-in user's scope; brands outside it are dropped as from a link."""
    if not isinstance(request, dict) or not isinstance(grid_id, dict):
        return no_update
    dimension, _, query = str(grid_id.get("rows", "")).partition("?")
    scope = auth.current_scope()
    selection = selection_for(query, analytics.filter_options(scope=scope))
    try:
        frame, columns, link = rows_of(dimension_of(dimension), selection, scope)
        page, total_rows = grid_rows.page_of(frame, request, columns)
        return components.rows_response(page, total_rows, columns, link)
    except Exception:  # the grid shows no rows; the log has the trace
        log.exception("rows of grid %s failed", grid_id.get("type"))
        return {"rowData": [], "rowCount": 0}
