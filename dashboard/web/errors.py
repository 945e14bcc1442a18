"""What a user gets when the database does not answer: a plain 503, never a trace."""
import logging

from flask import g, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

DATABASE_DOWN = "The database is not answering; try again in a minute."
# Connection refused or lost, a timeout, a locked or missing SQLite file, a full pool:
# errors about reaching the database, not about the request.
DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)

# SQLite reports a missing table or column as an OperationalError too: that is a schema
# behind the code (run init-db), not an outage, so it stays an ordinary server error.
SCHEMA_ERRORS = ("no such table", "no such column")


def database_down(error):
    if any(mark in str(getattr(error, "orig", error)) for mark in SCHEMA_ERRORS):
        raise error
    log.error("The database is not answering (%s) on %s %s", type(error).__name__,
              request.method, request.path)
    # The rest of this request (security headers, the request log) sees no signed-in user,
    # so nothing asks the database again.
    from dashboard.extensions import login_manager

    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": "60"}
    # Dash callbacks and other machine requests read JSON, as with the 401 and 403 answers.
    if request.path.startswith("/_dash-"):
        return jsonify(error=DATABASE_DOWN), 503, headers
    return render_template("database_down.html", message=DATABASE_DOWN), 503, headers


def init_app(app):
    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, database_down)
