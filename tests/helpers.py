"""What several test modules share: the test app, its users, the tiny data, Dash requests."""
import csv
import io
import os
import socket
import sqlite3
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, make_url, select, text

from dashboard import create_app
from dashboard.config import FILE_CACHE_TYPE
from layouts import components
from models import AuditEvent, Base

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"


def _for_this_worker(url, kind):
    """The Postgres database or Redis db of this pytest-xdist worker (`make test` runs two):
    the first worker keeps the one named, each other one gets its own beside it, so two
    workers never truncate or flush each other's data."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    if not url or number == 0:
        return url
    if kind == "redis":
        base, _, index = url.rpartition("/")
        return f"{base}/{(int(index or 0) - number) % 16}" if index.isdigit() else url
    rendered = make_url(url)
    return rendered.set(database=f"{rendered.database}_gw{number}").render_as_string(
        hide_password=False)


NAMED_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_DATABASE_URL = _for_this_worker(NAMED_DATABASE_URL, "postgres")
TEST_REDIS_URL = _for_this_worker(os.environ.get("TEST_REDIS_URL"), "redis")
# Subprocesses a test starts (the CLI, gunicorn, Celery) read the same ones.
for _name, _url in (("TEST_DATABASE_URL", TEST_DATABASE_URL), ("TEST_REDIS_URL", TEST_REDIS_URL)):
    if _url:
        os.environ[_name] = _url

PASSWORDS = {"admin": "admin-pass-123", "manager": "manager-pass-123",
             "analyst": "analyst-pass-123"}
# The filter bar's values for "everything": dates picked by hand (none), the slider at 20%.
NO_FILTERS = {"start": None, "end": None, "brands": [], "platforms": [], "categories": [],
              "tiers": [], "baseline": 20, "period": "custom", "compare": "previous",
              "freq": "auto"}


# ---- the app, its database and its users -----------------------------------------------------

def make_test_app(database_url, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "CACHE_TYPE": FILE_CACHE_TYPE,
        "CACHE_DIR": str(tmp_path / "cache"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        # No process may outlive a test: `dashboard import` warms up before it returns.
        "WARM_AFTER_IMPORT": "wait",
    }
    config.update(overrides)
    return create_app(config)


def create_worker_database():
    """This worker's Postgres database, made beside the named one when it is not there."""
    if TEST_DATABASE_URL == NAMED_DATABASE_URL:
        return
    engine = create_engine(NAMED_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = make_url(TEST_DATABASE_URL).database
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def truncate_postgres(url):
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


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


def import_tiny(app):
    """Load tests/fixtures/tiny through the real import pipeline."""
    from dashboard import importing

    with app.app_context():
        result = importing.import_paths([str(TINY)], limits=importing.ImportLimits.from_app(app),
                                        username="test")
    assert not result.errors, [str(e) for e in result.errors]
    return result


def expected_rows(name):
    with open(TINY / "expected" / name, newline="") as handle:
        return list(csv.DictReader(handle))


def audit_events(app, action):
    from dashboard.extensions import db

    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).all()


class WriteLockHolder:
    """Another import's transaction: holds the write lock (and a new campaign) until released."""

    def __init__(self, database_url):
        from dashboard.importing import pipeline

        if database_url.startswith("sqlite"):
            self.connection = sqlite3.connect(database_url.removeprefix("sqlite:///"),
                                              isolation_level=None, check_same_thread=False)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.connection = psycopg.connect(database_url.replace("+psycopg", ""))
            self.connection.execute(f"SELECT pg_advisory_xact_lock({pipeline.IMPORT_LOCK_KEY})")
        self.connection.execute("INSERT INTO campaigns (name) VALUES ('MB_Jan')")

    def commit(self):
        self.connection.commit()
        self.connection.close()

    def rollback(self):
        self.connection.rollback()
        self.connection.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---- requests as the browser sends them -----------------------------------------------------

def route(client, pathname, search=""):
    """The router callback, as the browser calls it; returns the response JSON."""
    body = {"output": "..app-page.children...app-navbar.children..",
            "outputs": [{"id": "app-page", "property": "children"},
                        {"id": "app-navbar", "property": "children"}],
            "inputs": [{"id": "app-url", "property": "pathname", "value": pathname},
                       {"id": "app-url", "property": "search", "value": search}],
            "changedPropIds": ["app-url.pathname"]}
    return client.post("/_dash-update-component", json=body)


