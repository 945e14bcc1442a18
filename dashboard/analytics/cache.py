"""Cached analytics results: keyed by the database's data identity, counted in the cache."""
import contextvars
import hashlib
import threading
import time

import pandas as pd
from flask import g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from dashboard.extensions import cache, db
from models import DataState

# How long a request waits for another one computing the same result before computing it
# itself (well under the database statement timeout).
COMPUTE_WAIT_SECONDS = 20
# Part of every cache key: bump it when a cached result changes shape or meaning, so a
# deploy never serves results computed by the previous code.
CACHE_FORMAT = "2"
# Re-entrant: a computation may ask for another cached result on the same stripe.
_COMPUTE_LOCKS = [threading.RLock() for _ in range(64)]
# True while a result is computed with use_cache=False: the cached results it builds on
# are computed afresh too, not only the outermost one.
READ_FRESH = contextvars.ContextVar("read_fresh", default=False)
HITS_KEY = "analytics:stats:hits"
MISSES_KEY = "analytics:stats:misses"


# Counts this process's writes (a flush, commit or rollback of any session or connection):
# an identity read before the count moved may be stale, so it is read again.
_writes = {"count": 0}


def _count_write(*_arguments):
    _writes["count"] += 1


event.listen(Engine, "commit", _count_write)
event.listen(Engine, "rollback", _count_write)
event.listen(Session, "after_flush", _count_write)


def data_identity(connection=None) -> str | None:
    """Which database and which state of its data a cached result belongs to.

    The database's random id keeps two databases with the same version apart in one
    shared cache; the time of the last import tells apart copies of one database file
    that were imported into separately. None (nothing may be cached) before the first
    import, or when the id is missing: `dashboard init-db` writes it. Read through the
    request's session, or `connection` (a process without the app: columnar's builder).

    Read once per app context (a request) while this process writes nothing: a view asks
    for it once per cached result, and each read is a query. An import here moves the
    write count, so the next read sees it at once; one elsewhere is seen by the next
    request, as before, since a request always read the identity before its results.
    """
    if connection is not None or not has_app_context():
        return _read_identity(connection)
    remembered = g.get("_analytics_identity")
    if remembered is not None and remembered[0] == _writes["count"]:
        return remembered[1]
    writes = _writes["count"]
    identity = _read_identity()
    g._analytics_identity = (writes, identity)
    return identity


def _read_identity(connection=None):
    state = (db.session if connection is None else connection).execute(
        select(DataState.database_id, DataState.version, DataState.updated_at)
        .order_by(DataState.version.desc()).limit(1)).first()
    if state is None or not state.database_id:
        return None
    updated = state.updated_at.isoformat() if state.updated_at else "-"
    return f"{state.database_id}:{state.version}:{updated}"


def cache_stats() -> dict:
    """Hits and misses of the analytics cache for this database, counted in the cache
    itself (all workers)."""
    identity = data_identity()
    if identity is None:
        return {"hits": 0, "misses": 0}
    return {"hits": int(cache.get(_counter_key(HITS_KEY, identity)) or 0),
            "misses": int(cache.get(_counter_key(MISSES_KEY, identity)) or 0)}


def _counter_key(counter_key, identity):
    # Per database (not per version): staging and production on one Redis count apart.
    return f"{counter_key}:{identity.split(':', 1)[0]}"


def _scope_key(scope):
    return "all" if scope is None else "|".join(sorted(scope))


def cached(name, selection, scope, compute, *arguments, use_cache=True):
    """compute() once per (database, function, selection, scope, data version, arguments).

    Every aggregate here goes through it, and so can results built on top of them, such as
    a view's rendered page body. use_cache=False computes afresh and stores nothing.
    """
    # Inside a computation asked for afresh, every part of it is computed afresh too.
    use_cache = use_cache and not READ_FRESH.get()
    identity = data_identity() if use_cache else None
    if not use_cache:
        token = READ_FRESH.set(True)
        try:
            return compute()
        finally:
            READ_FRESH.reset(token)
    if identity is None:
        return compute()
    description = "\n".join([CACHE_FORMAT, name, selection.cache_key() if selection else "-",
                             _scope_key(scope), identity, repr(arguments)])
    key = "analytics:" + name + ":" + hashlib.sha256(description.encode()).hexdigest()[:40]
    hits, misses = _counter_key(HITS_KEY, identity), _counter_key(MISSES_KEY, identity)
    results = _request_results()
    if key in results:
        _count(hits)
        return results[key]
    value = cache.get(key)
    if value is not None:
        _count(hits)
        return _remember(results, key, value)
    # Many users open the same view at once: one request computes, the others wait for its
    # result instead of running the same heavy queries side by side. Threads of a worker
    # queue on a lock; workers and hosts on a marker in the shared cache.
    with _COMPUTE_LOCKS[int(key[-8:], 16) % len(_COMPUTE_LOCKS)]:
        value = cache.get(key)
        if value is not None:
            _count(hits)
            return value
        computing_key = key + ":computing"
        if not cache.add(computing_key, 1, timeout=COMPUTE_WAIT_SECONDS):
            deadline = time.monotonic() + COMPUTE_WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.05)
                value = cache.get(key)
                if value is not None:
                    _count(hits)
                    return value
        _count(misses)
        try:
            value = compute()
            cache.set(key, value)
        finally:
            cache.delete(computing_key)
        return _remember(results, key, value)


def _request_results():
    """The frames this app context (a request) has computed or read, by cache key: a view
    often reads one again (the ROI view's baseline reads its creator metrics), and a
    second trip to the cache would unpickle it again."""
    if not has_app_context():
        return {}
    if "_analytics_results" not in g:
        g._analytics_results = {}
    return g._analytics_results


def _remember(results, key, value):
    # Only frames: copy-on-write keeps a caller's change to one from reaching another
    # caller, which a shared dict or list would not.
    if isinstance(value, pd.DataFrame):
        results[key] = value
    return value


def _count(counter_key):
    # The backend's inc is atomic on Redis, so every worker adds to the same counter.
    try:
        cache.cache.inc(counter_key)
    except Exception:  # a counter must never break a page
        pass
