"""A user subscribes to a filtered view from the page and finds it under My reports."""
from selenium.webdriver.common.by import By

from dashboard.extensions import db
from models import Subscription
from tests.browser.helpers import open_page, sign_in

import pytest

pytestmark = pytest.mark.browser


def test_subscribe_to_a_filtered_view_from_the_page(browser, live_app):
    sign_in(browser, "analyst")
    open_page(browser, "/overview?platform=Instagram")
    browser.wait_for_element("#overview-kpi-revenue")
    browser.find_element("#overview-subscribe-open").click()
    browser.wait_for_element("#overview-subscribe-button")
    browser.driver.find_element(By.CSS_SELECTOR,
                                "label[for='_dbcprivate_radioitems_overview-subscribe-every_"
                                "input_daily']").click()
    at = browser.find_element("#overview-subscribe-at")
    at.clear()
    at.send_keys("09:15")
    browser.find_element("#overview-subscribe-button").click()
    browser.wait_for_contains_text("#overview-subscribe-message", "Subscribed", timeout=15)
    assert "every day at 09:15" in browser.find_element("#overview-subscribe-message").text
    with live_app.app_context():
        [subscription] = db.session.query(Subscription).all()
    assert (subscription.path, subscription.query, subscription.every,
            subscription.at_minute) == ("/overview", "period=last30&platform=Instagram",
                                        "daily", 555)
    open_page(browser, "/account/reports")
    browser.wait_for_element("#reports-subscriptions")
    assert "/overview?period=last30&platform=Instagram" in browser.find_element(
        "#reports-subscriptions").text
