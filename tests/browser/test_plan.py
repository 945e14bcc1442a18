"""Browser: the budget planner opens for every role and follows the budget typed in."""
import pytest
from selenium.webdriver.common.keys import Keys

from dashboard import analytics, auth
from dashboard.analytics import planner
from layouts import components
from tests.browser.helpers import open_page, sign_in

pytestmark = pytest.mark.browser
SCOPES = {"admin": None, "analyst": None, "manager": frozenset({"MuscleBlaze"})}


def expected_total(app, role, budget=None):
    with app.app_context():
        result = planner.plan(analytics.Selection(), SCOPES[role], budget)
    return components.money(result["expected_incremental_revenue"])


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
def test_planner_page_per_role(browser, live_app, role):
    assert auth.can_open(type("U", (), {"is_authenticated": True, "role": role})(), "plan")
    sign_in(browser, role)
    open_page(browser, "/plan")
    browser.wait_for_text_to_equal("#plan-total", expected_total(live_app, role), timeout=20)
    assert browser.find_element("#plan-moves") is not None
    assert "Download the plan" in browser.find_element("#plan-result").text
    budget = browser.find_element("#plan-budget")
    budget.send_keys("200")
    budget.send_keys(Keys.ENTER)
    browser.wait_for_text_to_equal("#plan-total", expected_total(live_app, role, 200.0),
                                   timeout=20)
