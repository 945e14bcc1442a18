"""Sign-in sessions live on the server: sign-out, user changes and "Keep me signed in"."""
import time

import pytest
from sqlalchemy import event, select

from dashboard import audit, sessions, users
from dashboard.extensions import db
from dashboard.web.security import CSRF_COOKIE
from models import User, UserSession
from tests.helpers import (PASSWORDS, AuthActions, audit_events, create_users, make_test_app,
                           router_body)

REMEMBER = "remember_token"


@pytest.fixture
def site(app):
    """Both database backends: revocation must hold on each."""
    create_users(app)
    return app


def _sign_in(client, username="analyst", remember=False, **form):
    fields = {"username": username, "password": PASSWORDS[username], **form}
    if remember:
        fields["remember"] = "1"
    response = client.post("/login", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _client_with(app, cookies):
    """A new browser holding only `cookies` ({name: value})."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_a_session_cookie_kept_from_before_sign_out_no_longer_works(site):
    client = site.test_client()
    _sign_in(client)
    captured = client.get_cookie("session").value
    assert client.get("/_dash-layout").status_code == 200
    AuthActions(client).logout()
    replayed = _client_with(site, {"session": captured})
    assert replayed.get("/_dash-layout").status_code == 401


def test_remember_token_is_new_at_every_sign_in(site):
    client = site.test_client()
    _sign_in(client, remember=True)
    first = client.get_cookie(REMEMBER).value
    _sign_in(site.test_client(), remember=True)
    _sign_in(client, remember=True)
    second = client.get_cookie(REMEMBER).value
    assert first != second
    # Signing in again on the same browser replaced its session: the old token is void.
    assert _client_with(site, {REMEMBER: first}).get("/_dash-layout").status_code == 401
    assert _client_with(site, {REMEMBER: second}).get("/_dash-layout").status_code == 200


def test_sign_out_deletes_the_remember_cookie_and_its_session(site):
    client = site.test_client()
    _sign_in(client, remember=True)
    token = client.get_cookie(REMEMBER).value
    AuthActions(client).logout()
    assert client.get_cookie(REMEMBER) is None
    assert _client_with(site, {REMEMBER: token}).get("/_dash-layout").status_code == 401


@pytest.mark.parametrize("change", [
    lambda: users.reset_password("analyst", "a-brand-new-pass", actor="admin"),
    lambda: users.set_role("analyst", "manager", actor="admin"),
    lambda: users.set_brands("analyst", ["MuscleBlaze"], actor="admin"),
    lambda: users.set_active("analyst", False, actor="admin"),
], ids=["password", "role", "brands", "deactivated"])
def test_a_user_change_ends_every_session_and_remember_token(site, change):
    plain, remembered = site.test_client(), site.test_client()
    _sign_in(plain)
    _sign_in(remembered, remember=True)
    token = remembered.get_cookie(REMEMBER).value
    admin = site.test_client()
    _sign_in(admin, "admin")
    with site.app_context():
        change()
    assert plain.get("/_dash-layout").status_code == 401
    assert remembered.get("/_dash-layout").status_code == 401
    assert _client_with(site, {REMEMBER: token}).get("/_dash-layout").status_code == 401
    # Other users stay signed in.
    assert admin.get("/_dash-layout").status_code == 200


def test_a_change_that_changes_nothing_keeps_sessions(site):
    client = site.test_client()
    _sign_in(client)
    with site.app_context():
        users.set_role("analyst", "analyst", actor="admin")
    assert client.get("/_dash-layout").status_code == 200


def test_a_refused_change_keeps_sessions(site):
    client = site.test_client()
    _sign_in(client, "admin")
    with site.app_context(), pytest.raises(users.UserError, match="0 active admins"):
        users.set_role("admin", "analyst", actor="admin")
    assert client.get("/_dash-layout").status_code == 200


def test_keep_me_signed_in_survives_a_browser_restart(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    create_users(app)
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    _sign_in(client, remember=True, csrf_token=token)
    # A browser restart drops the cookies that have no expiry date: the session and the
    # CSRF cookie. Only the remember cookie is left.
    restarted = _client_with(app, {REMEMBER: client.get_cookie(REMEMBER).value})
    assert restarted.get("/overview").status_code == 200
    assert restarted.get("/_dash-layout").status_code == 200
    assert restarted.get("/_dash-dependencies").status_code == 200
    csrf = restarted.get_cookie(CSRF_COOKIE).value
    response = restarted.post("/_dash-update-component?endId=1", json=router_body(app),
                              headers={"X-CSRFToken": csrf})
    assert response.status_code == 200
    assert restarted.get("/_dash-layout").status_code == 200


# ---- SQLite: an import holds the write lock --------------------------------------------------

@pytest.fixture
def import_lock(sqlite_app, sqlite_url):
    """Hold SQLite's write lock as an import does, from another connection; release() ends it."""
    import sqlite3

    # The app's first connection (creating the users) turns on WAL, as before any import.
    create_users(sqlite_app)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO data_state (version) VALUES (999)")
    yield holder
    holder.close()


def test_sign_in_and_pages_do_not_wait_behind_an_import_on_sqlite(sqlite_app, import_lock):
    client = sqlite_app.test_client()
    _sign_in(client, remember=True)
    assert client.get("/overview").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    refused = AuthActions(sqlite_app.test_client()).login("analyst", "wrong-password")
    assert "Wrong username or password." in refused.get_data(as_text=True)
    # Nothing could be written yet: the import has the lock.
    assert audit_events(sqlite_app, "login") == []
    import_lock.rollback()
    # The next write after the import puts the waiting lines down first, in order.
    _sign_in(sqlite_app.test_client(), "manager")
    assert [e.username for e in audit_events(sqlite_app, "login")] == ["analyst", "manager"]
    assert [e.username for e in audit_events(sqlite_app, "login_failed")] == ["analyst"]
    with sqlite_app.app_context():
        assert users.get_user("analyst").last_login_at is not None


def test_sign_out_ends_the_session_while_an_import_runs_on_sqlite(sqlite_app, import_lock):
    client = sqlite_app.test_client()
    _sign_in(client, remember=True)
    token = client.get_cookie(REMEMBER).value
    AuthActions(client).logout()
    assert _client_with(sqlite_app, {REMEMBER: token}).get("/_dash-layout").status_code == 401
    import_lock.rollback()
    with sqlite_app.app_context():
        audit.write_waiting()
    assert [e.username for e in audit_events(sqlite_app, "logout")] == ["analyst"]


def test_waiting_audit_lines_are_written_after_the_import_without_another_request(
        sqlite_app, import_lock):
    _sign_in(sqlite_app.test_client())
    assert audit_events(sqlite_app, "login") == []
    import_lock.rollback()
    # Nobody else signs in: the worker retries on its own. Poll rather than time it.
    for _attempt in range(200):
        if audit_events(sqlite_app, "login"):
            break
        time.sleep(0.05)
    assert [e.username for e in audit_events(sqlite_app, "login")] == ["analyst"]



def test_each_request_finds_its_user_in_one_query_where_sessions_live_with_the_data(site):
    """On Postgres the session row, its user and the user's brands come in one query of
    the request's own database session."""
    if site.extensions.get("session_store") is not None:
        pytest.skip("SQLite keeps sessions in a file of their own")
    _sign_in(site.test_client(), "manager")
    with site.app_context():
        manager = db.session.scalar(select(User).where(User.username == "manager"))
        session_id = db.session.scalar(select(UserSession.id).where(
            UserSession.user_id == manager.id))
        scope = manager.brand_scope
    assert scope
    statements = []

    def count(_connection, _cursor, statement, *_rest):
        statements.append(statement)

    with site.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            user = sessions.user_of(session_id)
            assert user.username == "manager" and len(statements) == 1
            assert user.brand_scope == scope
            assert sessions.user_of(session_id + "x") is None
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
