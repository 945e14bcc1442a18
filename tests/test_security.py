"""CSRF, sign-in rate limits, cookie flags, security headers and the production start checks."""
import base64
import hashlib
import re
from datetime import datetime, timezone

import pytest

from dashboard import create_app
from dashboard.config import DEFAULT_SECRET_KEY
from dashboard.extensions import limiter
from dashboard.web import login
from dashboard.web.security import CSRF_COOKIE
from tests.helpers import (PASSWORDS, TEST_REDIS_URL, AuthActions, create_users, make_test_app,
                           router_body)

PRODUCTION = {"DASHBOARD_ENV": "production", "SECRET_KEY": "a-long-random-test-secret-value"}


def _app(sqlite_url, tmp_path, **overrides):
    app = make_test_app(sqlite_url, tmp_path, **overrides)
    create_users(app)
    return app


def _set_cookies(response):
    """{name: full Set-Cookie header} of a response."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _form_token(client):
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# ---- CSRF ------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(sqlite_url, tmp_path):
    return _app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)


def test_login_post_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    response = AuthActions(client).login("analyst")
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_login_with_form_token_then_dash_post_needs_the_cookie_header(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={
        "username": "analyst", "password": PASSWORDS["analyst"],
        "csrf_token": _form_token(client)})
    assert response.status_code == 302
    body = router_body(csrf_app)
    refused = client.post("/_dash-update-component?endId=1", json=body)
    assert refused.status_code == 400
    assert refused.is_json
    token = client.get_cookie(CSRF_COOKIE).value
    accepted = client.post("/_dash-update-component?endId=1", json=body,
                           headers={"X-CSRFToken": token})
    assert accepted.status_code == 200
    forged = client.post("/_dash-update-component?endId=1", json=body,
                         headers={"X-CSRFToken": token[:-4] + "AAAA"})
    assert forged.status_code == 400


def test_anonymous_dash_post_is_401_before_csrf(csrf_app):
    response = csrf_app.test_client().post("/_dash-update-component?endId=1",
                                           json=router_body(csrf_app))
    assert response.status_code == 401


def test_csrf_cookie_is_script_readable_lax_and_gone_after_logout(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    login = AuthActions(client).login("analyst")
    cookie = _set_cookies(login)[CSRF_COOKIE]
    assert "SameSite=Lax" in cookie and "HttpOnly" not in cookie
    # Set once; later responses leave a still-valid cookie alone.
    assert CSRF_COOKIE not in _set_cookies(client.get("/_dash-layout"))
    logout = AuthActions(client).logout()
    assert _set_cookies(logout)[CSRF_COOKIE].startswith(f'{CSRF_COOKIE}=;')
    assert client.get_cookie(CSRF_COOKIE) is None
    # Anonymous responses never carry one.
    assert CSRF_COOKIE not in _set_cookies(client.get("/login"))


# ---- rate limits -----------------------------------------------------------------------------

def _limited_app(sqlite_url, tmp_path, storage):
    app = _app(sqlite_url, tmp_path, RATELIMIT_STORAGE_URI=storage)
    with app.app_context():
        limiter.reset()
    return app


@pytest.fixture(params=["memory", "redis"])
def rate_storage(request):
    if request.param == "memory":
        return "memory://"
    if not TEST_REDIS_URL:
        pytest.skip("Redis rate-limit test skipped: TEST_REDIS_URL is not set")
    return TEST_REDIS_URL


def test_failed_logins_per_username_are_limited(sqlite_url, tmp_path, rate_storage):
    app = _limited_app(sqlite_url, tmp_path, rate_storage)
    client = app.test_client()
    for _attempt in range(login.LOGIN_FAILURES_PER_USERNAME):
        assert AuthActions(client).login("analyst", "wrong-password").status_code == 200
    # Even the right password waits now: the username is being guessed at.
    response = AuthActions(client).login("analyst")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many sign-in attempts" in page and "Wait a minute and try again." in page
    assert f"more than {login.LOGIN_FAILURES_PER_USERNAME} failed a minute" in page
    # Another username from the same address is still served, usernames differing in
    # case only are one username.
    assert AuthActions(client).login("ANALYST ", "wrong").status_code == 429
    assert AuthActions(client).login("manager").status_code == 302


def test_guessing_one_password_is_refused_within_10_tries_from_any_address(
        sqlite_url, tmp_path, rate_storage):
    app = _limited_app(sqlite_url, tmp_path, rate_storage)
    client = app.test_client()
    statuses = [client.post("/login", environ_base={"REMOTE_ADDR": f"10.0.1.{attempt}"},
                            data={"username": "analyst", "password": f"guess-{attempt}"}
                            ).status_code for attempt in range(10)]
    assert 429 in statuses, statuses


def test_spraying_many_usernames_from_one_address_is_refused_within_100_tries(
        sqlite_url, tmp_path, rate_storage):
    app = _limited_app(sqlite_url, tmp_path, rate_storage)
    client = app.test_client()
    refused_at = None
    for attempt in range(100):
        response = AuthActions(client).login(f"employee-{attempt}", "Summer2026!")
        if response.status_code == 429:
            refused_at = attempt
            break
    assert refused_at is not None
    page = response.get_data(as_text=True)
    assert "Too many failed sign-ins from your address" in page
    # Another address is not affected.
    other = client.post("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                        data={"username": "analyst", "password": PASSWORDS["analyst"]})
    assert other.status_code == 302
    # Reading the form is never limited.
    assert client.get("/login").status_code == 200


def test_fifty_colleagues_sign_in_from_one_address_within_a_minute(
        sqlite_url, tmp_path, rate_storage):
    from dashboard import users

    app = _limited_app(sqlite_url, tmp_path, rate_storage)
    colleagues = [f"colleague-{number}" for number in range(50)]
    with app.app_context():
        for username in colleagues:
            users.create_user(username, "office-pass-123", "analyst")
    # A few typos on the way, as in any office: they count, the sign-ins do not.
    for username in colleagues[:5]:
        assert AuthActions(app.test_client()).login(username, "typo").status_code == 200
    for username in colleagues:
        response = AuthActions(app.test_client()).login(username, "office-pass-123")
        assert response.status_code == 302, (username, response.status_code)


def test_the_load_tests_sign_ins_pass_the_limits_as_shipped(sqlite_url, tmp_path, rate_storage):
    """bench/locustfile.py: 50 simulated users share three usernames and one address."""
    app = _limited_app(sqlite_url, tmp_path, rate_storage)
    assert app.config.get("RATELIMIT_ENABLED", True)
    for user_number in range(50):
        username = ("analyst", "manager", "admin")[user_number % 3]
        response = AuthActions(app.test_client()).login(username)
        assert response.status_code == 302, (user_number, response.status_code)


def test_successful_logins_do_not_use_up_the_username_limit(sqlite_url, tmp_path):
    app = _limited_app(sqlite_url, tmp_path, "memory://")
    client = app.test_client()
    for _attempt in range(login.LOGIN_FAILURES_PER_USERNAME + 1):
        assert AuthActions(client).login("analyst").status_code == 302


# ---- cookies ---------------------------------------------------------------------------------

def test_session_cookie_is_httponly_lax_and_not_secure_in_development(sqlite_app):
    create_users(sqlite_app)
    cookie = _set_cookies(AuthActions(sqlite_app.test_client()).login("analyst"))["session"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert sqlite_app.login_manager.session_protection == "strong"


def test_cookies_are_secure_in_production(sqlite_url, tmp_path):
    app = _app(sqlite_url, tmp_path, **PRODUCTION)
    client = app.test_client()
    response = client.post("/login", base_url="https://dashboard.example", data={
        "username": "analyst", "password": PASSWORDS["analyst"], "remember": "1"})
    cookies = _set_cookies(response)
    for name in ("session", "remember_token", CSRF_COOKIE):
        assert "Secure" in cookies[name] and "SameSite=Lax" in cookies[name], name
    assert "HttpOnly" in cookies["session"] and "HttpOnly" in cookies["remember_token"]


def test_keep_me_signed_in_lasts_at_most_30_days(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    plain = _set_cookies(AuthActions(client).login("analyst"))
    assert "remember_token" not in plain
    remembered = client.post("/login", data={
        "username": "analyst", "password": PASSWORDS["analyst"], "remember": "1"})
    cookie = _set_cookies(remembered)["remember_token"]
    expires = datetime.strptime(re.search(r"Expires=([^;]+)", cookie).group(1),
                                "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
    days = (expires - datetime.now(timezone.utc)).total_seconds() / 86400
    assert 29 < days <= 30
    assert "HttpOnly" in cookie


# ---- headers ---------------------------------------------------------------------------------

def _inline_script_hashes(html):
    """sha256 CSP sources of the page's executable inline scripts (not those inside
    comments, such as Dash's Internet Explorer warning)."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    return {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            + "'" for attributes, body in scripts
            if "application/json" not in attributes and body.strip()}


