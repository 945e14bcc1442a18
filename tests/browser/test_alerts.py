"""Browser: a manager adds an alert rule on /alerts, sees it listed, mutes it."""
import pytest
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from dashboard.extensions import db
from models import AlertRule, User
from tests.browser.helpers import open_from_menu, open_page, sign_in

pytestmark = pytest.mark.browser


def test_a_manager_creates_and_mutes_a_rule(browser, live_app):
    # The whole form in view, so every click lands on what a person would click.
    browser.driver.set_window_size(1280, 1800)
    sign_in(browser, "manager")
    open_from_menu(browser, "user", "alerts")
    browser.wait_for_element("#alerts-page", timeout=15)
    browser.wait_for_text_to_equal("#alerts-rules", "No rules yet. Add one on the right.",
                                   timeout=15)
    Select(browser.find_element("#alerts-metric")).select_by_visible_text("ROAS")
    Select(browser.find_element("#alerts-kind")).select_by_visible_text(
        "drops by a share against the weeks before")
    browser.find_element("#alerts-threshold").send_keys("30")
    browser.find_element("#alerts-periods").send_keys("4")
    Select(browser.find_element("#alerts-scope-kind")).select_by_visible_text("A brand")
    browser.find_element("#alerts-scope-value").send_keys("MuscleBlaze")
    browser.find_element("#alerts-save").click()
    described = "ROAS for MuscleBlaze down by 30% or more against the 4 weeks before"
    browser.wait_for_contains_text("#alerts-save-message", f"Added rule 1: {described}.",
                                   timeout=15)
    browser.wait_for_contains_text("#alerts-rule-list", described, timeout=15)
    assert "quiet" in browser.find_element("#alerts-rule-list").text

    # Pick the rule and mute it: the list says so.
    browser.select_dcc_dropdown("#alerts-selected", index=0)
    browser.wait_for_text_to_equal("#alerts-mute", "Mute", timeout=15)
    browser.find_element("#alerts-mute").click()
    browser.wait_for_contains_text("#alerts-manage-message", "Rule 1 is muted.", timeout=15)
    browser.wait_for_contains_text("#alerts-rule-list", "muted", timeout=15)

    with live_app.app_context():
        rule, owner = db.session.execute(select(AlertRule, User.username).join(
            User, User.id == AlertRule.owner_id)).one()
        assert (owner, rule.kind, rule.metric, rule.scope_value, rule.threshold,
                rule.periods, rule.muted) == ("manager", "down_by", "roas", "MuscleBlaze",
                                              30, 4, True)
    # A manager does not get the allow-list page.
    open_page(browser, "/admin/webhooks")
    browser.wait_for_element("#page-forbidden", timeout=15)
