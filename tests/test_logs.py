"""Logs: text in a terminal, JSON elsewhere, and one line per request when asked for."""
import io
import json
import logging
import sys
import threading
import urllib.request

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from dashboard.web import logs
from tests.helpers import AuthActions, create_users, make_test_app


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


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr does in a developer's shell."""

    def isatty(self):
        return True


@pytest.mark.parametrize("stream_class, log_format, expected", [
    (Terminal, None, "text"),
    (io.StringIO, None, "json"),
    (Terminal, "json", "json"),
    (io.StringIO, "text", "text"),
])
def test_plain_text_in_a_terminal_json_elsewhere_unless_asked(stream_class, log_format,
                                                              expected):
    stream = stream_class()
    try:
        logs.configure(level="INFO", log_format=log_format, stream=stream)
        logging.getLogger("dashboard.probe").info("plain words")
    finally:
        logs.configure(level="INFO", stream=sys.stderr)
    line = stream.getvalue().rstrip()
    if expected == "text":
        assert line.endswith(" INFO dashboard.probe plain words")
        assert not line.startswith("{")
    else:
        assert json.loads(line)["message"] == "plain words"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_colour_codes_in_either_format(log_format):
    stream = Terminal()
    try:
        logs.configure(level="INFO", log_format=log_format, stream=stream)
        # werkzeug colours a 404 line yellow like this.
        logging.getLogger("werkzeug").info('"\x1b[33mGET /nowhere HTTP/1.1\x1b[0m" 404 -')
    finally:
        logs.configure(level="INFO", stream=sys.stderr)
    output = stream.getvalue()
    assert "\x1b" not in output and "\\u001b" not in output
    assert '"GET /nowhere HTTP/1.1" 404 -' in (
        output if log_format == "text" else json.loads(output)["message"])


def test_log_format_comes_from_the_environment(tmp_path, monkeypatch, sqlite_url):
    monkeypatch.setenv("LOG_FORMAT", "Text")
    stream = io.StringIO()  # not a terminal: JSON unless LOG_FORMAT says otherwise
    try:
        logs.configure(level="INFO", stream=stream)
        app = make_test_app(sqlite_url, tmp_path)
        assert app.config["LOG_FORMAT"] == "text"
        logging.getLogger("dashboard.probe").info("plain words")
        assert stream.getvalue().rstrip().endswith(" INFO dashboard.probe plain words")
        monkeypatch.setenv("LOG_FORMAT", "yaml")
        with pytest.raises(RuntimeError, match="set it to json or text"):
            make_test_app(sqlite_url, tmp_path)
    finally:
        logs.configure(level="INFO", stream=sys.stderr)


def test_production_logs_every_request_at_info(tmp_path, sqlite_url, log_lines):
    app = make_test_app(sqlite_url, tmp_path, DASHBOARD_ENV="production")
    response = app.test_client().get("/healthz")
    [line] = _request_lines(log_lines())
    assert line["level"] == "INFO" and line["path"] == "/healthz"
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_log_requests_off_logs_no_request_but_keeps_the_id(tmp_path, sqlite_url, log_lines,
                                                          monkeypatch):
    monkeypatch.setenv("LOG_REQUESTS", "0")
    app = make_test_app(sqlite_url, tmp_path)
    response = app.test_client().get("/healthz")
    assert _request_lines(log_lines()) == []
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.fixture
def served(monkeypatch):
    """What `dashboard run` hands to the development server, instead of serving."""
    calls = []
    monkeypatch.setattr("werkzeug.serving.run_simple",
                        lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.mark.parametrize("arguments, environment, logged", [
    ([], None, False),
    (["--log-requests"], None, True),
    ([], "1", True),
    ([], "0", False),
])
def test_dashboard_run_logs_requests_only_when_asked(tmp_path, sqlite_url, monkeypatch, served,
                                                     log_lines, arguments, environment,
                                                     logged):
    if environment is not None:
        monkeypatch.setenv("LOG_REQUESTS", environment)
    app = make_test_app(sqlite_url, tmp_path)
    result = app.test_cli_runner().invoke(args=["run", "--port", "8999"] + arguments)
    assert result.exit_code == 0, result.output
    [(_, options)] = served
    assert options["request_handler"] is logs.DevServerRequestHandler
    app.test_client().get("/healthz")
    assert len(_request_lines(log_lines())) == (1 if logged else 0)


def test_dashboard_run_in_production_logs_requests(tmp_path, sqlite_url, served, log_lines):
    app = make_test_app(sqlite_url, tmp_path, DASHBOARD_ENV="production")
    assert app.test_cli_runner().invoke(args=["run"]).exit_code == 0
    app.test_client().get("/healthz")
    assert len(_request_lines(log_lines())) == 1


@pytest.mark.parametrize("handler, lines", [
    (logs.DevServerRequestHandler, 1),
    # werkzeug's stock handler adds its own line: the duplicate the dev server avoids.
    (WSGIRequestHandler, 2),
])
def test_the_development_server_logs_a_request_once(sqlite_app, log_lines, handler, lines):
    sqlite_app.config["LOG_REQUESTS"] = True
    server = make_server("127.0.0.1", 0, sqlite_app, threaded=True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz") as response:
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join()
    about_healthz = [line for line in log_lines() if "/healthz" in line["message"]]
    assert len(about_healthz) == lines, about_healthz


def test_alembic_plugin_listing_stays_out_of_the_log_but_migrations_do_not():
    stream = io.StringIO()
    try:
        logs.configure(level="INFO", log_format="text", stream=stream)
        logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.x")
        logging.getLogger("alembic.runtime.migration").info("Running upgrade  -> 0001")
    finally:
        logs.configure(level="INFO", stream=sys.stderr)
    assert "setup plugin" not in stream.getvalue()
    assert "Running upgrade  -> 0001" in stream.getvalue()


def test_the_log_level_may_be_written_in_lower_case_as_gunicorn_takes_it(tmp_path, sqlite_url,
                                                                         monkeypatch):
    # The same LOG_LEVEL sets gunicorn's level (gunicorn_conf.py), which is lower case.
    monkeypatch.setenv("LOG_LEVEL", "warning")
    try:
        make_test_app(sqlite_url, tmp_path)
        assert logging.getLogger().level == logging.WARNING
    finally:
        logs.configure(level="INFO", stream=sys.stderr)
