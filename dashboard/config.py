"""Configuration: defaults, then the environment, then the mapping a caller (a test) passes."""
import os

# Production refuses to start with this value (or none).
DEFAULT_SECRET_KEY = "dev-only-not-secret"

# Seconds to wait for Redis to accept a connection or answer before treating it as down.
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# The cache without REDIS_URL: files in CACHE_DIR, shared by the workers of one host.
FILE_CACHE_TYPE = "dashboard.extensions.LocalFileCache"


def _switch(value):
    return value.strip().lower() not in ("0", "false", "no", "off")


# Environment variables read on top of the defaults, with their types.
ENVIRONMENT_KEYS = {
    "DASHBOARD_ENV": str,
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "MAX_UPLOAD_MB": int,
    "CACHE_DIR": str,
    "CACHE_DEFAULT_TIMEOUT": int,
    "CACHE_THRESHOLD": int,
    "DB_STATEMENT_TIMEOUT_MS": int,
    "DB_POOL_SIZE": int,
    "DB_CONNECT_TIMEOUT_S": int,
    "IMPORT_CHUNK_ROWS": int,
    "LOG_LEVEL": str,
    "PROXY_FIX_X_FOR": int,
    "LOG_FORMAT": lambda value: value.strip().lower(),
    "LOG_REQUESTS": _switch,
    "BACKGROUND": str,
    "SMTP_URL": str,
    "SMTP_CA_FILE": str,
    "MAIL_FROM": str,
    "API_RATE_LIMIT": str,
    "PUBLIC_URL": str,
    "ALERTS_DAILY_AT": str,
    "SCHEDULER": _switch,
    "REPORT_CHARTS": _switch,
    "ANALYTICS_ENGINE": lambda value: value.strip().lower(),
    "WARM_ON_START": _switch,
    "WARM_AFTER_IMPORT": lambda value: value.strip().lower(),
}


class Defaults:
    DASHBOARD_ENV = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    # None: a SQLite file in the instance folder.
    DATABASE_URL = None
    # None: a file cache in the instance folder, an in-memory rate limiter.
    REDIS_URL = None
    MAX_UPLOAD_MB = 512
    CACHE_DIR = None
    CACHE_DEFAULT_TIMEOUT = 3600
    # Results the file cache (no REDIS_URL) keeps before it deletes the oldest.
    CACHE_THRESHOLD = 500
    DB_STATEMENT_TIMEOUT_MS = 60_000
    DB_POOL_SIZE = 5
    # Seconds to wait for the database to accept a connection (Postgres).
    DB_CONNECT_TIMEOUT_S = 5
    IMPORT_CHUNK_ROWS = 100_000
    LOG_LEVEL = "INFO"
    # "json" or "text"; None: text when stderr is a terminal, JSON otherwise.
    LOG_FORMAT = None
    # One INFO line per request. None: on, except under the development server
    # (`dashboard run`), which logs requests only when asked.
    LOG_REQUESTS = None
    # Where background callbacks run: "diskcache" (child processes, one host) or "celery".
    BACKGROUND = "diskcache"
    # smtp://host:port (STARTTLS when offered), smtp://user:pass@host:587, smtps://host:465.
    # None: messages are written to instance/outbox/ instead (see the README).
    SMTP_URL = None
    # A CA bundle to trust for the mail server's certificate (None: the system's).
    SMTP_CA_FILE = None
    SMTP_TIMEOUT_S = 20
    MAIL_FROM = "Influencer ROI <reports@localhost>"
    # Calls each API token may make (flask-limiter's notation); more get 429 with Retry-After.
    API_RATE_LIMIT = "60/minute"
    # Where links in e-mails and alerts point: the address people open the dashboard at.
    PUBLIC_URL = "http://127.0.0.1:8050"
    # The once-a-day alert evaluation runs at the first scheduler tick after this UTC time.
    ALERTS_DAILY_AT = "07:00"
    # Seconds an alert webhook may take to answer.
    WEBHOOK_TIMEOUT_S = 10
    # Run the once-a-minute scheduler (report deliveries) inside `dashboard run`; off when
    # cron runs `dashboard reports send-due` or Celery beat does (BACKGROUND=celery).
    SCHEDULER = True
    # Draw the charts of e-mailed reports with kaleido and the system's Chromium; 0 where no
    # Chromium is installed (the PDF then carries the numbers without the pictures).
    REPORT_CHARTS = True
    # How analytics sum the daily facts: "columnar" (Polars over a per-data-version Arrow
    # snapshot in the instance folder, shared by the workers of a host) or "sql" (the
    # database itself). Both give the same numbers; tests run both.
    ANALYTICS_ENGINE = "columnar"
    # Serving processes (wsgi.py, `dashboard run`) compute what every brand scope opens by
    # default in a background thread at start; tests and commands never do.
    WARM_ON_START = True
    # After `dashboard import` commits: "background" builds the snapshot, the default views
    # and the planner's fit in a process of its own, so the command returns at its commit;
    # "wait" does it before returning; "no" leaves it to `dashboard warm` or the first visit.
    WARM_AFTER_IMPORT = "background"
    # Number of trusted reverse proxies in front of the app (0: none). Behind one, set 1 so
    # rate limits and the audit log see the user's address, not the proxy's.
    PROXY_FIX_X_FOR = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    WTF_CSRF_TIME_LIMIT = None
    TESTING = False


def load_config(app, config=None):
    """Fill app.config: defaults, then environment variables, then `config`."""
    app.config.from_object(Defaults)
    for key, cast in ENVIRONMENT_KEYS.items():
        value = os.environ.get(key)
        if value not in (None, ""):
            app.config[key] = cast(value)
    if config:
        app.config.update(config)

    if not app.config["DATABASE_URL"]:
        path = os.path.join(app.instance_path, "dashboard.sqlite3")
        app.config["DATABASE_URL"] = f"sqlite:///{path}"
    redis_url = app.config["REDIS_URL"]
    if redis_url:
        # While Redis is down the cache computes instead and rate limits count in each
        # process; short socket timeouts keep a dead Redis from holding requests.
        app.config.setdefault("CACHE_TYPE", "dashboard.extensions.FallbackRedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
        if "Redis" in app.config["CACHE_TYPE"]:
            app.config.setdefault("CACHE_OPTIONS", dict(REDIS_TIMEOUTS))
        app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
        if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
            app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    else:
        app.config.setdefault("CACHE_TYPE", FILE_CACHE_TYPE)
        app.config.setdefault(
            "CACHE_DIR", app.config["CACHE_DIR"] or os.path.join(app.instance_path, "cache"))
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    if app.config["CACHE_DIR"] is None:
        app.config["CACHE_DIR"] = os.path.join(app.instance_path, "cache")
    app.config.setdefault("CACHE_KEY_PREFIX", "roi:")
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    production = app.config["DASHBOARD_ENV"] == "production"
    if production:
        # Production is HTTPS only (HSTS), so cookies never travel in clear.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if app.config["LOG_FORMAT"] not in (None, "json", "text"):
        raise RuntimeError(
            f"LOG_FORMAT is {app.config['LOG_FORMAT']!r}: set it to json or text, or leave it "
            "unset for text in a terminal and JSON elsewhere.")
    if production and app.config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
        raise RuntimeError(
            "Refusing to start in production without a SECRET_KEY: set SECRET_KEY to a long "
            "random value.")
    return app.config
