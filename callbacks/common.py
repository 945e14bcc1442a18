"""What every view's callbacks share: filter inputs, the viewer's scope, errors without traces."""
import functools
import logging
import secrets

from dash import Input, ctx, no_update
from flask_login import current_user

from dashboard import analytics, auth
from layouts import components

log = logging.getLogger(__name__)


def filter_inputs(view):
    return [Input(component_id, prop) for component_id, prop in components.filter_ids(view)]


def scope():
    """The signed-in user's brand scope; every analytics call in a callback passes it."""
    return auth.brand_scope(current_user)


def rendered(view, selection, build, *arguments):
    """The view's body, built once per selection, scope, role and data version.

    Building the figures and grids costs more than reading cached numbers, so a body is
    cached whole; the role is part of the key because it decides the export links.
    """
    return analytics.cached(f"view:{view}", selection, scope(), build,
                            auth.can_export(current_user, view), *arguments)


def url_search(selection):
    query = selection.to_query()
    return f"?{query}" if query else ""


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
