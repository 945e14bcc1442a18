"""The app factory, configuration, health check and the global WSGI app."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import create_app
from tests.helpers import ROOT


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_broken_database(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": "sqlite:////nonexistent-dir/x/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_production_refuses_default_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DASHBOARD_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert app.config["DATABASE_URL"].startswith("sqlite:///")


def test_wsgi_application_serves_dash_layout_once_logged_in(monkeypatch, tmp_path, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    import importlib

    import wsgi

    importlib.reload(wsgi)
    application = wsgi.application
    application.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    from tests.helpers import AuthActions, create_users

    create_users(application)
    client = application.test_client()
    assert client.get("/_dash-layout").status_code == 401
    AuthActions(client).login("analyst")
    response = client.get("/_dash-layout")
    assert response.status_code == 200
    assert "app-page" in response.get_data(as_text=True)


def test_the_callers_exported_settings_do_not_reach_the_tests(tmp_path):
    # Run two of the tests above as a user would, with their own settings exported.
    exported = dict(os.environ, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
                    REDIS_URL="redis://127.0.0.1:1/0", DASHBOARD_ENV="production",
                    SECRET_KEY="their-secret", LOG_FORMAT="xml", MAX_UPLOAD_MB="1")
    exported.pop("TEST_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_factory.py::test_environment_overrides_defaults",
         "tests/test_factory.py::test_healthz_reports_database"],
        cwd=ROOT, env=exported, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 passed" in result.stdout


def test_every_default_setting_is_read_by_the_app_or_a_library_it_uses():
    import flask
    import flask_caching
    import flask_login
    import flask_wtf

    from dashboard.config import Defaults

    def sources(folder):
        return [path.read_text(encoding="utf-8") for path in Path(folder).rglob("*.py")]

    ours = [text for folder in ("dashboard", "callbacks", "layouts", "models")
            for text in sources(ROOT / folder)]
    libraries = [text for module in (flask, flask_caching, flask_login, flask_wtf)
                 for text in sources(Path(module.__file__).parent)]

    def read_in(texts, name):
        # A line that names the setting without defining it (`NAME = ...`, `"NAME": cast`).
        definition = re.compile(rf'^\s*("{name}":|{name} =)')
        return any(name in line and not definition.match(line)
                   for text in texts for line in text.splitlines())

    unread = [name for name in vars(Defaults) if name.isupper()
              and not read_in(ours, name) and not read_in(libraries, name)]
    assert unread == []
