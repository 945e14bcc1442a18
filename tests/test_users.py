"""User management use cases (CLI and admin page share them), each audited in its transaction."""
import pytest
from sqlalchemy import select

from dashboard import users
from dashboard.extensions import db
from models import AuditEvent, Brand
from tests.helpers import PASSWORDS, AuthActions, create_users, run_callback


def _events(app):
    with app.app_context():
        return [(e.action, e.username, e.detail) for e in db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def test_create_user_is_audited_with_actor_and_scope(app):
    with app.app_context():
        user = users.create_user(" bob ", "bob-password-1", "manager",
                                 ["HKVitals", "Gritzo", "HKVitals"], actor="admin")
        assert user.username == "bob"
        assert users.get_user("bob").brand_scope == frozenset({"HKVitals", "Gritzo"})
    assert _events(app) == [
        ("user_created", "admin", "created manager 'bob' with access to Gritzo, HKVitals")]


@pytest.mark.parametrize("username,password,role,message", [
    ("", "long-enough-1", "analyst", "A username is required."),
    ("carol", "short", "analyst", "at least 8 characters long; this one has 5"),
    ("carol", "long-enough-1", "owner", "Role must be one of admin, manager, analyst"),
    ("analyst", "long-enough-1", "analyst", "A user named 'analyst' already exists."),
])
def test_create_user_refusals_say_why(sqlite_app, username, password, role, message):
    create_users(sqlite_app)
    with sqlite_app.app_context():
        with pytest.raises(users.UserError, match=message):
            users.create_user(username, password, role, actor="admin")
        assert users.get_user("carol") is None
    assert all(action != "user_created" or "carol" not in detail
               for action, _who, detail in _events(sqlite_app))


def test_update_access_changes_role_and_brands_in_one_audited_step(app):
    create_users(app)
    with app.app_context():
        users.update_access("manager", role="analyst", brands=["MuscleBlaze", "HKVitals"],
                            actor="admin")
        user = users.get_user("manager")
        assert user.role == "analyst"
        assert user.brand_scope == frozenset({"MuscleBlaze", "HKVitals"})
        # Saving the same values again changes and logs nothing.
        users.update_access("manager", role="analyst", brands=["HKVitals", "MuscleBlaze"],
                            actor="admin")
        users.set_brands("manager", [], actor="admin")
        assert users.get_user("manager").brand_scope is None
    changes = [event for event in _events(app) if event[0] != "user_created"]
    assert changes == [
        ("role_changed", "admin", "'manager' from manager to analyst"),
        ("brands_changed", "admin",
         "'manager' from MuscleBlaze to HKVitals, MuscleBlaze"),
        ("brands_changed", "admin", "'manager' from HKVitals, MuscleBlaze to all brands"),
    ]


def test_a_refused_change_leaves_everything_as_it_was(app):
    create_users(app)
    with app.app_context():
        with pytest.raises(users.UserError, match="at most 200 characters"):
            users.update_access("manager", role="analyst", brands=["x" * 201], actor="admin")
        assert users.get_user("manager").role == "manager"
    assert [e[0] for e in _events(app)].count("role_changed") == 0


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(sqlite_app):
    create_users(sqlite_app)
    with sqlite_app.app_context():
        with pytest.raises(users.UserError, match="leave 0 active admins"):
            users.set_role("admin", "analyst", actor="admin")
        with pytest.raises(users.UserError, match="leave 0 active admins"):
            users.set_active("admin", False, actor="cli")
        with pytest.raises(users.UserError, match="your own account"):
            users.set_active("analyst", False, actor="analyst")
        users.set_role("analyst", "admin", actor="admin")
        users.set_role("admin", "analyst", actor="analyst")
        assert users.get_user("admin").role == "analyst"


def test_reset_password_replaces_the_old_one(sqlite_app):
    create_users(sqlite_app)
    with sqlite_app.app_context():
        with pytest.raises(users.UserError, match="this one has 3"):
            users.reset_password("analyst", "abc", actor="admin")
        users.reset_password("analyst", "brand-new-pass", actor="admin")
        assert users.authenticate("analyst", PASSWORDS["analyst"]) is None
        assert users.authenticate("analyst", "brand-new-pass").username == "analyst"
    assert ("password_reset", "admin", "new password set for 'analyst'") in _events(sqlite_app)


def test_deactivate_and_reactivate(app):
    create_users(app)
    with app.app_context():
        users.set_active("analyst", False, actor="admin")
        assert users.authenticate("analyst", PASSWORDS["analyst"]) is None
        users.set_active("analyst", True, actor="admin")
        assert users.authenticate("analyst", PASSWORDS["analyst"]) is not None
        with pytest.raises(users.UserError, match="no user named 'ghost'"):
            users.set_active("ghost", False, actor="admin")
    assert [e for e in _events(app) if e[0] != "user_created"] == [
        ("user_deactivated", "admin", "'analyst'"), ("user_reactivated", "admin", "'analyst'")]


def test_known_brands_are_data_brands_and_assigned_ones(sqlite_app):
    create_users(sqlite_app)
    with sqlite_app.app_context():
        with db.transaction() as session:
            session.add_all([Brand(name="Gritzo"), Brand(name="Unattributed")])
        assert users.known_brands() == ["Gritzo", "MuscleBlaze"]


def test_cli_create_user_is_audited_as_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "dana", "--role", "manager", "--brand",
                                 "Gritzo", "--password-stdin"], input="dana-password-1\n")
    assert result.exit_code == 0, result.output
    assert "Created manager 'dana'." in result.output
    assert _events(app) == [
        ("user_created", "cli", "created manager 'dana' with access to Gritzo")]
    listing = runner.invoke(args=["users", "list"])
    assert "dana\tmanager\tGritzo\tactive" in listing.output


