"""Fixtures: a fresh app per test on SQLite (and on Postgres when TEST_DATABASE_URL is set)."""
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard import create_app, schema
from models import Base

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")

PASSWORDS = {"admin": "admin-pass-123", "manager": "manager-pass-123",
             "analyst": "analyst-pass-123"}


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
    schema.recreate_postgres(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


def _truncate_postgres(url):
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_test_app(database_url, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(tmp_path / "cache"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
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


def create_users(app):
    """An admin, an analyst (all brands) and a manager of MuscleBlaze only."""
    from dashboard import users

    with app.app_context():
        users.create_user("admin", PASSWORDS["admin"], "admin")
        users.create_user("analyst", PASSWORDS["analyst"], "analyst")
        users.create_user("manager", PASSWORDS["manager"], "manager", ["MuscleBlaze"])


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="admin", password=None):
        password = password or PASSWORDS.get(username, "")
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.get("/logout")


@pytest.fixture
def auth(app, client):
    create_users(app)
    return AuthActions(client)


def import_tiny(app):
    """Load tests/fixtures/tiny through the real import pipeline."""
    from dashboard import importing

    with app.app_context():
        result = importing.import_paths([str(TINY)], limits=importing.ImportLimits.from_app(app),
                                        username="test")
    assert not result.errors, [str(e) for e in result.errors]
    return result
