"""In the browser: a callback that meets a database outage shows the plain message."""
import pytest

from dashboard.extensions import make_engine
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

DATABASE_DOWN = "The database is not answering; try again in a minute."


def test_a_callback_during_a_database_outage_says_so_until_it_answers(
        browser, live_app, tmp_path):
    sign_in(browser, "analyst")
    browser.wait_for_element("#overview-kpi-revenue", timeout=15)
    working = live_app.extensions["database_engine"]
    live_app.extensions["database_engine"] = make_engine(
        f"sqlite:///{tmp_path / 'missing' / 'dashboard.sqlite3'}", live_app.config)
    try:
        browser.select_dcc_dropdown("#overview-filter-brands", value="HKVitals")
        browser.wait_for_text_to_equal("#outage-notice", DATABASE_DOWN, timeout=15)
    finally:
        live_app.extensions["database_engine"].dispose()
        live_app.extensions["database_engine"] = working
    # The database answers again: the next callback (a move to another view) clears it.
    browser.find_element("#nav-roi").click()
    browser.wait_for_element("#roi-body", timeout=15)
    browser.wait_for_no_elements("#outage-notice", timeout=15)
