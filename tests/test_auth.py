"""Sign-in, roles and brand scope: the closed-by-default guard over every route and callback."""
import re

import pytest

from dashboard import auth
from dashboard.web import guard, login
from tests.helpers import (PASSWORDS, AuthActions, audit_events, callback_body, callback_key,
                           create_users, import_tiny, output_ids, run_callback)

# Paths an anonymous visitor may reach; everything else must refuse them.
PUBLIC = ("/login", "/healthz", "/readyz")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
ADMIN_ONLY_VIEWS = ("users", "audit", "data", "webhooks", "deliveries")
# Views every role opens for their own things (not analytics): their alert rules.
OWN_VIEWS = ("alerts",)
# Views every role opens: analytics, and each user's own pages (My reports, saved views).
ANALYTICS_VIEWS = ("app", "overview", "roi", "influencers", "insights", "brands", "campaigns",
                   "plan", "reports", "views")


@pytest.fixture
def site(sqlite_app):
    """A SQLite app with the three conftest users, and a client."""
    create_users(sqlite_app)
    return sqlite_app, sqlite_app.test_client()


# ---- sign-in ---------------------------------------------------------------------------------

def test_login_form_is_plain_html_with_token_and_remember_me(site):
    app, client = site
    page = client.get("/login").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"',
                  'name="remember"', "Keep me signed in"):
        assert field in page
    assert "_dash" not in page


def test_login_and_logout_are_audited_with_ip(auth, app, client):
    response = auth.login("analyst")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200
    auth.logout()
    assert client.get("/_dash-layout").status_code == 401
    (login,) = audit_events(app, "login")
    (logout,) = audit_events(app, "logout")
    assert (login.username, login.ip) == ("analyst", "127.0.0.1")
    assert logout.username == "analyst"


@pytest.mark.parametrize("username,password", [
    ("analyst", "wrong-password"), ("nobody", "whatever-123"), ("", "")])
def test_wrong_username_or_password_get_one_generic_message(site, username, password):
    app, client = site
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert login.WRONG_CREDENTIALS in page
    assert client.get("/_dash-layout").status_code == 401


def test_failed_login_is_audited_with_attempted_username_and_ip(site):
    app, client = site
    AuthActions(client).login("analyst", "not-the-password")
    AuthActions(client).login("mallory", "guess-guess")
    failures = audit_events(app, "login_failed")
    assert [(e.username, e.ip, e.detail) for e in failures] == [
        ("analyst", "127.0.0.1", "wrong password"),
        ("mallory", "127.0.0.1", "unknown username")]


def test_deactivated_user_is_refused_and_loses_session(site):
    from dashboard import users

    app, client = site
    assert AuthActions(client).login("analyst").status_code == 302
    with app.app_context():
        users.set_active("analyst", False, actor="admin")
    # The open session stops working on the next request.
    assert client.get("/_dash-layout").status_code == 401
    response = AuthActions(client).login("analyst")
    assert login.WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert audit_events(app, "login_failed")[-1].detail == "account is deactivated"


def test_password_hash_is_argon2id_at_owasp_strength(site):
    from dashboard import users

    app, _client = site
    with app.app_context():
        user = users.get_user("analyst")
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert PASSWORDS["analyst"] not in user.password_hash


