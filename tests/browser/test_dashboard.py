"""End to end in headless Chromium: sign-in, filters, roles, upload and commit."""
import json
from dataclasses import replace
from urllib.parse import unquote

import pytest
from selenium.webdriver.common.by import By

from dashboard import analytics
from dashboard.analytics import insights
from layouts import components
from tests import hostile
from tests.browser.helpers import open_page, sign_in, sign_out, texts

pytestmark = pytest.mark.browser

BAD_TRACKING = ("source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
                "instagram,MB_Mar,1,u9,Whey Protein,MuscleBlaze,2025-03-01,2,4000\n"
                "instagram,MB_Mar,1,u10,Whey Protein,MuscleBlaze,2025-03-02,two,4000\n")
GOOD_TRACKING = ("source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
                 "instagram,MB_Mar,1,u9,Whey Protein,MuscleBlaze,2025-03-01,2,4000\n")


def revenue_for(app, selection):
    with app.app_context():
        overall = analytics.metrics(selection, "overall", scope=None)
    return components.money(overall.iloc[0]["revenue"])


def test_filter_changes_kpi_and_sign_out_hides_data(browser, live_app):
    sign_in(browser, "analyst")
    # Pages open on the last 30 days with data; these numbers are of every day.
    open_page(browser, "/overview?period=all")
    everything = analytics.Selection()
    browser.wait_for_text_to_equal("#overview-kpi-revenue", revenue_for(live_app, everything),
                                   timeout=15)
    browser.select_dcc_dropdown("#overview-filter-brands", value="HKVitals")
    hkvitals = replace(everything, brands=frozenset(["HKVitals"]))
    browser.wait_for_text_to_equal("#overview-kpi-revenue", revenue_for(live_app, hkvitals),
                                   timeout=15)
    assert "brand=HKVitals" in browser.driver.current_url
    sign_out(browser)
    browser.driver.back()
    browser.wait_for_element("body")
    # Back from the sign-in page: the page is fetched again and sends to sign-in.
    browser.wait_for_element("#login-submit", timeout=15)
    assert not texts(browser, "#overview-kpi-revenue")


def test_roles_see_only_what_they_may(browser):
    sign_in(browser, "analyst")
    open_page(browser, "/data")
    browser.wait_for_contains_text("#page-forbidden", "Not allowed", timeout=15)
    sign_out(browser)
    sign_in(browser, "manager")
    browser.wait_for_element("#brands-card-muscleblaze", timeout=15)
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "#brands-card-hkvitals")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "#nav-data")


def hand_over_file(browser, path):
    """What a drop does, minus the gesture: give the files to the page's upload script."""
    browser.driver.execute_script(
        "var input = document.createElement('input'); input.type = 'file';"
        "input.id = 'test-upload'; document.body.appendChild(input);")
    browser.driver.find_element(By.ID, "test-upload").send_keys(str(path))
    browser.driver.execute_script(
        "var input = document.getElementById('test-upload');"
        "window.roiUpload(input.files); input.remove();")


def test_admin_uploads_fixes_commits_and_sees_the_change(browser, live_app, tmp_path):
    sign_in(browser, "admin")
    open_page(browser, "/overview?period=all")
    before = revenue_for(live_app, analytics.Selection())
    browser.wait_for_text_to_equal("#overview-kpi-revenue", before, timeout=15)
    open_page(browser, "/data")
    browser.wait_for_element("#data-dropzone", timeout=15)
    bad = tmp_path / "bad" / "tracking_data.csv"
    bad.parent.mkdir()
    bad.write_text(BAD_TRACKING)
    hand_over_file(browser, bad)
    browser.wait_for_contains_text("#data-problems", "line 3, column orders", timeout=20)
    assert not browser.driver.find_element(By.ID, "data-commit").is_displayed()
    good = tmp_path / "good" / "tracking_data.csv"
    good.parent.mkdir()
    good.write_text(GOOD_TRACKING)
    hand_over_file(browser, good)
    browser.wait_for_element("#data-commit:not([hidden])", timeout=20).click()
    browser.wait_for_contains_text("#data-report-message", "Imported 1 row.", timeout=60)
    browser.wait_for_contains_text("#data-history", "committed", timeout=15)
    open_page(browser, "/overview?period=all")
    after = revenue_for(live_app, analytics.Selection())
    assert after != before
    browser.wait_for_text_to_equal("#overview-kpi-revenue", after, timeout=15)


@pytest.mark.parametrize("path, marker", [
    ("/overview", "#overview-kpi-revenue"),
    ("/roi", "#roi-body"),
    ("/influencers", "#influencers-body"),
    ("/influencers/1", "#influencers-body"),
    ("/insights", "#insights-body"),
    ("/brands", "#brands-card-muscleblaze"),
])
def test_every_analytics_view_renders_for_an_analyst(browser, path, marker):
    sign_in(browser, "analyst")
    open_page(browser, path)
    browser.wait_for_element(marker, timeout=15)
    browser.wait_for_element("#app-page .view-body", timeout=15)
    assert not browser.driver.find_elements(By.CSS_SELECTOR, ".view-error")
    assert "Traceback" not in browser.find_element("#app-page").text


