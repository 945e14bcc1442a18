"""The audit log: events written in their use case's transaction, and the admin page over them."""
from datetime import datetime, timedelta

import pytest

from dashboard import audit
from dashboard.extensions import db
from callbacks import audit as audit_callbacks
from layouts import audit as audit_layout
from models import AuditEvent
from tests.helpers import AuthActions, create_users, run_callback


def test_record_and_read_newest_first_with_filter(app):
    start = datetime(2025, 3, 1, 9, 0)
    with app.app_context():
        with db.transaction() as session:
            for minute, action in enumerate(["login", "import", "login", "logout"]):
                session.add(AuditEvent(at=start + timedelta(minutes=minute), action=action,
                                       username=f"user{minute}"))
        audit.record("role_changed", username="admin", detail="'bob' from analyst to admin",
                     ip="10.1.2.3")
        newest = audit.latest_events()
        assert [e.action for e in newest] == ["role_changed", "logout", "login", "import",
                                              "login"]
        assert (newest[0].username, newest[0].ip) == ("admin", "10.1.2.3")
        assert [e.username for e in audit.latest_events("login")] == ["user2", "user0"]
        assert len(audit.latest_events(limit=2)) == 2
        assert audit.count_events("login") == 2 and audit.count_events() == 5
        # The importer's own action shows up in the filter next to the built-in ones.
        assert "import" in audit.known_actions() and "login_failed" in audit.known_actions()


def test_event_outside_a_request_has_no_user_or_address(app):
    with app.app_context():
        event = audit.event("import", detail="3 files")
        assert (event.username, event.ip) == (None, None)


def test_event_in_a_request_names_the_signed_in_user(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("admin")
    with client:
        client.get("/_dash-layout")
        event = audit.event("import")
        assert (event.username, event.ip) == ("admin", "127.0.0.1")


@pytest.mark.parametrize("shown,total,action,text", [
    (0, 0, None, "No events logged yet."),
    (3, 3, "login", "Showing all 3 'login' events."),
    (500, 1234, None, "Showing the latest 500 of 1,234 events."),
])
def test_count_text(shown, total, action, text):
    assert audit_layout.count_text(shown, total, action) == text


def test_audit_page_filters_by_action(sqlite_app):
    create_users(sqlite_app)
    client = sqlite_app.test_client()
    AuthActions(client).login("analyst", "wrong-password")
    AuthActions(client).login("admin")
    dash_app = sqlite_app.extensions["dash_app"]

    everything = run_callback(client, dash_app, "audit-table", "children",
                              {"audit-action.value": None}).get_json()["response"]
    # Three user_created (conftest), one login_failed, one login.
    assert everything["audit-count"]["children"] == "Showing all 5 events."
    failed = run_callback(client, dash_app, "audit-table", "children",
                          {"audit-action.value": "login_failed"}).get_json()["response"]
    assert failed["audit-count"]["children"] == "Showing all 1 'login_failed' events."
    table = str(failed["audit-table"])
    assert "wrong password" in table and "127.0.0.1" in table and "'login'" not in table


def test_audit_page_layout_takes_the_action_from_the_address(sqlite_app):
    with sqlite_app.test_request_context():
        page = audit_callbacks.page(search="?action=login_failed")
    dropdown = page.children[1].children[0].children[1]
    assert dropdown.id == "audit-action" and dropdown.value == "login_failed"
    assert "user_created" in dropdown.options