def test_csp_allows_dash_inline_scripts_by_hash_and_nothing_remote(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("analyst")
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert "unsafe-eval" not in policy
    assert "unsafe-inline" not in directives["script-src"]
    assert not re.search(r"https?:", policy)
    hashes = _inline_script_hashes(response.get_data(as_text=True))
    assert hashes, "the Dash index page should start the renderer inline"
    assert hashes <= set(directives["script-src"].split())


def test_plain_pages_need_no_inline_style_or_script(sqlite_app):
    # The sign-in and database-down pages are ours, not Dash's: they take their looks
    # from assets/, so the CSP never has to make room for them.
    from flask import render_template

    create_users(sqlite_app)
    client = sqlite_app.test_client()
    pages = [client.get("/login?next=/roi").get_data(as_text=True),
             AuthActions(client).login("analyst", "wrong-password").get_data(as_text=True)]
    with sqlite_app.test_request_context("/"):
        pages.append(render_template("database_down.html", message="Down."))
    assert "Wrong username or password." in pages[1] and "Down." in pages[2]
    for page in pages:
        assert not re.search(r"<script|<style|\sstyle=", page), page


def test_headers_on_every_response_and_no_store_for_signed_in_pages(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    anonymous = client.get("/login")
    AuthActions(client).login("analyst")
    for response in (anonymous, client.get("/"), client.get("/_dash-layout"),
                     client.get("/assets/theme.css"), client.get("/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Content-Security-Policy" in response.headers
        assert "Strict-Transport-Security" not in response.headers
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/_dash-layout").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/assets/theme.css").headers.get("Cache-Control", "")


def test_hsts_only_in_production(sqlite_url, tmp_path):
    app = _app(sqlite_url, tmp_path, **PRODUCTION)
    response = app.test_client().get("/login", base_url="https://dashboard.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("secret", [None, "", DEFAULT_SECRET_KEY])
def test_production_refuses_a_missing_or_default_secret(tmp_path, monkeypatch, secret):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"DASHBOARD_ENV": "production", "INSTANCE_PATH": str(tmp_path),
              "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    if secret is not None:
        config["SECRET_KEY"] = secret
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)
