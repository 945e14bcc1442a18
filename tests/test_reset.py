"""`dashboard reset-data`: names what it deletes, asks first, deletes only with a yes."""
import os

import pytest
import redis
from sqlalchemy import inspect

from dashboard import reset, schema
from dashboard.extensions import cache
from tests.helpers import TEST_REDIS_URL, import_tiny, make_test_app


def _uploads(app):
    return os.path.join(app.instance_path, "uploads")


def test_reset_refuses_without_confirmation_and_deletes_nothing(sqlite_app):
    import_tiny(sqlite_app)
    database = sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    runner = sqlite_app.test_cli_runner()
    for answer in ("n\n", "\n", ""):
        result = runner.invoke(args=["reset-data"], input=answer)
        assert result.exit_code == 1, result.output
        assert f"the database: the file {database}" in result.output
        assert f"uploaded files: the folder {_uploads(sqlite_app)}" in result.output
        assert "Delete all of this? [y/N]" in result.output
        assert "Deleted." not in result.output
    assert os.path.exists(database)
    assert os.listdir(_uploads(sqlite_app))


def test_reset_with_yes_deletes_database_uploads_and_cache(sqlite_app):
    import_tiny(sqlite_app)
    database = sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    cache_dir = sqlite_app.config["CACHE_DIR"]
    os.makedirs(cache_dir, exist_ok=True)
    result = sqlite_app.test_cli_runner().invoke(args=["reset-data", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"cached results: the folder {cache_dir}" in result.output
    assert not os.path.exists(database)
    assert not os.path.exists(_uploads(sqlite_app)) and not os.path.exists(cache_dir)
    # The instance folder itself stays: it is where the next database goes.
    assert os.path.isdir(sqlite_app.instance_path)
    again = sqlite_app.test_cli_runner().invoke(args=["reset-data", "--yes"])
    assert again.exit_code == 0 and "Nothing to delete" in again.output


def test_reset_deletes_the_sign_in_sessions_with_the_database(sqlite_app):
    # A new database numbers its users from 1 again: a session left behind would sign a
    # stranger in as whoever gets that number.
    from tests.helpers import AuthActions, create_users

    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("analyst")
    database = sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    sessions_file = os.path.splitext(database)[0] + ".sessions.sqlite3"
    assert os.path.exists(sessions_file)
    result = sqlite_app.test_cli_runner().invoke(args=["reset-data", "--yes"])
    assert result.exit_code == 0, result.output
    assert not os.path.exists(sessions_file)


def test_reset_after_a_typed_yes_deletes(sqlite_app):
    import_tiny(sqlite_app)
    result = sqlite_app.test_cli_runner().invoke(args=["reset-data"], input="y\n")
    assert result.exit_code == 0, result.output
    assert not os.path.exists(_uploads(sqlite_app))


@pytest.mark.postgres
def test_reset_drops_only_the_dashboard_tables_on_a_server_database(postgres_url, tmp_path):
    app = make_test_app(postgres_url, tmp_path)
    engine = app.extensions["database_engine"]
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS someone_elses (id integer)")
    try:
        result = app.test_cli_runner().invoke(args=["reset-data", "--yes"])
        assert result.exit_code == 0, result.output
        assert "tables in postgresql+psycopg://" in result.output
        assert "(other tables there are left alone)" in result.output
        assert inspect(engine).get_table_names() == ["someone_elses"]
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS someone_elses")
        engine.dispose()
        # Later tests in this session expect the schema in place.
        schema.upgrade(postgres_url)


@pytest.mark.redis
def test_reset_clears_only_the_dashboards_keys_in_redis(sqlite_url, tmp_path):
    if not TEST_REDIS_URL:
        pytest.skip("Redis tests skipped: TEST_REDIS_URL is not set")
    # The cache class REDIS_URL picks, as shipped.
    app = make_test_app(sqlite_url, tmp_path, CACHE_TYPE="dashboard.extensions.FallbackRedisCache",
                        CACHE_REDIS_URL=TEST_REDIS_URL)
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.set("not-ours", "kept")
    try:
        with app.app_context():
            cache.set("reset-probe", 1)
            assert cache.get("reset-probe") == 1
        result = app.test_cli_runner().invoke(args=["reset-data", "--yes"])
        assert result.exit_code == 0, result.output
        assert "the keys starting with 'roi:' in Redis at redis://" in result.output
        with app.app_context():
            assert cache.get("reset-probe") is None
        assert client.get("not-ours") == b"kept"
    finally:
        client.delete("not-ours")


def test_planned_deletions_hide_passwords(sqlite_app):
    assert reset._without_password("redis://:hunter2@cache.example:6379/0") == (
        "redis://:***@cache.example:6379/0")
