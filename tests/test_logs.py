"""Structured logs: one JSON line per request with its request id, user, status and timing."""
import io
import json
import logging
import sys

import pytest

from dashboard import logs
from tests.conftest import AuthActions, create_users


@pytest.fixture
def log_lines(sqlite_app):
    """The JSON lines the app writes, captured from the real handler."""
    stream = io.StringIO()
    logs.configure(level="INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logs.configure(level="INFO", stream=sys.stderr)


def _request_lines(lines):
    return [line for line in lines if line["logger"] == logs.REQUEST_LOGGER]


def test_each_request_is_one_json_line_with_a_new_request_id(sqlite_app, log_lines):
    response = sqlite_app.test_client().get("/healthz")
    [line] = _request_lines(log_lines())
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["method"] == "GET" and line["path"] == "/healthz"
    assert line["status"] == 200 and line["user"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["ts"].endswith("+00:00")


def test_the_proxy_request_id_is_kept_and_echoed(sqlite_app, log_lines):
    response = sqlite_app.test_client().get("/healthz", headers={"X-Request-ID": "nginx-42.a"})
    assert response.headers["X-Request-ID"] == "nginx-42.a"
    assert _request_lines(log_lines())[0]["request_id"] == "nginx-42.a"


def test_a_request_id_that_could_forge_log_lines_is_replaced(sqlite_app, log_lines):
    forged = 'x" "user": "admin'
    response = sqlite_app.test_client().get("/healthz", headers={"X-Request-ID": forged})
    assert response.headers["X-Request-ID"] != forged
    assert _request_lines(log_lines())[0]["request_id"] == response.headers["X-Request-ID"]


def test_signed_in_user_and_refusals_are_logged(sqlite_app, log_lines):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    assert client.get("/_dash-layout").status_code == 401
    AuthActions(client).login("analyst")
    assert client.get("/_dash-layout").status_code == 200
    layout_lines = [line for line in _request_lines(log_lines())
                    if line["path"] == "/_dash-layout"]
    assert [(line["user"], line["status"]) for line in layout_lines] == [
        (None, 401), ("analyst", 200)]


def test_dash_callback_lines_name_the_callback(sqlite_app, log_lines):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("analyst")
    client.post("/_dash-update-component", json={
        "output": "..app-page.children...app-navbar.children..",
        "outputs": [{"id": "app-page", "property": "children"},
                    {"id": "app-navbar", "property": "children"}],
        "inputs": [{"id": "app-url", "property": "pathname", "value": "/nowhere"},
                   {"id": "app-url", "property": "search", "value": ""}],
        "changedPropIds": ["app-url.pathname"], "state": []})
    [line] = [line for line in _request_lines(log_lines())
              if line["path"] == "/_dash-update-component"]
    assert line["callback"] == "..app-page.children...app-navbar.children.."
    assert line["user"] == "analyst"


def test_other_records_during_a_request_carry_its_request_id(sqlite_app, log_lines):
    @sqlite_app.get("/log-probe")
    def log_probe():
        logging.getLogger("dashboard.probe").warning("probe", extra={"rows": 3})
        return "ok"

    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("analyst")
    response = client.get("/log-probe", headers={"X-Request-ID": "probe-1"})
    [probe] = [line for line in log_lines() if line["logger"] == "dashboard.probe"]
    assert probe == {**probe, "request_id": "probe-1", "rows": 3, "level": "WARNING",
                     "message": "probe"}
    assert response.headers["X-Request-ID"] == "probe-1"


def test_text_format_for_a_terminal():
    stream = io.StringIO()
    try:
        logs.configure(level="INFO", log_format="text", stream=stream)
        logging.getLogger("dashboard.probe").info("plain words")
    finally:
        logs.configure(level="INFO", stream=sys.stderr)
    assert stream.getvalue().rstrip().endswith("INFO dashboard.probe plain words")
