"""Liveness, readiness and the admin's cache counters: does the process answer, can it serve."""
import uuid

from flask import Blueprint, jsonify
from sqlalchemy import text

from dashboard.web import guard
from dashboard.extensions import cache, db, limiter

blueprint = Blueprint("health", __name__)

# The migration the code expects never changes while a process runs: read it once.
_code_heads = None


@blueprint.get("/healthz")
def healthz():
    database = _check_database()
    if database != "ok":
        return jsonify(status="error", database=database), 503
    return jsonify(status="ok", database="ok")


@blueprint.get("/readyz")
def readyz():
    """Ready for traffic: the database answers and its schema is current.

    The cache and the rate-limit storage may be "degraded": the app still serves without
    them (results computed, limits counted in each process), so traffic keeps coming.
    """
    checks = {"database": _check_database(), "schema": "not checked", "cache": _check_cache(),
              "rate_limits": _check_rate_limits()}
    if checks["database"] == "ok":
        checks["schema"] = _check_schema()
    if checks["database"] != "ok" or checks["schema"] != "ok":
        return jsonify(status="error", **checks), 503
    degraded = any(value != "ok" for value in checks.values())
    return jsonify(status="degraded" if degraded else "ok", **checks), 200


@blueprint.get("/admin/cache-stats")
# Operational counters go to whoever may read the audit log: admins.
@guard.require_view("audit")
def cache_stats():
    """Hits and misses of the analytics cache (counted in the shared cache), with the rate."""
    from dashboard import analytics

    stats = dict(analytics.cache_stats())
    lookups = stats.get("hits", 0) + stats.get("misses", 0)
    stats["hit_rate"] = stats.get("hits", 0) / lookups if lookups else None
    return jsonify(stats)


def _check_database():
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not answering"
        return f"not answering: {type(error).__name__}"
    return "ok"


def _check_schema():
    try:
        with db.engine.connect() as connection:
            database_heads = {row[0] for row in connection.execute(
                text("SELECT version_num FROM alembic_version"))}
    except Exception:  # no version table: the schema was never created
        database_heads = set()
    expected = _expected_heads()
    if database_heads == expected:
        return "ok"
    found = ", ".join(sorted(database_heads)) or "no schema"
    return (f"database is at {found} but the code needs {', '.join(sorted(expected))}: "
            "run `dashboard init-db`")


def _expected_heads():
    global _code_heads
    if _code_heads is None:
        from alembic.script import ScriptDirectory

        from dashboard import schema

        _code_heads = set(ScriptDirectory.from_config(schema.alembic_config()).get_heads())
    return _code_heads


def _check_cache():
    down_reason = getattr(cache.cache, "ping", lambda: None)()
    if down_reason:
        return (f"degraded: Redis is not answering ({down_reason}); results are computed "
                "without the cache")
    probe_key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(probe_key, "ok", timeout=10)
        answer = cache.get(probe_key)
        cache.delete(probe_key)
    except Exception as error:
        return f"degraded: not answering ({type(error).__name__}); results are computed"
    return "ok" if answer == "ok" else "degraded: does not keep values; results are computed"


def _check_rate_limits():
    if not limiter.enabled:
        return "ok"
    try:
        answers = limiter.storage.check()
    except Exception:  # a storage that cannot even be asked is not answering
        answers = False
    if answers:
        return "ok"
    return "degraded: Redis is not answering; sign-in limits are counted in each process"