# ---- the admin page, through the same HTTP calls the browser makes -----------------------------

@pytest.fixture
def admin_client(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("admin")
    return client


def test_admin_page_creates_a_user(sqlite_app, admin_client):
    dash_app = sqlite_app.extensions["dash_app"]
    response = run_callback(admin_client, dash_app, "users-create-message", "children", {
        "users-create.n_clicks": 1, "users-new-username.value": "erin",
        "users-new-password.value": "erin-password-1", "users-new-role.value": "manager",
        "users-new-brands.value": ["HKVitals"], "users-new-other-brands.value": "NewBrand, ",
        "users-version.data": 3})
    assert response.status_code == 200
    result = response.get_json()["response"]
    assert "Added manager 'erin' with access to 2 brand(s): HKVitals, NewBrand." in str(
        result["users-create-message"])
    assert result["users-version"]["data"] == 4
    assert result["users-new-password"]["value"] == ""
    with sqlite_app.app_context():
        assert users.get_user("erin").brand_scope == frozenset({"HKVitals", "NewBrand"})
    assert ("user_created", "admin",
            "created manager 'erin' with access to HKVitals, NewBrand") in _events(sqlite_app)


def test_admin_page_shows_errors_in_plain_words(sqlite_app, admin_client):
    dash_app = sqlite_app.extensions["dash_app"]
    response = run_callback(admin_client, dash_app, "users-create-message", "children", {
        "users-create.n_clicks": 1, "users-new-username.value": "frank",
        "users-new-password.value": "short", "users-new-role.value": "analyst"})
    assert "this one has 5" in str(response.get_json()["response"]["users-create-message"])
    with sqlite_app.app_context():
        assert users.get_user("frank") is None


def test_admin_page_lists_users_and_changes_one(sqlite_app, admin_client):
    dash_app = sqlite_app.extensions["dash_app"]
    listing = run_callback(admin_client, dash_app, "users-table", "children",
                           {"users-version.data": 0})
    result = listing.get_json()["response"]
    assert result["users-selected"]["options"] == ["admin", "analyst", "manager"]
    assert "3 users, 3 active." in str(result["users-table"])

    change = run_callback(admin_client, dash_app, "users-edit-message", "children", {
        "users-selected.value": "analyst", "users-edit-role.value": "manager",
        "users-edit-brands.value": ["Gritzo"], "users-edit-other-brands.value": "",
        "users-version.data": 0}, changed=["users-save.n_clicks"])
    assert "Saved: analyst: manager, active, sees 1 brand(s)." in str(
        change.get_json()["response"]["users-edit-message"])

    deactivate = run_callback(admin_client, dash_app, "users-edit-message", "children", {
        "users-selected.value": "analyst"}, changed=["users-toggle-active.n_clicks"])
    assert "is deactivated" in str(deactivate.get_json()["response"]["users-edit-message"])
    shown = run_callback(admin_client, dash_app, "users-edit-role", "value",
                         {"users-selected.value": "analyst", "users-version.data": 2})
    assert shown.get_json()["response"]["users-toggle-active"]["children"] == "Reactivate"
    actions = [event[0] for event in _events(sqlite_app)]
    assert actions[-3:] == ["role_changed", "brands_changed", "user_deactivated"]


@pytest.mark.parametrize("role,shown", [("admin", "users-create"), ("analyst", "Not allowed")])
def test_users_page_opens_for_admins_only(sqlite_app, role, shown):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login(role)
    response = run_callback(client, sqlite_app.extensions["dash_app"], "app-page", "children",
                            {"app-url.pathname": "/admin/users", "app-url.search": "?user=bob"})
    assert response.status_code == 200
    assert shown in str(response.get_json()["response"]["app-page"])
