"""The audit log: who signed in, failed to, changed a user, imported data or was refused."""
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import func, select

from dashboard.extensions import db
from models import AuditEvent

# Actions the auth and user modules write; the importer adds its own (e.g. "import").
ACTIONS = (
    "login", "login_failed", "login_rate_limited", "logout", "forbidden",
    "user_created", "role_changed", "brands_changed", "password_reset",
    "user_deactivated", "user_reactivated",
)
LATEST_LIMIT = 500


def event(action, detail=None, username=None, ip=None):
    """An unsaved AuditEvent; the caller adds it to the transaction of its use case.

    `username` defaults to the signed-in user and `ip` to the request's address, so
    code running in a request only names the action and what happened.
    """
    if username is None and has_request_context() and current_user.is_authenticated:
        username = current_user.username
    if ip is None and has_request_context():
        ip = request.remote_addr
    return AuditEvent(action=action, detail=detail, username=username, ip=ip)


def record(action, detail=None, username=None, ip=None):
    """Write one event in its own transaction (for events that are the whole use case)."""
    with db.transaction() as session:
        session.add(event(action, detail=detail, username=username, ip=ip))


def latest_events(action=None, limit=LATEST_LIMIT):
    """The newest events first, optionally only those with `action`."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.limit(limit)).all()


def count_events(action=None):
    query = select(func.count(AuditEvent.id))
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def known_actions():
    """Every action in the log so far plus the ones this code writes, sorted."""
    logged = db.session.scalars(select(AuditEvent.action).distinct()).all()
    return sorted(set(ACTIONS) | set(logged))
