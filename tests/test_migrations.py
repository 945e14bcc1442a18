"""Migration 0004 renames the integer link to influencers.id; a database from 0003 keeps its data."""
import csv
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text

from dashboard import analytics, create_app, importing, schema
from dashboard.config import FILE_CACHE_TYPE
from models import Base

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
LINKED_TABLES = ("posts", "orders", "payouts", "daily_facts")


def _app(url, folder):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                       "INSTANCE_PATH": str(folder / "instance"), "CACHE_TYPE": FILE_CACHE_TYPE,
                       "CACHE_DIR": str(folder / "cache"), "RATELIMIT_STORAGE_URI": "memory://"})


def _import_tiny(app):
    with app.app_context():
        result = importing.import_paths([str(TINY)], limits=importing.ImportLimits.from_app(app),
                                        username="test")
    assert not result.errors, [str(e) for e in result.errors]
    return result


def _metrics(app):
    with app.app_context():
        return {by: analytics.metrics(analytics.Selection(), by, scope=None, use_cache=False)
                for by in analytics.DIMENSIONS}


def _rows(engine):
    """Every table's rows in id order (key columns first when there is no id)."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {name: [dict(row._mapping) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for name, table in tables.tables.items() if name != "alembic_version"}


def _empty_database_at(url, revision):
    engine = create_engine(url)
    with engine.begin() as connection:
        if url.startswith("postgresql"):
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            tables = MetaData()
            tables.reflect(connection)
            tables.drop_all(connection)
    engine.dispose()
    command.upgrade(schema.alembic_config(url), revision)


def _write_as_0003(url, rows):
    """The rows as release 0003 stored them: the link column was called influencer_id."""
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        for table in tables.sorted_tables:
            if table.name == "alembic_version" or not rows[table.name]:
                continue
            old = [{("influencer_id" if column == "influencer_pk" else column): value
                    for column, value in row.items()} for row in rows[table.name]]
            connection.execute(insert(table), old)
            if url.startswith("postgresql") and "id" in table.c and \
                    table.c.id.autoincrement is not False:
                # Rows written with their ids leave the sequence behind: catch it up, as the
                # real imports that wrote them would have.
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"))
    engine.dispose()


def _columns(url, table):
    engine = create_engine(url)
    names = [column["name"] for column in inspect(engine).get_columns(table)]
    engine.dispose()
    return names


def test_upgrade_from_0003_keeps_the_data_and_the_metrics(database_url, tmp_path):
    before_app = _app(database_url, tmp_path / "before")
    _import_tiny(before_app)
    before_metrics = _metrics(before_app)
    before_app.extensions["database_engine"].dispose()
    engine = create_engine(database_url)
    before_rows = _rows(engine)
    engine.dispose()
    assert all(before_rows[name] for name in LINKED_TABLES)

    try:
        _empty_database_at(database_url, "0003")
        assert "influencer_id" in _columns(database_url, "daily_facts")
        _write_as_0003(database_url, before_rows)
        schema.upgrade(database_url)

        engine = create_engine(database_url)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert _rows(engine) == before_rows
        engine.dispose()

        after_app = _app(database_url, tmp_path / "after")
        after = _metrics(after_app)
        for by, frame in before_metrics.items():
            assert frame.equals(after[by]), by
        with open(TINY / "expected" / "influencer.csv", newline="") as handle:
            expected = {row["influencer_id"]: float(row["revenue"])
                        for row in csv.DictReader(handle)}
        assert dict(zip(after["influencer"]["influencer_id"],
                        after["influencer"]["revenue"].astype(float))) == expected
        # The import code writes through the new names: the same files again change nothing.
        again = _import_tiny(after_app)
        assert all(report.new == report.updated == 0 for report in again.files)
        after_app.extensions["database_engine"].dispose()
    finally:
        if database_url.startswith("postgresql"):
            schema.recreate_postgres(database_url)


def test_downgrade_to_0003_gives_the_link_column_its_old_name(database_url, tmp_path):
    app = _app(database_url, tmp_path)
    _import_tiny(app)
    app.extensions["database_engine"].dispose()
    engine = create_engine(database_url)
    rows = _rows(engine)
    engine.dispose()
    try:
        command.downgrade(schema.alembic_config(database_url), "0003")
        engine = create_engine(database_url)
        old = _rows(engine)
        engine.dispose()
        for name in LINKED_TABLES:
            assert old[name] == [
                {("influencer_id" if column == "influencer_pk" else column): value
                 for column, value in row.items()} for row in rows[name]], name
    finally:
        schema.upgrade(database_url)