def cli_metrics(app, by, *options):
    """`dashboard metrics --by BY OPTIONS --format json`: the numbers a view must show."""
    result = app.test_cli_runner().invoke(
        args=["metrics", "--by", by, *options, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# (role, view page, filter to change and its value, CLI options for that selection,
#  the element that shows the number, the CLI row and column it must agree with)
FILTERED_NUMBERS = [
    ("admin", "/overview", "platforms", "Instagram", ["--platform", "Instagram"],
     "#overview-kpi-revenue", ("overall", None, "revenue", components.money)),
    ("manager", "/overview", "platforms", "Instagram",
     ["--brand", "MuscleBlaze", "--platform", "Instagram"],
     "#overview-kpi-revenue", ("overall", None, "revenue", components.money)),
    ("analyst", "/roi", "brands", "HKVitals", ["--brand", "HKVitals"],
     "#roi-kpi-roas", ("overall", None, "roas", components.ratio)),
    ("manager", "/brands", "platforms", "Instagram",
     ["--brand", "MuscleBlaze", "--platform", "Instagram"],
     "#brands-muscleblaze-revenue", ("brand", "MuscleBlaze", "revenue", components.money)),
    ("analyst", "/influencers/1", "brands", "HKVitals", ["--brand", "HKVitals"],
     "#influencers-kpi-revenue", ("influencer", "1", "revenue", components.money)),
]


@pytest.mark.parametrize("role, path, control, value, options, shown, source",
                         FILTERED_NUMBERS, ids=[f"{row[0]}{row[1]}" for row in FILTERED_NUMBERS])
def test_a_filter_changes_the_number_to_what_the_cli_says(
        browser, live_app, role, path, control, value, options, shown, source):
    by, key, column, display = source

    def expected(cli_options):
        rows = cli_metrics(live_app, by, *cli_options)
        key_column = {"overall": "key", "influencer": "influencer_id"}.get(by, by)
        row = next(row for row in rows if key is None or row[key_column] == key)
        return display(row[column])

    scope = ["--brand", "MuscleBlaze"] if role == "manager" else []
    before, after = expected(scope), expected(options)
    assert before != after, "the filter must change the number for the test to mean anything"
    sign_in(browser, role)
    open_page(browser, path + "?period=all")
    browser.wait_for_text_to_equal(shown, before, timeout=15)
    view = path.split("/")[1]
    browser.select_dcc_dropdown(f"#{view}-filter-{control}", value=value)
    browser.wait_for_text_to_equal(shown, after, timeout=15)


def test_insights_recommendations_follow_the_filter(browser, live_app):
    everything = analytics.Selection()
    hkvitals = replace(everything, brands=frozenset(["HKVitals"]))
    with live_app.app_context():
        before = [item["text"] for item in insights.recommendations(everything, scope=None)]
        after = [item["text"] for item in insights.recommendations(hkvitals, scope=None)]
    assert before and after and before != after
    sign_in(browser, "analyst")
    open_page(browser, "/insights?period=all")
    browser.wait_for_contains_text("#insights-recommendations", before[0], timeout=15)
    browser.select_dcc_dropdown("#insights-filter-brands", value="HKVitals")
    browser.wait_for_contains_text("#insights-recommendations", after[0], timeout=15)
    shown = browser.find_element("#insights-recommendations").text
    assert all(text in shown for text in after)
    assert not any(text in shown for text in before if text not in after)


# Links to another site anywhere on the page, HTML or SVG (Plotly draws <a> inside SVG).
# A link to a creator whose id holds "evil.example" stays on this site, so it is not one.
EVIL_LINKS = """return Array.from(document.querySelectorAll('a')).map(function (a) {
    return a.getAttribute('href') ||
        a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '';
}).filter(function (href) {
    return new URL(href, document.baseURI).hostname === 'evil.example';
}).length;"""


def test_imported_text_shows_as_text_and_no_chart_sends_data_away(browser, live_app,
                                                                  tmp_path):
    hostile.import_hostile(live_app, tmp_path)
    sign_in(browser, "analyst")
    open_page(browser, "/influencers?period=all")
    browser.wait_for_contains_text("#influencers-grid", hostile.NAME, timeout=15)
    assert browser.driver.execute_script(EVIL_LINKS) == 0
    for path, chart, shown in (("/roi", "#roi-by-group", "Asha"),
                               ("/insights", "#insights-heatmap", "Lifestyle")):
        open_page(browser, path + "?period=all")
        browser.wait_for_contains_text(chart, shown, timeout=15)
        assert browser.driver.execute_script(EVIL_LINKS) == 0, path
        buttons = [button.get_attribute("data-title") for button in
                   browser.driver.find_elements(By.CSS_SELECTOR, ".modebar-btn")]
        assert "Download plot as a PNG" in buttons, path
        assert not [title for title in buttons if "Cloud" in title or "Studio" in title]
    open_page(browser, "/influencers?period=all")
    browser.wait_for_contains_text("#influencers-grid", "Chen", timeout=15)
    # The live app holds the tiny set too, so Chen is there under id 3 as well.
    address = "/influencers/" + hostile.INFLUENCER_ID
    link = next(anchor for anchor in browser.driver.find_elements(
        By.CSS_SELECTOR, "#influencers-grid a")
        if unquote(anchor.get_attribute("href")).split("?")[0].endswith(address))
    assert link.text == "Chen"
    # The grid may still be settling its layout: click it as the page gets a click.
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                                  "arguments[0].click();", link)
    browser.wait_for_text_to_equal("#influencers-name", f"Chen ({hostile.INFLUENCER_ID})",
                                   timeout=15)
