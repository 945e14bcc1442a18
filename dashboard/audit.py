"""The audit log: who signed in, failed to, changed a user, imported data or was refused."""
import logging
import threading
from collections import deque
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from dashboard.extensions import db
from models import AuditEvent

log = logging.getLogger(__name__)

# Actions the auth and user modules write; the importer adds its own (e.g. "import").
ACTIONS = (
    "login", "login_failed", "login_rate_limited", "logout", "forbidden",
    "user_created", "role_changed", "brands_changed", "password_reset",
    "user_deactivated", "user_reactivated",
    "token_created", "token_revoked", "api_call", "api_refused",
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
    """Write one event in its own transaction (for events that are the whole use case).

    On SQLite it may be written a little later: see `write_soon`."""
    fields = {column: getattr(event(action, detail=detail, username=username, ip=ip), column)
              for column in ("action", "detail", "username", "ip")}
    # The time it happened, not the time it reached the database.
    fields["at"] = datetime.utcnow()
    write_soon(lambda session: session.add(AuditEvent(**fields)))


# SQLite has one write lock, and an import holds it for up to a few minutes. The small
# writes of a sign-in, a sign-out or a refusal (audit lines, the last sign-in time) wait
# this long for it; then they wait in memory and are written once the import is done, so
# the person signing in never waits for the import. Postgres locks rows: writes go at once.
QUICK_WRITE_TIMEOUT_S = 0.2
RETRY_EVERY_S = 1.0


def write_soon(work):
    """Run `work(session)` in a transaction of its own: now, or on SQLite while an import
    holds the write lock, as soon as it is released (after the writes already waiting)."""
    if db.engine.dialect.name != "sqlite":
        with db.transaction() as session:
            work(session)
        return
    _waiting_writes().add(work)


def write_waiting():
    """Write what waits for SQLite's lock now, if it is free; True when nothing is left."""
    if db.engine.dialect.name != "sqlite":
        return True
    return _waiting_writes().flush()


def _waiting_writes():
    app = current_app._get_current_object()
    waiting = app.extensions.get("audit_waiting_writes")
    if waiting is None:
        waiting = app.extensions.setdefault("audit_waiting_writes", _WaitingWrites(app))
    return waiting


class _WaitingWrites:
    """Writes that found SQLite locked, written in order once it is free.

    Kept in this process's memory: a worker that is killed while an import runs loses its
    waiting lines, which is the price of never making a sign-in wait."""

    def __init__(self, app):
        self._app = app
        # Its own connections, with a short wait: the app's engine waits 30 s, as an
        # import's own statements should.
        self._engine = create_engine(db.engine.url, poolclass=NullPool,
                                     connect_args={"timeout": QUICK_WRITE_TIMEOUT_S})
        self._works = deque()
        self._lock = threading.Lock()
        self._retry = None

    def add(self, work):
        self._works.append(work)
        self.flush()

    def flush(self):
        with self._lock:
            while self._works:
                work = self._works[0]
                try:
                    with Session(self._engine) as session, session.begin():
                        work(session)
                except OperationalError as error:
                    if not _is_locked(error):
                        self._works.popleft()
                        log.exception("An audit write failed and was dropped.")
                        continue
                    self._retry_later()
                    return False
                self._works.popleft()
            return True

    def _retry_later(self):
        if self._retry is not None and self._retry.is_alive():
            return
        self._retry = threading.Timer(RETRY_EVERY_S, self._retry_now)
        self._retry.daemon = True
        self._retry.start()

    def _retry_now(self):
        self._retry = None
        try:
            with self._app.app_context():
                self.flush()
        except Exception:  # noqa: BLE001 - a timer thread has nobody to report to
            log.exception("Writing the audit lines that waited for the database failed.")


def _is_locked(error):
    message = str(getattr(error, "orig", error)).lower()
    return "locked" in message or "busy" in message


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
