"""A long table pages on the server in a real browser: rows arrive, sorted there too."""
import time

import pytest

from dashboard import analytics
from layouts import components
from tests.browser.helpers import open_page, sign_in

# The name column is pinned left (it stays in view on a phone); the numbers scroll.
# The first grid is the table of every creator. Its name column is pinned left (it stays
# in view on a phone); the numbers scroll. Rows are listed in their on-screen order.
CELLS = """var grid = document.querySelector('.roi-grid');
    if (!grid) { return []; }
    return Array.from(grid.querySelectorAll('%s .ag-row'))
    .sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')))
    .map(r => { var c = r.querySelector('[col-id="%s"]'); return c ? c.textContent : ''; });"""
CREATOR_CELLS = CELLS % (".ag-pinned-left-cols-container", "name")
REVENUE_CELLS = CELLS % (".ag-center-cols-container", "revenue")

pytestmark = pytest.mark.browser


def cells_when_shown(browser, script, count, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cells = browser.driver.execute_script(script)
        if len(cells) >= count and all(cells[:count]):
            return cells
        time.sleep(0.2)
    raise AssertionError(f"the grid showed {cells!r}, not {count} rows")


def test_the_creators_table_asks_the_server_for_its_rows(browser, live_app, monkeypatch):
    # Every table with more than one row pages on the server, so the tiny set does too.
    monkeypatch.setattr(components, "SERVER_PAGE_ROWS", 1)
    with live_app.app_context():
        creators = analytics.metrics(analytics.Selection(), "influencer", scope=None)
    # Names carry the creator id, as every list shows them: "Bilal (2)".
    creators["shown"] = creators["name"] + " (" + creators["influencer_id"].astype(str) + ")"
    by_revenue = list(creators.sort_values("revenue", ascending=False)["shown"])
    sign_in(browser, "analyst")
    open_page(browser, "/roi?period=all")
    shown = cells_when_shown(browser, CREATOR_CELLS, len(by_revenue))
    assert shown == by_revenue
    # Money as the rest of the page writes it (assets/grid_formats.js): "₹13,400".
    revenues = browser.driver.execute_script(REVENUE_CELLS)
    assert revenues[0] == "₹13,400", revenues
    # A click on the header sorts on the server: names A to Z.
    header = browser.driver.find_element(
        "css selector", '.roi-grid .ag-header-cell[col-id="name"] .ag-header-cell-label')
    # A click event on the label, as a mouse click sends (the chart above may overlap it).
    browser.driver.execute_script("arguments[0].click();", header)
    expected = sorted(by_revenue, key=str.lower)
    deadline = time.monotonic() + 15
    while browser.driver.execute_script(CREATOR_CELLS) != expected:
        assert time.monotonic() < deadline, browser.driver.execute_script(CREATOR_CELLS)
        time.sleep(0.2)
