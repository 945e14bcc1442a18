"""Report subscriptions from the views, My reports, the admin's Deliveries page and the
`dashboard reports` commands, by role."""
from datetime import datetime

import pytest
from sqlalchemy import select

from dashboard import users
from dashboard.extensions import db
from dashboard.reports import delivery, schedule, subscriptions
from models import Subscription
from tests.helpers import AuthActions, find, ids_in, route, run_callback

MADE = schedule.parse_now("2026-12-01T10:00:00")


@pytest.fixture
def site(app, tiny, monkeypatch):
    monkeypatch.setattr(schedule, "utc_now", lambda: MADE)
    app.config["REPORT_CHARTS"] = False
    with app.app_context():
        users.set_contact("analyst", "analyst@example.com", "Asia/Kolkata")
        users.set_contact("manager", "manager@example.com", None)
    return app


def page_of(client, pathname):
    response = route(client, pathname)
    assert response.status_code == 200
    return response.get_json()["response"]["app-page"]["children"]


def all_subscriptions(app):
    with app.app_context():
        return db.session.scalars(select(Subscription).order_by(Subscription.id)).all()


def test_every_analytics_report_view_has_the_subscribe_control(site, client):
    AuthActions(client).login("analyst")
    for view in ("overview", "roi", "brands"):
        assert f"{view}-subscribe-button" in ids_in(page_of(client, f"/{view}"))
    assert "influencers-subscribe-button" not in ids_in(page_of(client, "/influencers"))


def test_subscribing_from_a_view_keeps_its_filters_for_the_signed_in_user(site, client):
    AuthActions(client).login("analyst")
    dash_app = site.extensions["dash_app"]
    response = run_callback(client, dash_app, "roi-subscribe-message", "children", {
        "roi-subscribe-button.n_clicks": 1, "roi-url.search": "?brand=HKVitals&baseline=0.3",
        "roi-subscribe-every.value": "daily", "roi-subscribe-at.value": "07:30",
        "roi-dimension.value": "platform"})
    assert response.status_code == 200, response.get_data(as_text=True)
    text = str(response.get_json())
    assert "Subscribed" in text and "analyst@example.com" in text and "Asia/Kolkata" in text
    [subscription] = all_subscriptions(site)
    assert subscription.path == "/roi" and subscription.every == "daily"
    assert subscription.query == "baseline=0.3&brand=HKVitals&by=platform"
    assert subscription.at_minute == 7 * 60 + 30
    # 07:30 in Kolkata is 02:00 UTC; made at 10:00 UTC, so the first is the next day.
    with site.app_context():
        [row] = subscriptions.rows()
    assert row.next_at == datetime(2026, 12, 2, 2, 0, tzinfo=schedule.UTC_ZONE)


def test_a_bad_time_of_day_is_refused_and_nothing_is_kept(site, client):
    AuthActions(client).login("manager")
    response = run_callback(client, site.extensions["dash_app"], "brands-subscribe-message",
                            "children", {"brands-subscribe-button.n_clicks": 1,
                                         "brands-url.search": "",
                                         "brands-subscribe-every.value": "weekly",
                                         "brands-subscribe-at.value": "25:00"})
    assert "must look like 08:00" in str(response.get_json())
    assert all_subscriptions(site) == []


def test_my_reports_shows_only_my_own_subscriptions(site, client):
    with site.app_context():
        subscriptions.subscribe("analyst", "/overview?platform=Instagram", every="weekly")
        subscriptions.subscribe("manager", "/brands", every="monthly")
        subscriptions.subscribe("admin", "/roi", every="daily")
    for name, own, others in (("analyst", "/overview?platform=Instagram", ["/brands", "/roi"]),
                              ("admin", "/roi", ["/brands", "/overview"])):
        client.get("/logout")
        AuthActions(client).login(name)
        page = str(page_of(client, "/account/reports"))
        assert own in page and not any(f"'{other}" in page for other in others), name
        if name == "analyst":
            # The next time in the analyst's own zone: Monday 08:00 in Kolkata.
            assert "Mon 07 Dec 2026, 08:00 Asia/Kolkata" in page


def test_pause_resume_and_delete_my_subscription_but_never_someone_elses(site, client):
    with site.app_context():
        mine = subscriptions.subscribe("analyst", "/overview").id
        theirs = subscriptions.subscribe("manager", "/brands").id
    AuthActions(client).login("analyst")
    dash_app = site.extensions["dash_app"]

    def act(action, index):
        key = next(key for key in dash_app.callback_map if "reports-body" in key)
        button = {"type": "reports-action", "action": action, "index": index}
        body = {"output": key, "outputs": [{"id": "reports-body", "property": "children"},
                                           {"id": "reports-message", "property": "children"}],
                "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
                "changedPropIds": [f'{{"action":"{action}","index":{index},'
                                   f'"type":"reports-action"}}.n_clicks']}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return str(response.get_json())

    assert "paused" in act("pause", mine)
    assert all_subscriptions(site)[0].paused
    assert "resumes" in act("resume", mine)
    assert "no subscription number" in act("delete", theirs)
    assert "deleted" in act("delete", mine)
    assert [sub.id for sub in all_subscriptions(site)] == [theirs]


