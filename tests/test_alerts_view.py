"""The /alerts page and the webhook allow-list page, through the Dash callbacks as sent."""
from sqlalchemy import select

from dashboard.extensions import db
from models import AlertRule, AllowedWebhook
from tests.helpers import find, route, run_callback


def _dash(app):
    return app.extensions["dash_app"]


def _save(client, app, **values):
    fields = {"alerts-selected.value": None, "alerts-metric.value": "roas",
              "alerts-kind.value": "below", "alerts-threshold.value": 2,
              "alerts-periods.value": None, "alerts-scope-kind.value": "everything",
              "alerts-scope-value.value": "", "alerts-email.value": True,
              "alerts-webhook.value": "", "alerts-version.data": 0}
    fields.update(values)
    fields["alerts-save.n_clicks"] = 1
    response = run_callback(client, _dash(app), "alerts-save-message", "children", fields,
                            changed=["alerts-save.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return str(response.get_json()["response"]["alerts-save-message"]["children"])


def test_every_role_opens_alerts_and_only_admins_the_allow_list(client, tiny):
    for role in ("admin", "analyst", "manager"):
        tiny.login(role)
        page = route(client, "/alerts").get_json()["response"]
        assert find(page, "alerts-page") is not None
        assert find(page, "nav-alerts") is not None
        webhooks = route(client, "/admin/webhooks").get_json()["response"]
        assert (find(webhooks, "webhooks-page") is not None) == (role == "admin")
        assert (find(page, "alerts-manage-webhooks") is not None) == (role == "admin")
        tiny.logout()


def test_a_user_adds_a_rule_and_sees_it_and_no_one_elses(app, client, tiny):
    tiny.login("manager")
    said = _save(client, app, **{"alerts-scope-kind.value": "brand",
                                 "alerts-scope-value.value": "MuscleBlaze"})
    assert "Added rule 1: ROAS for MuscleBlaze below 2.00×" in said
    refused = _save(client, app, **{"alerts-scope-kind.value": "brand",
                                    "alerts-scope-value.value": "HK Vitals"})
    assert "You cannot see the brand 'HK Vitals'" in refused
    shown = run_callback(client, _dash(app), "alerts-rules", "children",
                         {"alerts-version.data": 1}).get_json()["response"]
    assert "ROAS for MuscleBlaze below 2.00×" in str(shown["alerts-rules"])
    tiny.logout()
    tiny.login("analyst")
    shown = run_callback(client, _dash(app), "alerts-rules", "children",
                         {"alerts-version.data": 1}).get_json()["response"]
    assert "MuscleBlaze" not in str(shown["alerts-rules"])
    # Another user's rule number is answered as missing, and stays as it was.
    response = run_callback(client, _dash(app), "alerts-manage-message", "children", {
        "alerts-selected.value": 1, "alerts-delete.n_clicks": 1, "alerts-version.data": 1},
        changed=["alerts-delete.n_clicks"])
    said = response.get_json()["response"]["alerts-manage-message"]["children"]["props"]
    assert said["children"] == "You have no alert rule number 1."
    with app.app_context():
        assert len(db.session.scalars(select(AlertRule)).all()) == 1


def test_a_non_admin_cannot_change_the_allow_list(app, client, tiny):
    tiny.login("analyst")
    response = run_callback(client, _dash(app), "webhooks-message", "children", {
        "webhooks-new-url.value": "http://127.0.0.1:9/", "webhooks-add.n_clicks": 1},
        changed=["webhooks-add.n_clicks"])
    assert response.status_code == 403
    tiny.logout()
    tiny.login("admin")
    response = run_callback(client, _dash(app), "webhooks-message", "children", {
        "webhooks-new-url.value": "https://hooks.example.com/services/",
        "webhooks-add.n_clicks": 1}, changed=["webhooks-add.n_clicks"])
    said = response.get_json()["response"]["webhooks-message"]["children"]["props"]
    assert said["children"] == "Alert rules may now post to https://hooks.example.com/services/."
    with app.app_context():
        assert db.session.scalars(select(AllowedWebhook.url)).all() == [
            "https://hooks.example.com/services/"]


def test_an_admin_removes_an_allowed_address(app, client, tiny):
    from dashboard.reports import alert_rules

    with app.app_context():
        alert_rules.allow_webhook("https://hooks.example.com/services/", "admin")
    tiny.login("admin")
    response = run_callback(client, _dash(app), "webhooks-message", "children", {
        "webhooks-remove-url.value": "https://hooks.example.com/services/",
        "webhooks-remove.n_clicks": 1}, changed=["webhooks-remove.n_clicks"])
    said = response.get_json()["response"]["webhooks-message"]["children"]["props"]
    assert said["children"].startswith("https://hooks.example.com/services/ is no longer "
                                       "allowed")
    with app.app_context():
        assert db.session.scalars(select(AllowedWebhook)).all() == []
