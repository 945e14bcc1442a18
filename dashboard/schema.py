"""Create or upgrade the database schema with Alembic (batch mode on SQLite)."""
import os

from alembic import command
from alembic.config import Config
from flask import current_app
from sqlalchemy import create_engine, text

MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def alembic_config(url=None):
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("sqlalchemy.url",
                           (url or current_app.config["DATABASE_URL"]).replace("%", "%%"))
    return config


def upgrade(url=None, revision="head"):
    command.upgrade(alembic_config(url), revision)


def ensure_database_identity():
    """Give the database its random id if it has data but no id (a row written by hand or
    by an older version); a database with no import yet gets one with its first import."""
    from dashboard.extensions import db
    from models import DataState
    from models.imports import new_database_id

    with db.engine.begin() as connection:
        connection.execute(DataState.__table__.update()
                           .where(DataState.database_id.is_(None))
                           .values(database_id=new_database_id()))


def recreate_postgres(url):
    """Drop everything in schema public of a scratch Postgres database, then migrate.

    For tests and benchmarks only: it destroys the data in that database.
    """
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