def update_view(client, view, filters=None, inputs=(), state=()):
    """A view's main callback (body + URL) with the given filter values."""
    values = dict(NO_FILTERS, **(filters or {}))
    filter_inputs = [{"id": component_id, "property": prop, "value": values[name]}
                     for (component_id, prop), (name, _) in zip(
                         components.filter_ids(view), components.FILTER_CONTROLS)]
    body = {"output": f"..{view}-body.children...{view}-url.search..",
            "outputs": [{"id": f"{view}-body", "property": "children"},
                        {"id": f"{view}-url", "property": "search"}],
            "inputs": list(inputs) + filter_inputs, "state": list(state),
            "changedPropIds": []}
    return client.post("/_dash-update-component", json=body)


def output_ids(callback):
    outputs = callback["output"]
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [output.component_id for output in outputs]


def callback_body(dash_app, key, values=None, changed=None):
    """The JSON the Dash renderer would POST to run the callback registered under `key`,
    with input and state values from `values` ({"id.property": value})."""
    callback = dash_app.callback_map[key]
    values = values or {}
    outputs = callback["output"]
    multi = isinstance(outputs, (list, tuple))
    described = [{"id": concrete_id(output.component_id),
                  "property": output.component_property}
                 for output in (outputs if multi else [outputs])]

    def with_values(dependencies):
        return [dict(dependency, id=concrete_id(dependency["id"]), value=values.get(
            f"{dependency['id']}.{dependency['property']}")) for dependency in dependencies]

    inputs = with_values(callback["inputs"])
    return {"output": key, "outputs": described if multi else described[0],
            "inputs": inputs, "state": with_values(callback["state"]),
            "changedPropIds": changed or [f"{inputs[0]['id']}.{inputs[0]['property']}"]}


def concrete_id(component_id):
    """A pattern-matching id (MATCH, ALL...) as the renderer sends it: one concrete value."""
    if isinstance(component_id, dict):
        return {key: value if isinstance(value, (str, int, float, bool)) else "any"
                for key, value in component_id.items()}
    return component_id


def callback_key(dash_app, component_id, prop):
    """The callback_map key of the callback that writes `component_id.prop`."""
    for key, callback in dash_app.callback_map.items():
        outputs = callback["output"]
        for output in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
            if output.component_id == component_id and output.component_property.split(
                    "@")[0] == prop and not output.allow_duplicate:
                return key
    raise KeyError(f"no callback writes {component_id}.{prop}")


def run_callback(client, dash_app, component_id, prop, values=None, changed=None,
                 headers=None):
    key = callback_key(dash_app, component_id, prop)
    return client.post("/_dash-update-component?endId=1", headers=headers,
                       json=callback_body(dash_app, key, values, changed))


def router_body(app):
    """The router callback's request for /overview, as the renderer builds it."""
    dash_app = app.extensions["dash_app"]
    return callback_body(dash_app, callback_key(dash_app, "app-page", "children"),
                         {"app-url.pathname": "/overview", "app-url.search": ""})


def upload(client, *files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/data/upload", data=data, content_type="multipart/form-data")


# ---- reading Dash's JSON answers ------------------------------------------------------------

def find(tree, component_id):
    """The component with `component_id` in a Dash JSON tree, or None."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return tree
        for value in tree.values():
            found = find(value, component_id)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for item in tree:
            found = find(item, component_id)
            if found is not None:
                return found
    return None


def ids_in(tree):
    found = set()
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            found.add(props["id"])
        for value in tree.values():
            found |= ids_in(value)
    elif isinstance(tree, list):
        for item in tree:
            found |= ids_in(item)
    return found


def body_of(response, view):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"][f"{view}-body"]["children"]


def text_of(component):
    return component["props"]["children"]


class CollectingHandler:
    """An aiosmtpd handler that keeps every message it accepts, as parsed EmailMessages."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"


def start_smtp_server(**controller_options):
    """A real SMTP server in this process on a free port; returns (controller, handler)."""
    from aiosmtpd.controller import Controller

    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            **controller_options)
    controller.start()
    return controller, handler
