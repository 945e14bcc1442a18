"""Fixtures: a fresh app per test on SQLite (and on Postgres when TEST_DATABASE_URL is set)."""
import shutil
from datetime import date

import pytest
from sqlalchemy import event

from dashboard import schema
from tests.helpers import (TEST_DATABASE_URL, AuthActions, create_users, create_worker_database,
                           import_tiny, make_test_app, start_smtp_server, truncate_postgres)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs the suite in pytest-xdist workers: the browser tests all in one
    worker, one after another (dash_duo serves on a fixed port, and one Chromium at a time
    keeps their waits within bounds), the other modules each whole in whichever worker is
    free."""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return "browser" if nodeid.startswith("tests/browser/") else nodeid.split("::")[0]

    return BrowserTestsTogether(config, log)


@pytest.fixture(autouse=True)
def _no_settings_from_the_callers_environment(monkeypatch):
    """An exported DATABASE_URL, REDIS_URL, DASHBOARD_ENV... must not change what a test sees."""
    from dashboard.config import ENVIRONMENT_KEYS

    for name in [*ENVIRONMENT_KEYS, "INSTANCE_PATH"]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (migrating once keeps tests fast)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    schema.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    if not TEST_DATABASE_URL:
        pytest.skip("Postgres tests skipped: TEST_DATABASE_URL is not set")
    create_worker_database()
    schema.recreate_postgres(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    path = tmp_path / "test.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    """A fresh app on each database backend."""
    app = make_test_app(database_url, tmp_path)
    yield app
    app.extensions["database_engine"].dispose()


@pytest.fixture
def sqlite_app(sqlite_url, tmp_path):
    """A fresh app on SQLite only, for tests whose subject is not the database."""
    app = make_test_app(sqlite_url, tmp_path)
    yield app
    app.extensions["database_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(app, client):
    create_users(app)
    return AuthActions(client)


@pytest.fixture
def tiny(app, auth):
    """The tiny data set imported into `app`'s database; returns the AuthActions."""
    import_tiny(app)
    return auth


@pytest.fixture
def fixed_today(monkeypatch):
    """Today pinned, so 'a year ahead' is a known day."""
    from dashboard.importing import dates

    monkeypatch.setattr(dates, "today", lambda: date(2026, 12, 1))
    return date(2026, 12, 1)


@pytest.fixture
def app_that_waits_briefly_for_locks(database_url, tmp_path):
    """An app that gives up on a held lock after a fifth of a second, not 30 or 60."""
    app = make_test_app(database_url, tmp_path, DB_STATEMENT_TIMEOUT_MS=200)
    engine = app.extensions["database_engine"]
    if engine.dialect.name == "sqlite":
        engine.dispose()
        # Runs after the engine's own PRAGMAs, so this busy timeout is the one that holds.
        event.listen(engine, "connect", lambda connection, _record: connection.execute(
            "PRAGMA busy_timeout=200"))
    yield app
    engine.dispose()


@pytest.fixture
def smtp_server():
    """A plain SMTP relay in this process; `.handler.messages` holds what it received and
    `.url` is the SMTP_URL that reaches it."""
    controller, handler = start_smtp_server()
    controller.url = f"smtp://127.0.0.1:{controller.port}"
    yield controller
    controller.stop()
