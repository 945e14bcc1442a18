"""Long work off the request thread: the Dash background-callback manager (Diskcache or Celery).

By default a background callback runs in a child process and its progress and result go
through a diskcache folder in the instance path (one host). With BACKGROUND=celery and
REDIS_URL set, callbacks run on Celery workers with Redis as broker and result store,
so any web worker on any host can poll a job that another one started. Start workers with

    celery -A dashboard.web.background:celery_app worker --loglevel=INFO

A background callback runs outside the request that triggered it, so declare it with
`run_as_requesting_user` under `@app.callback(..., background=True)`: the callback then
runs inside the app, with its own database session, and `current_user` is the user who
triggered it, so `auth.current_scope()` and role checks hold as usual.
"""
import functools
import os

import dash
from flask import current_app, has_app_context

BACKGROUND_KINDS = ("diskcache", "celery")
# Finished results nobody polled (a closed tab) are dropped after a day.
RESULT_EXPIRY_SECONDS = 24 * 3600
# Where the id of the user who triggered a callback travels with the job.
REQUESTING_USER = "requesting_user_id"

# One Celery app per process: Dash registers each background callback as a task on it.
_celery_app = None
# The server built in this process; a Celery worker has no request to take it from.
_process_server = None


def background_kind(server) -> str:
    """Which manager the configuration asks for: "diskcache" (default) or "celery"."""
    kind = (server.config.get("BACKGROUND") or "diskcache").strip().lower()
    if kind not in BACKGROUND_KINDS:
        raise RuntimeError(
            f"BACKGROUND is {kind!r}; set it to one of {', '.join(BACKGROUND_KINDS)}.")
    if kind == "celery" and not server.config.get("REDIS_URL"):
        raise RuntimeError(
            "BACKGROUND=celery needs REDIS_URL: Celery uses Redis to pass jobs to workers.")
    return kind


def make_manager(server):
    """The background-callback manager for `server`, as the configuration asks."""
    global _process_server
    _process_server = server
    server.extensions["background_pid"] = os.getpid()
    if background_kind(server) == "celery":
        celery_app = make_celery(server.config["REDIS_URL"])
        server.extensions["celery_app"] = celery_app
        # Celery beat runs the scheduled jobs (report deliveries) once a minute.
        from dashboard.reports import scheduler

        scheduler.add_celery_beat(celery_app, server)
        return dash.CeleryManager(celery_app, expire=RESULT_EXPIRY_SECONDS)
    import diskcache

    directory = (server.config.get("BACKGROUND_CACHE_DIR")
                 or os.path.join(server.instance_path, "background"))
    os.makedirs(directory, exist_ok=True)
    server.extensions["background_cache_dir"] = directory
    return dash.DiskcacheManager(diskcache.Cache(directory), expire=RESULT_EXPIRY_SECONDS)


def make_celery(redis_url):
    """This process's Celery app, with Redis as broker and result store."""
    global _celery_app
    if _celery_app is None:
        from celery import Celery

        _celery_app = Celery("dashboard", broker=redis_url, backend=redis_url)
        _celery_app.conf.update(
            # One job at a time per worker process: jobs are long, queues should not hide.
            worker_prefetch_multiplier=1,
            task_track_started=True,
            result_expires=RESULT_EXPIRY_SECONDS,
            broker_connection_retry_on_startup=True,
        )
    return _celery_app


def run_as_requesting_user(callback):
    """Run a background callback inside the app, as the user whose browser triggered it."""

    @functools.wraps(callback)
    def in_app_as_user(*args, **kwargs):
        server = current_app._get_current_object() if has_app_context() else _process_server
        if server is None:
            raise RuntimeError("No dashboard app in this process: create_app() was not called.")
        _forget_inherited_connections(server)
        user_id = _requesting_user_id()
        # A fresh app context gives the job its own `g` and database session, never
        # the one of the request it was forked from.
        with server.app_context(), server.test_request_context("/_dash-background-job"):
            _sign_in(user_id)
            return callback(*args, **kwargs)

    return in_app_as_user


@dash.hooks.custom_data(REQUESTING_USER)
def _capture_requesting_user(_callback_context):
    """Runs at request time, so the job (another process, or host) knows who asked."""
    from flask_login import current_user

    return current_user.get_id() if current_user.is_authenticated else None


def _requesting_user_id():
    try:
        return dash.callback_context.custom_data.get(REQUESTING_USER)
    except (LookupError, dash.exceptions.MissingCallbackContextException):
        return None  # called directly (a unit test), not by Dash: nobody is signed in


def _sign_in(user_id):
    from flask_login import login_user

    from dashboard.web.login import user_for_session

    if user_id is None:
        return
    # The requesting user's sign-in session: a job from a session ended since runs as nobody.
    user = user_for_session(user_id)
    # login_user refuses a deactivated user: the job then runs as nobody and sees nothing.
    if user is not None:
        login_user(user)


def _forget_inherited_connections(server):
    # A forked child must not reuse the parent's pooled connections (SQLAlchemy's rule
    # for multiprocessing): drop them unclosed, once per process.
    if server.extensions.get("background_pid") != os.getpid():
        server.extensions["database_engine"].dispose(close=False)
        server.extensions["background_pid"] = os.getpid()


def __getattr__(name):
    # `celery -A dashboard.web.background:celery_app worker` lands here: building the app
    # registers every background callback as a Celery task.
    if name != "celery_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from dashboard import create_app

    server = _process_server or create_app()
    if "celery_app" not in server.extensions:
        raise RuntimeError(
            "celery_app needs BACKGROUND=celery and REDIS_URL in the environment.")
    return server.extensions["celery_app"]