@pytest.mark.parametrize("next_url,expected", [
    ("/roi?brands=HKVitals", "/roi?brands=HKVitals"),
    ("//evil.example", "/"),
    ("https://evil.example", "/"),
    ("http://evil.example/roi", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("/\t/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("evil.example", "/"),
    ("", "/"),
])
def test_next_redirect_stays_on_site(site, next_url, expected):
    _app, client = site
    response = client.post("/login", query_string={"next": next_url},
                           data={"username": "analyst", "password": PASSWORDS["analyst"]})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_page_request_keeps_where_it_was_going(site):
    _app, client = site
    response = client.get("/roi?brands=Gritzo")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/roi?brands%3DGritzo"


# ---- closed by default: every route and every callback ---------------------------------------

def _sample_path(rule):
    """A concrete URL for a url_map rule: each variable gets a harmless value."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if m.group(1) == "int" else "x",
                  rule.rule)


def _is_public(path):
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def test_anonymous_is_refused_on_every_route_but_the_allow_list(site):
    app, client = site
    # A real bundle URL, as the page a signed-in user gets names it.
    signed_in = app.test_client()
    AuthActions(signed_in).login("analyst")
    bundle = re.search(r'src="(/_dash-component-suites/[^"]+)"',
                       signed_in.get("/").get_data(as_text=True)).group(1)
    checked = 0
    for rule in app.url_map.iter_rules():
        path = bundle if rule.rule.startswith("/_dash-component-suites/") else _sample_path(
            rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, json={})
            location = response.headers.get("Location", "")
            refused = response.status_code == 401 or location.startswith("/login")
            if auth.is_api(path):
                # The JSON API answers a bearer challenge, never the sign-in page.
                if auth.is_public_api(path):
                    assert response.status_code == 200, f"{method} {path} should be public"
                    continue
                checked += 1
                assert response.status_code == 401, f"{method} {path}"
                assert response.headers["WWW-Authenticate"].startswith("Bearer ")
                continue
            if _is_public(path):
                assert not refused, f"{method} {path} should be public"
                continue
            checked += 1
            assert refused, f"{method} {path} answered {response.status_code} anonymously"
            if path.startswith("/_dash-") or method != "GET":
                assert response.status_code == 401, f"{method} {path}"
                assert response.get_json() == {"error": "Please sign in."}
            elif path != "/logout":
                assert response.status_code == 302
                assert location.startswith("/login?next=")
    # The Dash routes, the index, the catch-all and the sign-out at least.
    assert checked >= 6


def test_anonymous_dash_post_gets_401_json_for_every_callback(site):
    app, client = site
    dash_app = app.extensions["dash_app"]
    assert dash_app.callback_map
    for key in dash_app.callback_map:
        response = client.post("/_dash-update-component?endId=1",
                               json=callback_body(dash_app, key))
        assert response.status_code == 401, key
        assert response.is_json


@pytest.mark.parametrize("role", ["analyst", "manager"])
def test_non_admin_is_refused_every_admin_callback_and_allowed_analytics(site, role):
    app, client = site
    dash_app = app.extensions["dash_app"]
    AuthActions(client).login(role)
    forbidden_before = len(audit_events(app, "forbidden"))
    refused = allowed = 0
    for key, callback in dash_app.callback_map.items():
        views = {auth.view_of(auth._id_text(i)) for i in output_ids(callback)}
        assert views <= set(auth.VIEW_ROLES), f"{key}: output ids need a view prefix"
        response = client.post("/_dash-update-component?endId=1",
                               json=callback_body(dash_app, key))
        if "callback" not in callback:
            # Clientside (the filters' fold, drill-down clicks): never run on the server.
            assert response.status_code == 403, key
            refused += 1
            continue
        if views & set(ADMIN_ONLY_VIEWS):
            assert response.status_code == 403, key
            assert "not allowed" in response.get_json()["error"]
            refused += 1
        else:
            assert views <= set(ANALYTICS_VIEWS) | set(OWN_VIEWS)
            assert response.status_code not in (401, 403), key
            allowed += 1
    assert refused >= 3 and allowed >= 1
    assert len(audit_events(app, "forbidden")) == forbidden_before + refused


def test_forged_admin_callback_is_refused_logged_and_not_run(site):
    from dashboard import users

    app, client = site
    dash_app = app.extensions["dash_app"]
    AuthActions(client).login("analyst")
    response = run_callback(client, dash_app, "users-create-message", "children", {
        "users-create.n_clicks": 1, "users-new-username.value": "intruder",
        "users-new-password.value": "intruder-pass-1", "users-new-role.value": "admin"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "Your role (analyst) is not allowed to do this."
    with app.app_context():
        assert users.get_user("intruder") is None
    (event,) = audit_events(app, "forbidden")
    assert event.username == "analyst" and "users-create-message" in event.detail


@pytest.mark.parametrize("forged", [
    # Not a registered callback at all.
    {"output": "evil-thing.children", "outputs": {"id": "evil-thing", "property": "children"}},
    # A real analytics callback, but the client asks to write into the users page.
    "router-with-users-outputs",
    # No output named.
    {"outputs": {"id": "app-page", "property": "children"}},
    [],
])
def test_unknown_or_mismatched_callbacks_are_refused(site, forged):
    app, client = site
    dash_app = app.extensions["dash_app"]
    AuthActions(client).login("analyst")
    if forged == "router-with-users-outputs":
        key = callback_key(dash_app, "app-page", "children")
        forged = callback_body(dash_app, key)
        forged["outputs"][0]["id"] = "users-table"
    response = client.post("/_dash-update-component?endId=1", json=forged)
    assert response.status_code == 403


def test_pattern_matching_ids_are_judged_by_their_type_key():
    assert auth._id_text({"type": "users-row", "index": ["ALL"]}) == "users-row"
    assert auth.view_of(auth._id_text({"index": 3})) == ""
    assert auth.view_of("overview") == ""
    assert auth.view_of("roi-chart") == "roi"


def test_require_view_answers_401_then_403(site):
    app, client = site

    @app.get("/test-only/admin-report")
    @guard.require_view("audit")
    def admin_report():
        return "secret"

    # The guard sends anonymous page requests to the sign-in page first.
    assert client.get("/test-only/admin-report").status_code == 302
    with app.test_request_context("/test-only/admin-report"):
        assert admin_report()[1] == 401
    AuthActions(client).login("analyst")
    assert client.get("/test-only/admin-report").status_code == 403
    AuthActions(client).login("admin")
    assert client.get("/test-only/admin-report").get_data(as_text=True) == "secret"


def test_permission_table():
    class Person:
        is_authenticated = True

        def __init__(self, role):
            self.role = role

    admin, manager, analyst = Person("admin"), Person("manager"), Person("analyst")
    assert all(auth.can_open(admin, view) for view in auth.VIEW_ROLES)
    for view in ADMIN_ONLY_VIEWS:
        assert not auth.can_open(analyst, view) and not auth.can_open(manager, view)
    for view in ANALYTICS_VIEWS + OWN_VIEWS:
        assert auth.can_open(analyst, view) and auth.can_open(manager, view)
    assert auth.can(admin, "upload") and not auth.can(analyst, "upload")
    assert not auth.can(manager, "manage_users")
    assert not auth.can_open(admin, "no-such-view")
    assert not auth.can(admin, "no-such-action")
    assert not auth.can_open(None, "overview")


# ---- brand scope -----------------------------------------------------------------------------

def test_brand_scope_of_conftest_users(site):
    from flask_login import AnonymousUserMixin

    from dashboard import users

    app, _client = site
    with app.app_context():
        assert auth.brand_scope(users.get_user("manager")) == frozenset({"MuscleBlaze"})
        assert auth.brand_scope(users.get_user("analyst")) is None
        assert auth.brand_scope(AnonymousUserMixin()) == frozenset()


def test_current_scope_follows_the_signed_in_user(site):
    app, client = site
    AuthActions(client).login("manager")
    with client:
        client.get("/_dash-layout")
        assert auth.current_scope() == frozenset({"MuscleBlaze"})


def test_manager_sees_only_their_brand_numbers(app):
    analytics = pytest.importorskip(
        "dashboard.analytics", reason="dashboard.analytics is not written yet")
    pytest.importorskip("dashboard.importing", reason="dashboard.importing is not written yet")
    from dashboard import users

    create_users(app)
    import_tiny(app)
    with app.app_context():
        manager_scope = auth.brand_scope(users.get_user("manager"))
        scoped = analytics.metrics(analytics.Selection(), "overall", scope=manager_scope,
                                   use_cache=False).iloc[0]
        everything = analytics.metrics(analytics.Selection(), "overall", scope=None,
                                       use_cache=False).iloc[0]
    # expected/brand.csv (MuscleBlaze row) and expected/overall.csv.
    assert (scoped["revenue"], scoped["orders"], scoped["spend"]) == (18500, 8, 4900.0)
    assert scoped["roas"] == pytest.approx(3.7755102040816326)
    assert (everything["revenue"], everything["orders"]) == (25900, 18)