def test_admin_sees_every_delivery_and_others_are_refused(site, client, smtp_server):
    site.config["SMTP_URL"] = smtp_server.url
    with site.app_context():
        subscriptions.subscribe("analyst", "/overview", every="daily")
        subscriptions.subscribe("manager", "/brands", every="daily")
        users.set_active("manager", False)
        delivery.send_due(schedule.parse_now("2026-12-02T08:00"))
    AuthActions(client).login("admin")
    page = page_of(client, "/admin/deliveries")
    listed = str(find(page, "deliveries-list"))
    assert "analyst" in listed and "manager" in listed and "deactivated" in listed
    assert "sent" in listed and "not sent" in listed
    for name in ("analyst", "manager"):
        client.get("/logout")
        if name == "manager":
            with site.app_context():
                users.set_active("manager", True)
        AuthActions(client).login(name)
        assert find(page_of(client, "/admin/deliveries"), "page-forbidden") is not None
        assert find(page_of(client, "/admin/deliveries"), "deliveries-list") is None


def test_my_reports_shows_a_failure_to_its_user(site, client):
    from tests.helpers import free_port

    site.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    with site.app_context():
        subscriptions.subscribe("analyst", "/overview", every="daily")
        delivery.send_due(schedule.parse_now("2026-12-02T08:00"))
    AuthActions(client).login("analyst")
    page = str(page_of(client, "/account/reports"))
    assert "failed, will try again" in page and "did not take the message" in page


def test_the_navbar_links_my_reports_for_everyone_and_deliveries_for_admins(site, client):
    AuthActions(client).login("analyst")
    navbar = route(client, "/overview").get_json()["response"]["app-navbar"]["children"]
    assert "nav-reports" in ids_in(navbar) and "nav-deliveries" not in ids_in(navbar)
    client.get("/logout")
    AuthActions(client).login("admin")
    navbar = route(client, "/overview").get_json()["response"]["app-navbar"]["children"]
    assert {"nav-reports", "nav-deliveries"} <= ids_in(navbar)


# ---- the CLI -----------------------------------------------------------------------------------

def test_cli_subscribe_list_and_send_due(site, smtp_server):
    site.config["SMTP_URL"] = smtp_server.url
    runner = site.test_cli_runner()
    result = runner.invoke(args=["reports", "subscribe", "manager", "--path",
                                 "/overview?platform=Instagram", "--every", "weekly"])
    assert result.exit_code == 0, result.output
    # Weekly: Monday 7 December at 08:00 in the server's zone (the manager set none).
    first = datetime(2026, 12, 7, 8, tzinfo=schedule.server_zone()).astimezone(
        schedule.UTC_ZONE)
    assert f"first at {first:%Y-%m-%d %H:%M} UTC" in result.output
    listed = runner.invoke(args=["reports", "list"])
    assert "manager\t/overview?platform=Instagram\tevery Monday at 08:00" in listed.output
    assert "none sent" in listed.output and "1 subscriptions." in listed.output
    early = runner.invoke(args=["reports", "send-due", "--now", "2026-12-06T23:00:00Z"])
    assert early.exit_code == 0 and "0 sent, 0 not sent." in early.output
    server_zone = schedule.server_zone()
    monday = datetime(2026, 12, 7, 9, tzinfo=server_zone).isoformat()
    due = runner.invoke(args=["reports", "send-due", "--now", monday])
    assert due.exit_code == 0, due.output
    assert "1 sent, 0 not sent." in due.output
    assert len(smtp_server.handler.messages) == 1
    again = runner.invoke(args=["reports", "send-due", "--now", monday])
    assert "0 sent, 0 not sent." in again.output
    assert "last 2026-12-07 sent" in runner.invoke(args=["reports", "list"]).output


@pytest.mark.parametrize("args, words", [
    (["nobody", "--path", "/overview", "--every", "daily"], "no user named 'nobody'"),
    (["analyst", "--path", "/admin/users", "--every", "daily"], "cannot be sent by e-mail"),
    (["analyst", "--path", "/overview", "--every", "daily", "--at", "8pm"], "08:00"),
    (["analyst", "--path", "/overview", "--every", "hourly"], "hourly"),
])
def test_cli_subscribe_refuses_bad_input_saying_what(site, args, words):
    result = site.test_cli_runner().invoke(args=["reports", "subscribe", *args])
    assert result.exit_code != 0 and words in result.output
    assert all_subscriptions(site) == []


def test_cli_send_due_refuses_a_bad_time(site):
    result = site.test_cli_runner().invoke(args=["reports", "send-due", "--now", "monday"])
    assert result.exit_code != 0 and "ISO time" in result.output
