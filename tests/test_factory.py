"""The app factory, configuration, health check and the global WSGI app."""
import pytest

from dashboard import create_app


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
    from tests.conftest import AuthActions, create_users

    create_users(application)
    client = application.test_client()
    assert client.get("/_dash-layout").status_code == 401
    AuthActions(client).login("analyst")
    response = client.get("/_dash-layout")
    assert response.status_code == 200
    assert "app-page" in response.get_data(as_text=True)
