"""Sign-in sessions kept on the server: opened at sign-in, found on each request, ended at
sign-out or when the user's password, role, brands or active flag change."""
import os
import secrets
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import create_engine, delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, CreateTable

from dashboard.extensions import db
from models import User, UserSession

# Seconds a sign-in waits for the session store before giving up. The store on SQLite is a
# file nobody imports into, so only other sign-ins ever hold it, and only for a moment.
STORE_BUSY_TIMEOUT_S = 5


def init_app(app):
    """On SQLite, keep sessions in a file of their own beside the database: an import holds
    the database's only write lock for minutes, and a sign-in must not wait for it.
    Postgres locks rows, not the database, so there sessions live in `user_sessions`."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        app.extensions["session_store"] = None
        return
    if url.database in (None, "", ":memory:"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "sessions.sqlite3")
    else:
        stem, _ext = os.path.splitext(url.database)
        path = f"{stem}.sessions.sqlite3"
    app.extensions["session_store"] = _SqliteStore(path)


class _SqliteStore:
    """The sessions file, made on first use: a database that cannot be opened must not
    stop the app from starting (the health check reports it)."""

    def __init__(self, path):
        self._path = path
        self._engine = None
        self._lock = threading.Lock()

    @property
    def engine(self):
        with self._lock:
            if self._engine is None:
                self._engine = self._open()
            return self._engine

    def _open(self):
        # No pool: each use opens and closes the file, so an app dropped by a test or a
        # forked worker leaves no connection behind.
        engine = create_engine(f"sqlite:///{self._path}", poolclass=NullPool,
                               connect_args={"timeout": STORE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        table = UserSession.__table__
        with engine.begin() as connection:
            # IF NOT EXISTS: several workers may start at once on one file.
            connection.execute(CreateTable(table, if_not_exists=True))
            for index in table.indexes:
                connection.execute(CreateIndex(index, if_not_exists=True))
        return engine


def _engine():
    store = current_app.extensions.get("session_store")
    return store.engine if store is not None else db.engine


def open_session(user_id, remember):
    """A new session for `user_id`; returns its random id, the only thing cookies carry."""
    now = datetime.utcnow()
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
    if not isinstance(lifetime, timedelta):
        lifetime = timedelta(seconds=lifetime)
    session_id = secrets.token_urlsafe(32)
    with Session(_engine()) as store, store.begin():
        # Sessions past their date are dropped when their user signs in again.
        store.execute(delete(UserSession).where(UserSession.user_id == user_id,
                                                UserSession.expires_at < now))
        store.add(UserSession(id=session_id, user_id=user_id, created_at=now,
                              remember=bool(remember), expires_at=now + lifetime))
    return session_id


def user_id_of(session_id):
    """The user id of an open, unexpired session, else None."""
    if not isinstance(session_id, str) or not session_id:
        return None
    with Session(_engine()) as store:
        return store.scalar(select(UserSession.user_id).where(
            UserSession.id == session_id, UserSession.expires_at > datetime.utcnow()))


def user_of(session_id):
    """The user of an open, unexpired session, else None: with the session and the user's
    brands in one query of the request's own database session where sessions live in the
    app's database (Postgres), else the session from its own store, then the user.

    Every request asks: as two checkouts and three queries it was two thirds of the server
    time of a small request (the Dash layout) on Postgres.
    """
    if not isinstance(session_id, str) or not session_id:
        return None
    if current_app.extensions.get("session_store") is not None:
        user_id = user_id_of(session_id)
        return db.session.get(User, user_id) if user_id is not None else None
    # The brands in the same query (joined), as the scope is read on most requests.
    return db.session.scalars(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == session_id, UserSession.expires_at > datetime.utcnow())
        .options(joinedload(User.brands))).unique().first()


def end_session(session_id):
    """Sign-out: this session's cookies stop working on every browser holding them."""
    if not session_id:
        return
    with Session(_engine()) as store, store.begin():
        store.execute(delete(UserSession).where(UserSession.id == session_id))


def end_all_sessions(user_id, transaction=None):
    """Every sign-in of `user_id` ends, remembered ones included. Given the transaction of
    a user change, on Postgres they end in it (both happen or neither); on SQLite they end
    just before it commits, so a failed change at worst signs the user out."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if transaction is not None and current_app.extensions.get("session_store") is None:
        transaction.execute(statement)
        return
    with Session(_engine()) as store, store.begin():
        store.execute(statement)
