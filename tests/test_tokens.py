"""API tokens: the CLI and page that make, list and revoke them, and the life of a token
(works, then 401 once expired, revoked, wrong or its owner deactivated)."""
import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from dashboard import tokens, users
from dashboard.extensions import db
from models import ApiToken, AuditEvent

METRICS = "/api/v1/metrics?by=brand"


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def make_token(app, username="analyst", **options):
    with app.app_context():
        return tokens.create_token(username, **options).secret


def audit_lines(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).all()


def test_cli_prints_the_token_once_on_its_last_line_and_stores_only_its_hash(app, auth, runner):
    result = runner.invoke(args=["tokens", "create", "analyst", "--days", "7",
                                 "--name", "notebook"])
    assert result.exit_code == 0, result.output
    secret = result.output.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"roi_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", secret)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        stored = [str(getattr(row, column.name)) for column in ApiToken.__table__.columns]
        assert row.token_hash == tokens.hash_token(secret)
        assert row.name == "notebook" and row.created_by == "cli"
        assert timedelta(days=6, hours=23) < row.expires_at - datetime.utcnow() <= timedelta(
            days=7)
    assert not any(secret in value or secret[16:] in value for value in stored)
    listed = runner.invoke(args=["tokens", "list", "analyst"])
    assert listed.exit_code == 0 and secret not in listed.output
    assert f"roi_{row.selector}…" in listed.output and "active" in listed.output
    assert [line.username for line in audit_lines(app, "token_created")] == ["cli"]


def test_token_lifecycle_works_then_every_way_it_stops_is_a_401(app, auth, client, runner):
    secret = make_token(app)
    assert client.get(METRICS, headers=bearer(secret)).status_code == 200
    # Wrong: one character changed, or no roi_ token at all.
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for header in (bearer(wrong), bearer("roi_x"), {"Authorization": "Basic abc"}, {}):
        response = client.get(METRICS, headers=header)
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')
        assert response.get_json()["error"]
    assert "error=" not in client.get(METRICS).headers["WWW-Authenticate"]

    result = runner.invoke(args=["tokens", "revoke", "analyst"])
    assert result.exit_code == 0 and "Revoked 1" in result.output
    response = client.get(METRICS, headers=bearer(secret))
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]
    assert [line.username for line in audit_lines(app, "token_revoked")] == ["cli"]


def test_an_expired_token_gets_401(app, auth, client):
    secret = make_token(app)
    with app.app_context():
        with db.transaction() as session:
            session.execute(update(ApiToken).values(
                expires_at=datetime.utcnow() - timedelta(seconds=1)))
    response = client.get(METRICS, headers=bearer(secret))
    assert response.status_code == 401 and "expired" in response.get_json()["error"]


def test_a_deactivated_owner_s_token_stops_and_works_again_when_reactivated(app, auth, client):
    secret = make_token(app)
    with app.app_context():
        users.set_active("analyst", False, actor="admin")
    response = client.get(METRICS, headers=bearer(secret))
    assert response.status_code == 401 and "deactivated" in response.get_json()["error"]
    with app.app_context():
        users.set_active("analyst", True, actor="admin")
    assert client.get(METRICS, headers=bearer(secret)).status_code == 200


def test_revoke_one_by_id_leaves_the_others_working(app, auth, client, runner):
    first, second = make_token(app), make_token(app)
    with app.app_context():
        first_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))
    result = runner.invoke(args=["tokens", "revoke", "analyst", "--id", str(first_id)])
    assert result.exit_code == 0, result.output
    assert client.get(METRICS, headers=bearer(first)).status_code == 401
    assert client.get(METRICS, headers=bearer(second)).status_code == 200
    again = runner.invoke(args=["tokens", "revoke", "analyst", "--id", str(first_id)])
    assert again.exit_code != 0 and "no token" in again.output


@pytest.mark.parametrize("arguments, message", [
    (["nobody"], "no user named 'nobody'"),
    (["analyst", "--days", "0"], "from 1 to 3650 days, not 0"),
    (["analyst", "--name", "x" * 101], "at most 100 characters"),
])
def test_cli_refuses_bad_requests_in_plain_words_and_makes_nothing(app, auth, runner,
                                                                   arguments, message):
    result = runner.invoke(args=["tokens", "create", *arguments])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_a_deactivated_user_gets_no_new_token(app, auth, runner):
    with app.app_context():
        users.set_active("analyst", False, actor="admin")
    result = runner.invoke(args=["tokens", "create", "analyst"])
    assert result.exit_code != 0 and "deactivated" in result.output


# ---- the /account/tokens page ----------------------------------------------------------------

def test_page_needs_a_session(client):
    response = client.get("/account/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_makes_a_token_shown_once_that_works_and_revokes_it(app, auth, client):
    auth.login("manager")
    response = client.post("/account/tokens", data={"name": "sheet", "days": "30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    secret = re.search(r'id="tokens-new-secret">(roi_[^<]+)<', page).group(1)
    assert "shown only this once" in page
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    api = app.test_client()
    assert api.get(METRICS, headers=bearer(secret)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 200 and "is revoked" in response.get_data(as_text=True)
    assert api.get(METRICS, headers=bearer(secret)).status_code == 401


def test_page_refuses_bad_days_in_words(app, auth, client):
    auth.login("analyst")
    response = client.post("/account/tokens", data={"days": "many"})
    assert response.status_code == 400
    assert "whole number, not 'many'" in html.unescape(response.get_data(as_text=True))


def test_only_admins_see_and_revoke_other_users_tokens(app, auth, client):
    manager_secret = make_token(app, "manager")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    auth.login("analyst")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Every user" not in page and f"tokens-row-{token_id}" not in page
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert app.test_client().get(METRICS, headers=bearer(manager_secret)).status_code == 200
    auth.logout()
    auth.login("admin")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert f"tokens-any-row-{token_id}" in page and manager_secret not in page
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 200
    assert app.test_client().get(METRICS, headers=bearer(manager_secret)).status_code == 401
    assert [line.username for line in audit_lines(app, "token_revoked")] == ["admin"]
