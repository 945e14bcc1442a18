"""Production serving: readiness, gunicorn, background callbacks, database limits, crash safety."""
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from dash import Input, Output
from flask_login import current_user
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from dashboard import auth as dashboard_auth
from dashboard.web import background
from dashboard.extensions import make_engine
from models import Base
from tests.helpers import ROOT, AuthActions, create_users, free_port, make_test_app

BIN = Path(sys.executable).parent
BRANDS = ("MuscleBlaze", "HKVitals", "Gritzo")
PLATFORMS = ("Instagram", "YouTube", "Twitter", "TikTok")
CREATORS = 40
# Large enough that the import is caught mid-write, small enough to re-run in seconds.
TRACKING_ROWS = 80_000


# --- readiness --------------------------------------------------------------------------

def test_readyz_reports_database_schema_and_cache_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": "ok",
                                   "cache": "ok", "rate_limits": "ok"}


def test_readyz_refuses_traffic_while_the_schema_is_behind(tmp_path):
    # An empty database file: it answers, but no migration has run on it.
    app = make_test_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert "no schema" in body["schema"] and "dashboard init-db" in body["schema"]


def test_readyz_keeps_traffic_when_the_cache_does_not_answer(sqlite_url, tmp_path):
    # Nothing listens on port 1: the app computes without the cache, so it stays ready.
    app = make_test_app(sqlite_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0",
                        CACHE_TYPE="dashboard.extensions.FallbackRedisCache",
                        CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["cache"].startswith("degraded: Redis is not answering")
    assert response.get_json()["schema"] == "ok"


def test_cache_stats_are_for_admins_with_the_hit_rate(app, client, auth, monkeypatch):
    from dashboard import analytics

    monkeypatch.setattr(analytics, "cache_stats", lambda: {"hits": 30, "misses": 10})
    auth.login("analyst")
    assert client.get("/admin/cache-stats").status_code == 403
    auth.logout()
    auth.login("admin")
    response = client.get("/admin/cache-stats")
    assert response.status_code == 200
    assert response.get_json() == {"hits": 30, "misses": 10, "hit_rate": 0.75}


def test_cache_stats_without_lookups_have_no_hit_rate(app, client, auth, monkeypatch):
    from dashboard import analytics

    monkeypatch.setattr(analytics, "cache_stats", lambda: {"hits": 0, "misses": 0})
    auth.login("admin")
    assert client.get("/admin/cache-stats").get_json()["hit_rate"] is None


# --- gunicorn ---------------------------------------------------------------------------

def _server_env(database_url, tmp_path, **extra):
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "BACKGROUND", "DASHBOARD_ENV")}
    env.update({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "test-secret", "LOG_LEVEL": "INFO", **extra})
    return env


def test_gunicorn_config_reads_the_environment(monkeypatch):
    import importlib

    from dashboard import gunicorn_conf

    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("PORT", "9123")
    config = importlib.reload(gunicorn_conf)
    assert (config.workers, config.threads, config.timeout) == (3, 6, 45)
    assert config.bind == "127.0.0.1:9123" and config.worker_class == "gthread"
    monkeypatch.delenv("GUNICORN_WORKERS")
    assert importlib.reload(gunicorn_conf).workers >= 2


def test_gunicorn_serves_the_app_and_logs_json_per_request(sqlite_url, tmp_path):
    port = free_port()
    env = _server_env(sqlite_url, tmp_path, PORT=str(port), GUNICORN_WORKERS="1",
                      GUNICORN_THREADS="2")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "dashboard/gunicorn_conf.py", "wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/readyz",
                                        headers={"X-Request-ID": "smoke-test-1"}, timeout=20)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        assert response.status_code == 200, response.text
        assert response.headers["X-Request-ID"] == "smoke-test-1"
        login_page = requests.get(f"http://127.0.0.1:{port}/overview", timeout=5)
        assert login_page.url.endswith("/login?next=/overview")
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    request_lines = [line for line in stderr.splitlines() if '"dashboard.request"' in line]
    assert any('"request_id": "smoke-test-1"' in line and '"status": 200' in line
               and '"path": "/readyz"' in line for line in request_lines), stderr[-2000:]
    # One report scheduler beside the workers, started by the master and stopped with it.
    assert stderr.count('"event": "scheduler_started"') == 1, stderr[-2000:]
    assert "report scheduler started" in stderr


# --- background callbacks ---------------------------------------------------------------

