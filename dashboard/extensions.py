"""Extension objects, unbound until create_app binds them to an app."""
import logging
import os
import struct
import time
from contextlib import contextmanager, suppress

from flask import current_app, g
from flask_caching import Cache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.rediscache import RedisCache
from flask_login import LoginManager
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session


class Database:
    """One engine per app and one session per app context."""

    def init_app(self, app):
        url = app.config["DATABASE_URL"]
        app.extensions["database_engine"] = make_engine(url, app.config)
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self):
        return current_app.extensions["database_engine"]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = Session(self.engine, expire_on_commit=False)
        return g.db_session

    @contextmanager
    def transaction(self):
        """One use case, one transaction: commit at the end, roll back on any error."""
        session = self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    @staticmethod
    def _close_session(exc=None):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


# SQLite's page cache per connection (KiB), and while it builds large indexes.
SQLITE_CACHE_KB = 200_000
INDEX_BUILD_CACHE_KB = 50_000


@contextmanager
def index_build_cache(connection):
    """A smaller SQLite page cache while indexes are built (a no-op elsewhere).

    The sorter's runs are sized by the page cache; measured at 10M orders, the orders
    indexes build in 18 s with 50 MB and in 25 s with 200 MB.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA cache_size=-{INDEX_BUILD_CACHE_KB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")


def make_engine(url, config=None):
    config = config or {}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers go on while an import writes; the busy timeout makes a
            # second writer wait instead of failing at once.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
            # Large sorts (index builds, big GROUP BYs) spill to temporary files and use a
            # second thread: measured at 10M orders, the orders indexes then build in 25 s
            # instead of 46 s with temporary data in memory and one thread.
            cursor.execute("PRAGMA temp_store=FILE")
            cursor.execute("PRAGMA threads=2")
            cursor.close()

        @event.listens_for(engine, "checkin")
        def _foreign_keys_back_on(dbapi_connection, _record):
            # An import turns them and automatic checkpoints off for its own transaction
            # (importing/pipeline.py); whoever takes the connection next has them again.
            if dbapi_connection is not None:
                dbapi_connection.execute("PRAGMA foreign_keys=ON")
                dbapi_connection.execute("PRAGMA wal_autocheckpoint=1000")

        return engine
    timeout_ms = int(config.get("DB_STATEMENT_TIMEOUT_MS", 60_000))
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=int(config.get("DB_POOL_SIZE", 5)),
        max_overflow=10,
        # A database that does not answer fails the request in seconds, with a plain 503.
        connect_args={"options": f"-c statement_timeout={timeout_ms}",
                      "connect_timeout": int(config.get("DB_CONNECT_TIMEOUT_S", 5))},
    )


class FallbackRedisCache(RedisCache):
    """Redis as the shared cache, or no cache while Redis does not answer.

    Every call that fails counts as a miss, so results are computed instead of failing the
    request. After a failure Redis is left alone for RETRY_SECONDS, so a request never
    waits on a dead server more than once per pause; one warning per outage goes to the log.
    """

    RETRY_SECONDS = 30

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.down_reason = None
        self._retry_at = 0.0

    def _call(self, default, method, *args, **kwargs):
        from redis.exceptions import RedisError

        if self.down_reason is not None and time.monotonic() < self._retry_at:
            return default
        try:
            result = method(*args, **kwargs)
        except RedisError as error:
            self._went_down(error)
            return default
        self._came_back()
        return result

    def _went_down(self, error):
        if self.down_reason is None:
            log.warning("The Redis cache is not answering (%s): results are computed without "
                        "the cache until it answers again.", type(error).__name__)
        self.down_reason = type(error).__name__
        self._retry_at = time.monotonic() + self.RETRY_SECONDS

    def _came_back(self):
        if self.down_reason is not None:
            log.warning("The Redis cache answers again.")
            self.down_reason = None

    def ping(self):
        """Ask Redis now, pause or not; the reason it is down, or None when it answers."""
        from redis.exceptions import RedisError

        try:
            self._write_client.ping()
        except RedisError as error:
            self._went_down(error)
        else:
            self._came_back()
        return self.down_reason

    def get(self, key):
        return self._call(None, super().get, key)

    def get_many(self, *keys):
        return self._call([None] * len(keys), super().get_many, *keys)

    def has(self, key):
        return self._call(False, super().has, key)

    def set(self, key, value, timeout=None):
        return self._call(False, super().set, key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self._call([], super().set_many, mapping, timeout)

    def add(self, key, value, timeout=None):
        # True: with no shared marker to wait on, the caller computes the result itself.
        return self._call(True, super().add, key, value, timeout)

    def delete(self, key):
        return self._call(False, super().delete, key)

    def delete_many(self, *keys):
        return self._call([], super().delete_many, *keys)

    def inc(self, key, delta=1):
        return self._call(None, super().inc, key, delta)

    def dec(self, key, delta=1):
        return self._call(None, super().dec, key, delta)

    def clear(self):
        return self._call(False, super().clear)


class LocalFileCache(FileSystemCache):
    """The cache of a host without Redis: one file per result in CACHE_DIR, shared by the
    workers of the host.

    The file cache this extends keeps the number of its files in a file of its own, read
    and written again on each set and delete: of the 22 file writes of a cold ROI view, 13
    were that count. Here no count is kept; every PRUNE_EVERY writes of a process the
    folder is read once: expired results go, then the oldest until CACHE_THRESHOLD are
    left.
    """

    PRUNE_EVERY = 100

    def __init__(self, cache_dir, threshold=500, **kwargs):
        super().__init__(cache_dir, threshold=0, **kwargs)
        self.max_files = threshold
        self._writes = 0

    def set(self, key, value, timeout=None, mgmt_element=False):
        stored = super().set(key, value, timeout, mgmt_element)
        self._writes += 1
        if self.max_files and self._writes % self.PRUNE_EVERY == 0:
            self.prune()
        return stored

    def prune(self, now=None):
        """Delete expired results, then the ones that expire first, down to max_files."""
        now = time.time() if now is None else now
        kept = []
        for path in self._list_dir():
            try:
                with open(path, "rb") as stream:
                    expires = struct.unpack("I", stream.read(4))[0]
                if expires != 0 and expires < now:
                    os.remove(path)
                else:
                    kept.append((expires or float("inf"), path))
            except (OSError, struct.error):  # another worker removed or is writing it
                continue
        kept.sort()
        for _expires, path in kept[:max(0, len(kept) - self.max_files)]:
            with suppress(OSError):
                os.remove(path)


log = logging.getLogger(__name__)
db = Database()
login_manager = LoginManager()
cache = Cache()

# Imported late to keep the database helpers above free of web-only dependencies.
from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402
from flask_wtf.csrf import CSRFProtect  # noqa: E402

limiter = Limiter(key_func=get_remote_address, default_limits=[])
csrf = CSRFProtect()
