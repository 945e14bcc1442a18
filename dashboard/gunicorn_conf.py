"""Gunicorn settings for `make serve`, from the environment (GUNICORN_*, PORT, BIND_HOST)."""
import json
import multiprocessing
import os
import subprocess
import sys


def _int_env(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


_cores = multiprocessing.cpu_count()

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{_int_env('PORT', 8050)}"
# Threaded workers: a request waiting on the database leaves its worker free for others,
# and each worker holds one copy of pandas and the Dash app. One worker per core (at least
# two, so one busy worker never stalls the site) with 4 threads suits a 2-core host.
workers = _int_env("GUNICORN_WORKERS", max(2, _cores))
threads = _int_env("GUNICORN_THREADS", 4)
worker_class = "gthread"
# Above the database statement timeout (DB_STATEMENT_TIMEOUT_MS, 60 s by default), so a
# slow query is cancelled by the database with a clear error before the worker is killed.
timeout = _int_env("GUNICORN_TIMEOUT", 90)
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int_env("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak (pandas frames, caches) cannot grow forever;
# the jitter keeps them from all restarting at once.
# A recycled worker maps the snapshot and builds its summaries again: at 2,000 requests,
# 200 load-test users recycled each worker every half minute (5 failed requests in 7,393,
# p95 2.9 s; at 20,000: none in 9,306, p95 2.3 s).
max_requests = _int_env("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int_env("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Trust X-Forwarded-Proto only from the reverse proxy in front (nginx on the same host).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app logs one JSON line per request (dashboard/web/logs.py); gunicorn's own access log
# would say the same again without the request id and user.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Each worker builds its own app: no database connection or diskcache handle is shared
# across a fork.
preload_app = False
proc_name = "influencer-roi"


def on_starting(server):
    server.log.info(json.dumps({
        "event": "gunicorn_starting", "bind": bind, "workers": workers, "threads": threads,
        "timeout": timeout}))


def when_ready(server):
    # One scheduler per host, beside the workers rather than in them: workers come and go
    # (max_requests), and a thread in the master would be copied into every fork. Deliveries
    # are exactly-once, so a second host's scheduler is harmless. Under BACKGROUND=celery,
    # Celery beat runs the jobs instead; SCHEDULER=0 turns it off (cron runs send-due).
    if os.environ.get("BACKGROUND", "").strip().lower() == "celery":
        return
    if os.environ.get("SCHEDULER", "1").strip().lower() in ("0", "false", "no", "off"):
        return
    server.report_scheduler = subprocess.Popen(
        [sys.executable, "-m", "dashboard.reports.scheduler"])
    server.log.info(json.dumps({"event": "scheduler_started",
                                "pid": server.report_scheduler.pid}))


def on_exit(server):
    scheduler = getattr(server, "report_scheduler", None)
    if scheduler is not None:
        scheduler.terminate()
        scheduler.wait(timeout=10)