def test_background_callback_runs_off_the_request_as_the_requesting_user(sqlite_app):
    dash_app = sqlite_app.extensions["dash_app"]
    assert os.path.isdir(sqlite_app.extensions["background_cache_dir"])

    @dash_app.callback(Output("overview-probe-result", "children"),
                       Input("overview-probe-start", "n_clicks"),
                       background=True, progress=[Output("overview-probe-progress", "value")],
                       prevent_initial_call=True)
    @background.run_as_requesting_user
    def probe(set_progress, n_clicks):
        set_progress(50)
        scope = dashboard_auth.brand_scope(current_user)
        return f"{current_user.username} {sorted(scope)} pid {os.getpid()}"

    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("manager")
    body = {"output": "overview-probe-result.children",
            "outputs": {"id": "overview-probe-result", "property": "children"},
            "inputs": [{"id": "overview-probe-start", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["overview-probe-start.n_clicks"], "state": []}
    started = client.post("/_dash-update-component", json=body)
    assert started.status_code == 200, started.get_data(as_text=True)
    handles = started.get_json()
    assert set(handles) >= {"cacheKey", "job"}
    result = None
    deadline = time.monotonic() + 20
    while result is None and time.monotonic() < deadline:
        polled = client.post("/_dash-update-component", json=body,
                             query_string={"cacheKey": handles["cacheKey"],
                                           "job": handles["job"]})
        assert polled.status_code == 200, polled.get_data(as_text=True)
        result = polled.get_json().get("response")
        time.sleep(0.1)
    assert result is not None, "the background job gave no result within 20 s"
    answer = result["overview-probe-result"]["children"]
    assert answer.startswith("manager ['MuscleBlaze'] pid ")
    # It ran in another process, not on the request thread.
    assert answer != f"manager ['MuscleBlaze'] pid {os.getpid()}"


def test_celery_needs_redis(sqlite_url, tmp_path):
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        make_test_app(sqlite_url, tmp_path, BACKGROUND="celery", REDIS_URL=None)


def test_unknown_background_kind_is_refused(sqlite_url, tmp_path):
    with pytest.raises(RuntimeError, match="diskcache, celery"):
        make_test_app(sqlite_url, tmp_path, BACKGROUND="threads")


def test_celery_manager_with_redis(sqlite_url, tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("Celery test skipped: TEST_REDIS_URL is not set")
    app = make_test_app(sqlite_url, tmp_path, BACKGROUND="celery", REDIS_URL=redis_url)
    celery_app = app.extensions["celery_app"]
    assert celery_app.conf.broker_url == redis_url
    assert type(app.extensions["dash_app"]._background_manager).__name__ == "CeleryManager"


# --- database limits --------------------------------------------------------------------

@pytest.mark.postgres
def test_postgres_cancels_a_statement_longer_than_the_timeout(postgres_url):
    engine = make_engine(postgres_url, {"DB_STATEMENT_TIMEOUT_MS": 200, "DB_POOL_SIZE": 2})
    try:
        with engine.connect() as connection:
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(5)"))
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "200ms"
        assert engine.pool.size() == 2
    finally:
        engine.dispose()


def test_sqlite_reader_reads_while_a_writer_holds_a_write_transaction(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as writer, engine.connect() as reader:
            assert writer.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            # Fail fast instead of waiting 30 s if the journal mode ever blocks the writer.
            writer.execute(text("PRAGMA busy_timeout=1000"))
            writer.execute(text("INSERT INTO brands (name) VALUES ('A'), ('B')"))
            writer.commit()
            writer.execute(text("INSERT INTO brands (name) VALUES ('Uncommitted')"))
            # The writer holds its write transaction open; the reader is not blocked.
            assert reader.execute(text("SELECT name FROM brands ORDER BY name")
                                  ).scalars().all() == ["A", "B"]
            # A read still in progress does not block the writer's commit either, and
            # keeps reading the snapshot it started on.
            reading = reader.exec_driver_sql("SELECT name FROM brands ORDER BY name")
            assert reading.fetchone() == ("A",)
            writer.commit()
            assert reading.fetchall() == [("B",)]
            assert reader.execute(text("SELECT count(*) FROM brands")).scalar() == 3
    finally:
        engine.dispose()


# --- crash and concurrency safety of imports --------------------------------------------

needs_importer = pytest.mark.skipif(
    not (ROOT / "dashboard" / "importing").exists(),
    reason="dashboard/importing has not landed yet")


def _write_influencers(path):
    lines = ["influencer_id,name,category,gender,follower_count,platform"]
    for number in range(1, CREATORS + 1):
        lines.append(f"c{number},Creator {number},Fitness,F,{number * 7000},"
                     f"{PLATFORMS[number % len(PLATFORMS)]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_tracking(path, rows, user_prefix):
    """`rows` attributed orders; `user_prefix` keeps files distinct as multisets."""
    with open(path, "w", encoding="utf-8") as tracking:
        tracking.write("source,campaign,influencer_id,user_id,product,brand,date,orders,"
                       "revenue\n")
        for number in range(rows):
            brand = BRANDS[number % 3]
            tracking.write(
                f"instagram,{brand}_Q{number % 4 + 1},c{number % CREATORS + 1},"
                f"{user_prefix}{number},{brand} Whey {number % 5},{brand},"
                f"2025-{number % 12 + 1:02d}-{number % 28 + 1:02d},{number % 3 + 1},"
                f"{(number % 50) * 99.5 + 100}\n")
    return path


def _cli(database_url, tmp_path, *arguments):
    # WARM_AFTER_IMPORT=wait: no process may outlive a test.
    return [str(BIN / "dashboard"), *arguments], _server_env(
        database_url, tmp_path, LOG_LEVEL="WARNING", WARM_AFTER_IMPORT="wait")


def _run_import(database_url, tmp_path, *paths, timeout=120):
    command, env = _cli(database_url, tmp_path, "import", *map(str, paths))
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def _snapshot(database_url):
    """Row count and a checksum of every table: what "nothing changed" means."""
    engine = create_engine(database_url)
    snapshot = {}
    try:
        with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                digest = hashlib.sha256()
                count = 0
                for row in connection.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                    count += 1
                snapshot[table.name] = (count, digest.hexdigest())
    finally:
        engine.dispose()
    return snapshot


def _count(database_url, query):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).scalar()
    finally:
        engine.dispose()


def _holds_open_write_transaction(database_url):
    """True while another connection has written and not yet committed."""
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time: if we cannot take the write lock, someone has it.
        probe = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    # Postgres: another backend of this database holds a transaction id, so has written.
    return bool(_count(database_url, text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))


def _kill_mid_transaction(process, database_url):
    """kill -9 `process` while its import transaction is open, never after its commit."""
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (
            "the import finished before it could be killed; make the file larger: "
            + process.stderr.read()[-1000:])
        assert time.monotonic() < deadline, "the import never started writing within 60 s"
        if _holds_open_write_transaction(database_url):
            # Freeze it, then look again: a frozen process cannot commit, so if the
            # transaction is still open now, the kill lands inside it.
            process.send_signal(signal.SIGSTOP)
            time.sleep(0.2)
            if _holds_open_write_transaction(database_url):
                break
            process.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


@needs_importer
def test_killed_import_changes_nothing_and_the_rerun_applies_once(database_url, tmp_path):
    from models import ImportBatch, Order

    influencers = _write_influencers(tmp_path / "influencers.csv")
    assert _run_import(database_url, tmp_path, influencers).returncode == 0
    tracking = _write_tracking(tmp_path / "tracking_data.csv", TRACKING_ROWS, "u")
    before = _snapshot(database_url)

    command, env = _cli(database_url, tmp_path, "import", str(tracking))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _kill_mid_transaction(process, database_url)

    assert _snapshot(database_url) == before

    rerun = _run_import(database_url, tmp_path, tracking)
    assert rerun.returncode == 0, rerun.stderr
    assert _count(database_url, select(func.count()).select_from(Order)) == TRACKING_ROWS
    assert _count(database_url, select(func.count()).select_from(ImportBatch).where(
        ImportBatch.file_name.like("%tracking_data.csv"),
        ImportBatch.status == "committed")) == 1


@needs_importer
def test_two_imports_at_once_are_each_applied_exactly_once(database_url, tmp_path):
    from models import ImportBatch, Order

    influencers = _write_influencers(tmp_path / "influencers.csv")
    assert _run_import(database_url, tmp_path, influencers).returncode == 0
    files = {}
    for name, prefix, rows in (("first", "a", 12_000), ("second", "b", 8_000)):
        folder = tmp_path / name
        folder.mkdir()
        files[name] = (_write_tracking(folder / "tracking_data.csv", rows, prefix), rows)

    processes = {}
    for name, (path, _rows) in files.items():
        command, env = _cli(database_url, tmp_path, "import", str(path))
        processes[name] = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
    outcomes = {name: (process.wait(timeout=120), *process.communicate())
                for name, process in processes.items()}

    for name, (returncode, stdout, stderr) in outcomes.items():
        if returncode != 0:
            # Refused is allowed, with a plain message, never a crash; then it goes through.
            assert "Traceback" not in stderr and stderr.strip(), (name, stderr)
            rerun = _run_import(database_url, tmp_path, files[name][0])
            assert rerun.returncode == 0, rerun.stderr
    assert any(returncode == 0 for returncode, _out, _err in outcomes.values()), outcomes

    expected_orders = sum(rows for _path, rows in files.values())
    assert _count(database_url, select(func.count()).select_from(Order)) == expected_orders
    assert _count(database_url, select(func.count()).select_from(ImportBatch).where(
        ImportBatch.dataset == "tracking_data", ImportBatch.status == "committed")) == 2


def test_snapshot_notices_a_changed_row(sqlite_url):
    """The crash test's checksum is only worth something if it sees a one-cell change."""
    before = _snapshot(sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO brands (name) VALUES ('Probe')"))
    first = _snapshot(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE brands SET name = 'Probf' WHERE name = 'Probe'"))
    engine.dispose()
    second = _snapshot(sqlite_url)
    assert before != first != second
    assert first["brands"][0] == second["brands"][0] == 1

