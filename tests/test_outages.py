"""Outages degrade instead of breaking: Redis down, database down."""
import logging

import pytest

from dashboard.web import login as dashboard_login
from dashboard import create_app
from dashboard.config import FILE_CACHE_TYPE
from layouts import components
from tests.helpers import (PASSWORDS, body_of, create_users, expected_rows, find, import_tiny,
                           text_of, update_view)

# Nothing listens on port 1.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def app_on(database_url, tmp_path, **overrides):
    """An app configured as a deployment is: REDIS_URL decides the cache and the limiter."""
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
              "INSTANCE_PATH": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False}
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def redis_down_app(sqlite_url, tmp_path):
    app = app_on(sqlite_url, tmp_path, REDIS_URL=DEAD_REDIS)
    create_users(app)
    import_tiny(app)
    yield app
    app.extensions["database_engine"].dispose()


def sign_in(client, username="analyst", password=None):
    return client.post("/login", data={"username": username,
                                       "password": password or PASSWORDS[username]})


def test_redis_down_sign_in_views_and_exports_keep_working(redis_down_app, caplog):
    client = redis_down_app.test_client()
    caplog.set_level(logging.WARNING)
    response = sign_in(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    for _ in range(3):
        body = body_of(update_view(client, "overview"), "overview")
        assert text_of(find(body, "overview-kpi-revenue")) == components.money(
            float(expected_rows("overall.csv")[0]["revenue"]))
    export = client.get("/export/roi/by_platform.csv")
    assert export.status_code == 200 and b"Instagram" in export.data
    # One warning for the whole outage, not one per request.
    cache_warnings = [r for r in caplog.records
                      if r.name == "dashboard.extensions" and "not answering" in r.message]
    assert len(cache_warnings) == 1


def test_redis_down_readyz_reports_the_cache_and_limits_as_degraded(redis_down_app):
    response = redis_down_app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok" and body["schema"] == "ok"
    assert body["cache"].startswith("degraded: Redis is not answering")
    assert body["rate_limits"].startswith("degraded")


def test_redis_down_sign_in_limits_still_count_in_the_process(redis_down_app):
    client = redis_down_app.test_client()
    statuses = [sign_in(client, "analyst", "wrong-password").status_code
                for _ in range(dashboard_login.LOGIN_FAILURES_PER_USERNAME + 1)]
    assert statuses[:-1] == [200] * dashboard_login.LOGIN_FAILURES_PER_USERNAME
    assert statuses[-1] == 429


# --- database down ------------------------------------------------------------------------

def dead_database_url(kind, tmp_path):
    if kind == "postgres":
        return "postgresql+psycopg://postgres@127.0.0.1:1/x"
    return f"sqlite:///{tmp_path / 'missing' / 'folder' / 'dashboard.sqlite3'}"


@pytest.fixture(params=["postgres", "sqlite"])
def database_goes_down(request, sqlite_url, tmp_path):
    """A signed-in analyst's client, then the database stops answering."""
    from dashboard.extensions import make_engine

    app = app_on(sqlite_url, tmp_path, RATELIMIT_STORAGE_URI="memory://",
                 CACHE_TYPE=FILE_CACHE_TYPE, CACHE_DIR=str(tmp_path / "cache"))
    create_users(app)
    import_tiny(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    app.extensions["database_engine"].dispose()
    app.extensions["database_engine"] = make_engine(
        dead_database_url(request.param, tmp_path), app.config)
    yield app, client
    app.extensions["database_engine"].dispose()


def assert_plain_database_page(response):
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "The database is not answering; try again in a minute." in text
    assert "Traceback" not in text and "OperationalError" not in text


def test_database_down_pages_and_exports_get_a_plain_503(database_goes_down):
    _app, client = database_goes_down
    assert_plain_database_page(client.get("/overview"))
    assert_plain_database_page(client.get("/export/roi/by_platform.csv"))


def test_database_down_callbacks_get_a_503_the_front_end_can_show(database_goes_down):
    _app, client = database_goes_down
    response = update_view(client, "overview")
    assert response.status_code == 503
    assert response.get_json() == {
        "error": "The database is not answering; try again in a minute."}


@pytest.mark.parametrize("kind", ["postgres", "sqlite"])
def test_database_down_from_the_start_sign_in_says_so(kind, tmp_path):
    app = app_on(dead_database_url(kind, tmp_path), tmp_path,
                 RATELIMIT_STORAGE_URI="memory://", CACHE_TYPE=FILE_CACHE_TYPE,
                 CACHE_DIR=str(tmp_path / "cache"))
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert_plain_database_page(sign_in(client))
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"].startswith("not answering")


def test_a_database_without_the_schema_is_not_called_an_outage(tmp_path):
    # An empty SQLite file answers; "no such table" means init-db was not run.
    from sqlalchemy.exc import OperationalError

    app = app_on(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path,
                 RATELIMIT_STORAGE_URI="memory://", CACHE_TYPE=FILE_CACHE_TYPE,
                 CACHE_DIR=str(tmp_path / "cache"))
    with pytest.raises(OperationalError, match="no such table"):
        sign_in(app.test_client())
