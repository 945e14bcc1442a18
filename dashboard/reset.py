"""Reset: say what would be deleted (database, uploaded files, cached results), then delete it."""
import os
import shutil
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import inspect, make_url, text

# Written by Alembic next to the dashboard's own tables; it goes with them.
ALEMBIC_VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Deletion:
    """One thing a reset deletes: what it is, in plain words, and how to delete it."""

    what: str
    delete: Callable[[], None]


def planned_deletions(app):
    """What a reset of this app would delete, only what exists, in the order it is deleted."""
    deletions = []
    database = _database_deletion(app)
    if database:
        deletions.append(database)
    folders = (("uploaded files", os.path.join(app.instance_path, "uploads")),
               ("cached results", app.config["CACHE_DIR"]),
               ("background job files", os.path.join(app.instance_path, "background")))
    for label, folder in folders:
        if folder and os.path.isdir(folder):
            deletions.append(Deletion(f"{label}: the folder {folder}",
                                      lambda folder=folder: shutil.rmtree(folder)))
    if app.config.get("CACHE_REDIS_URL"):
        redis_url = _without_password(app.config["CACHE_REDIS_URL"])
        prefix = app.config["CACHE_KEY_PREFIX"]
        deletions.append(Deletion(
            f"cached results: the keys starting with {prefix!r} in Redis at {redis_url}",
            lambda: _clear_cache(app)))
    return deletions


def _database_deletion(app):
    engine = app.extensions["database_engine"]
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        path = url.database
        if not path or path == ":memory:" or not os.path.exists(path):
            return None
        # The sign-in sessions file goes too: its rows name user ids that a new database
        # would give to other people.
        stem = os.path.splitext(path)[0]
        files = [base + suffix for base in (path, f"{stem}.sessions.sqlite3")
                 for suffix in ("", "-wal", "-shm", "-journal")]

        def delete_file():
            # Pooled connections keep the file open; close them before it goes.
            engine.dispose()
            for name in files:
                if os.path.exists(name):
                    os.remove(name)

        return Deletion(f"the database: the file {path}", delete_file)

    from models import Base

    ours = set(Base.metadata.tables) | {ALEMBIC_VERSION_TABLE}
    tables = sorted(ours & set(inspect(engine).get_table_names()))
    if not tables:
        return None

    def drop_tables():
        Base.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {ALEMBIC_VERSION_TABLE}"))
        engine.dispose()

    where = url.render_as_string(hide_password=True)
    return Deletion(f"the database: the dashboard's {len(tables)} tables in {where} "
                    "(other tables there are left alone)", drop_tables)


def _without_password(url):
    """A URL to show to a person: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # Redis URLs SQLAlchemy cannot parse are shown without credentials
        return url.split("@")[-1]


def _clear_cache(app):
    from dashboard.extensions import cache

    with app.app_context():
        cache.clear()
