"""Browser: filters that follow the person (links, navbar, drill-down), recent periods by
default, the phone layout, campaign pages and saved views, per role."""
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import analytics
from dashboard.analytics import queries
from layouts import components
from tests.browser.helpers import open_page, sign_in, sign_out, wait_for_filters

pytestmark = pytest.mark.browser
SCOPES = {"admin": None, "analyst": None, "manager": frozenset({"MuscleBlaze"})}
ROLES = ("admin", "analyst", "manager")


def default_selection(app, role):
    """What a page opens on: the last 30 days with data the role can see."""
    with app.app_context():
        first, last = queries.date_span(SCOPES[role])
    return analytics.Selection(period="last30").resolved(first, last)


def kpi_text(app, role, selection, metric="revenue"):
    with app.app_context():
        overall = analytics.metrics(selection, "overall", scope=SCOPES[role])
    value = overall.iloc[0][metric] if len(overall) else None
    return components.formatted(value, dict((m, k) for m, _l, k, _h in components.KPIS)[metric])


def query_of(browser):
    return parse_qs(urlsplit(browser.driver.current_url).query)


def wait_until(browser, condition, timeout=15):
    WebDriverWait(browser.driver, timeout).until(lambda _driver: condition())


def click(browser, element):
    """A click as the page gets it, wherever the element is on a long page."""
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                                  "arguments[0].click();", element)


def click_link(browser, selector, attempts=5):
    """Click the first link `selector` finds and return its text. A page may draw its body
    again just after the first draw (on a slow machine, after the link was found): then
    the link is found again."""
    for attempt in range(attempts):
        try:
            link = browser.wait_for_element(selector, timeout=15)
            text = link.text
            click(browser, link)
            return text
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise


def wait_for_query(browser, name, value, timeout=15):
    wait_until(browser, lambda: value in query_of(browser).get(name, []), timeout=timeout)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_default_overview_is_the_last_30_days_with_data_and_compares(browser, live_app, role):
    sign_in(browser, role)
    open_page(browser, "/overview")
    selection = default_selection(live_app, role)
    browser.wait_for_text_to_equal("#overview-kpi-revenue",
                                   kpi_text(live_app, role, selection), timeout=15)
    change = browser.find_element("#overview-kpi-revenue-change").text
    assert "previous 30 days" in change and "no earlier period" not in change
    # The page says where the data ends, and the menu offers the presets.
    span = browser.find_element("#overview-filter-data-span").text
    assert f"up to {selection.data_end:%d %b %Y}" in span
    assert "Last 30 days" in browser.find_element("#overview-filter-period").text
    browser.find_element("#overview-filter-period").click()
    offered = browser.driver.find_element(By.CSS_SELECTOR, "#overview-filter-period").text
    offered += " ".join(e.text for e in browser.driver.find_elements(
        By.CSS_SELECTOR, "[role=option], .dash-dropdown-option"))
    for words in analytics.PERIODS.values():
        assert words in offered, words
    assert browser.driver.title == "Overview · Influencer ROI"


def test_presets_comparison_and_trend_step_live_in_the_link(browser, live_app):
    sign_in(browser, "analyst")
    open_page(browser, "/overview")
    wait_for_filters(browser, "overview")
    browser.select_dcc_dropdown("#overview-filter-period", value="All time")
    wait_for_query(browser, "period", "all")
    browser.wait_for_text_to_equal("#overview-kpi-revenue", kpi_text(
        live_app, "analyst", analytics.Selection()), timeout=15)
    # The dates follow the period: empty for all time.
    wait_until(browser, lambda: not browser.find_element(
        "#overview-filter-start").get_attribute("value"), timeout=10)
    browser.select_dcc_dropdown("#overview-filter-period", value="Last month")
    wait_for_query(browser, "period", "last_month")
    selection = default_selection(live_app, "analyst")
    first, last = analytics.period_range("last_month", selection.data_end)
    wait_until(browser, lambda: browser.find_element("#overview-filter-start")
                .get_attribute("value") == first.isoformat(), timeout=10)
    click(browser, browser.driver.find_element(By.CSS_SELECTOR,
                                               "#overview-filter-compare input[value=year]"))
    wait_for_query(browser, "compare", "year")
    browser.wait_for_contains_text("#overview-kpi-revenue-change", "same days last year",
                                   timeout=15)
    click(browser, browser.driver.find_element(By.CSS_SELECTOR,
                                               "#overview-filter-freq input[value=week]"))
    wait_for_query(browser, "freq", "week")
    # The link alone brings the same view back.
    url = browser.driver.current_url
    open_page(browser, "/roi")
    browser.driver.get(url)
    browser.wait_for_contains_text("#overview-kpi-revenue-change", "same days last year",
                                   timeout=15)
    assert "Last month" in browser.find_element("#overview-filter-period").text


@pytest.mark.parametrize("role", ROLES)
def test_navbar_keeps_brand_and_platform_filters(browser, live_app, role):
    sign_in(browser, role)
    open_page(browser, "/overview?period=all&brand=MuscleBlaze&platform=Instagram")
    browser.wait_for_element("#overview-kpi-revenue", timeout=15)
    # The link itself says where it goes, filters included, before any hover.
    wait_until(browser, lambda: "brand=MuscleBlaze&platform=Instagram" in (
        browser.find_element("#nav-roi").get_attribute("href") or ""), timeout=5)
    browser.find_element("#nav-roi").click()
    browser.wait_for_element("#roi-body .kpi-card", timeout=15)
    query = query_of(browser)
    assert query["brand"] == ["MuscleBlaze"] and query["platform"] == ["Instagram"]
    assert query["period"] == ["all"]
    assert "MuscleBlaze" in browser.find_element("#roi-filter-brands").text
    assert "Instagram" in browser.find_element("#roi-filter-platforms").text
    wait_until(browser, lambda: browser.driver.title == "ROI · Influencer ROI", timeout=5)
    # A filter changed on this page goes along to the next one too.
    browser.select_dcc_dropdown("#roi-filter-tiers", value="micro")
    wait_for_query(browser, "tier", "micro")
    browser.find_element("#nav-influencers").click()
    browser.wait_for_element("#influencers-body", timeout=15)
    wait_until(browser, lambda: query_of(browser).get("tier") == ["micro"], timeout=10)
    assert browser.driver.title == "Creators · Influencer ROI"


def test_roi_compare_by_is_in_the_link_and_a_bad_one_is_noted(browser, live_app):
    sign_in(browser, "analyst")
    open_page(browser, "/roi?period=all&by=campaign")
    browser.wait_for_contains_text("#roi-body", "by campaign", timeout=15)
    click(browser, browser.driver.find_element(By.CSS_SELECTOR,
                                               "#roi-dimension input[value=platform]"))
    wait_for_query(browser, "by", "platform")
    open_page(browser, "/roi?by=colour&period=soon")
    notes = browser.wait_for_element("#roi-filter-notes", timeout=15).text
    assert "'colour'" in notes and "'soon'" in notes
    assert not browser.driver.find_elements(By.CSS_SELECTOR, ".view-error")


@pytest.mark.parametrize("role", ROLES)
def test_drill_down_keeps_the_filters(browser, live_app, role):
    sign_in(browser, role)
    # A platform row of the ROI table opens the overview for that platform.
    open_page(browser, "/roi?period=all&by=platform&tier=micro")
    platform = click_link(browser, "#roi-table a")
    browser.wait_for_element("#overview-kpi-revenue", timeout=15)
    query = query_of(browser)
    assert urlsplit(browser.driver.current_url).path == "/overview"
    assert query["platform"] == [platform] and query["tier"] == ["micro"]
    # A campaign row opens the campaign's page with the same filters.
    open_page(browser, "/overview?period=all")
    campaign = click_link(browser, "#overview-top-campaigns a")
    browser.wait_for_text_to_equal("#campaigns-name", campaign, timeout=15)
    assert query_of(browser)["period"] == ["all"]
    # A creator in the campaign opens the creator's page, filters kept.
    click_link(browser, "#campaigns-creators a")
    browser.wait_for_element("#influencers-name", timeout=15)
    assert query_of(browser)["period"] == ["all"]
    # A bar of a chart: the brand bar opens the brands page for that brand.
    open_page(browser, "/overview?period=all")
    wait_until(browser, lambda: browser.driver.execute_script(
        "var g = document.querySelector('#overview-by-brand .js-plotly-plot');"
        "return !!(g && g.layout && g.layout.meta && g.on);"))
    clicked = []

    def opened_a_brand():
        # On a slow machine the chart may be drawn again just after the first click, which
        # then goes to the figure being replaced: click again until the page moves on.
        if query_of(browser).get("brand"):
            return True
        clicked.append(browser.driver.execute_script("""
            var graph = document.querySelector('#overview-by-brand .js-plotly-plot');
            if (!graph || !graph.on || !graph.data) return null;
            var brand = graph.data[0].x[0];
            graph.emit('plotly_click', {points: [{x: brand, label: brand,
                                                  curveNumber: 0, pointNumber: 0}]});
            return brand;"""))
        return False

    wait_until(browser, opened_a_brand, timeout=30)
    brand = [name for name in clicked if name][-1]
    assert query_of(browser)["brand"] == [brand]
    assert urlsplit(browser.driver.current_url).path == "/brands"
    assert len(query_of(browser)["brand"]) == 1
    # A point of the ROI scatter opens its creator (found by the point's number), the
    # filters kept.
    open_page(browser, "/roi?period=all&by=influencer")
    wait_until(browser, lambda: browser.driver.execute_script(
        "var g = document.querySelector('#roi-scatter .js-plotly-plot');"
        "return !!(g && g.layout && g.layout.meta && g.on);"))
    names = []

    def opened_a_creator():
        # Clicked again until the page moves on, as the brand bar above.
        if urlsplit(browser.driver.current_url).path.startswith("/influencers/"):
            return True
        names.append(browser.driver.execute_script("""
            var graph = document.querySelector('#roi-scatter .js-plotly-plot');
            if (!graph || !graph.on || !graph.data || !graph.data[1]) return null;
            var points = graph.data[1];
            var last = points.text.length - 1;
            graph.emit('plotly_click', {points: [{x: 0, y: 0, text: points.text[last],
                                                  curveNumber: 1, pointNumber: last}]});
            return points.text[last];"""))
        return False

    wait_until(browser, opened_a_creator, timeout=30)
    creator = [name for name in names if name][-1].rsplit(" (", 1)[1].rstrip(")")
    assert urlsplit(browser.driver.current_url).path == f"/influencers/{creator}"
    assert query_of(browser)["period"] == ["all"]


@pytest.mark.parametrize("role", ROLES)
def test_a_phone_sized_page_folds_the_filters_and_never_scrolls_sideways(browser, live_app,
                                                                        role):
    sign_in(browser, role)
    browser.driver.set_window_size(390, 844)
    width = browser.driver.execute_script("return window.innerWidth")
    for path, view in (("/overview", "overview"), ("/roi", "roi"),
                       ("/influencers", "influencers"), ("/campaigns", "campaigns"),
                       ("/brands", "brands"), ("/insights", "insights")):
        open_page(browser, path)
        browser.wait_for_element(f"#{view}-body > *", timeout=15)
        assert not browser.find_element(f"#{view}-filter-period").is_displayed(), path
        toggle = browser.find_element(f"#{view}-filter-toggle")
        assert toggle.is_displayed() and toggle.text == "Filters"
        scroll = browser.driver.execute_script(
            "return document.documentElement.scrollWidth")
        assert scroll <= width, (path, scroll)
    toggle.click()
    wait_until(browser, lambda: browser.find_element("#insights-filter-period").is_displayed(),
                     timeout=5)
    assert browser.driver.execute_script(
        "return document.documentElement.scrollWidth") <= width


def test_filter_controls_have_labels(browser, live_app):
    sign_in(browser, "analyst")
    open_page(browser, "/overview")
    browser.wait_for_element("#overview-kpi-revenue", timeout=15)
    wait_for_filters(browser, "overview")
    names = browser.driver.execute_script("""
        function name(el) {
          if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
          if (el.getAttribute('aria-labelledby')) return el.getAttribute('aria-labelledby')
            .split(' ').map(function (i) { var l = document.getElementById(i);
                                            return l ? l.textContent : ''; }).join(' ');
          if (el.id) { var l = document.querySelector('label[for="' + el.id + '"]');
                       if (l) return l.textContent; }
          var wrap = el.closest('label'); if (wrap) return wrap.textContent;
          if (el.tagName === 'BUTTON') return el.textContent;
          return el.getAttribute('placeholder') || el.getAttribute('title') || '';
        }
        return Array.from(document.querySelectorAll(
          '#overview-filter-bar input:not([type=hidden]):not([aria-hidden=true]), ' +
          '#overview-filter-bar [role=slider], #overview-filter-bar button, ' +
          '#overview-filter-bar [role=radiogroup]'))
          .map(function (el) { return [el.id || el.className, name(el).trim()]; });""")
    assert len(names) > 10 and all(label for _id, label in names), names
    named = dict(names)
    # Each dropdown says what it is, then its value; the radio groups say what they pick.
    assert named["overview-filter-period"].startswith("Period")
    assert named["overview-filter-brands"].startswith("Brands")
    assert named["overview-filter-compare"] == "Compare with"
    slider = [label for key, label in names if "slider" in key or "range" in key]
    assert slider and all(label.startswith("Baseline share (%)") for label in slider), names
    dates = browser.driver.execute_script("""
        return ['start', 'end'].map(function (n) {
          var input = document.getElementById("overview-filter-" + n);
          return input.getAttribute('aria-label') || input.getAttribute('placeholder'); });""")
    assert dates == ["From", "To"]
    # The slider and its box speak percent.
    box = browser.driver.find_elements(By.CSS_SELECTOR, "#overview-filter-baseline input")
    if box:
        assert box[0].get_attribute("value") in ("20", "20.0")


def test_a_manager_sees_campaigns_of_their_brands_only(browser, live_app):
    sign_in(browser, "manager")
    open_page(browser, "/campaigns?period=all")
    browser.wait_for_element("#campaigns-grid", timeout=15)
    shown = browser.find_element("#campaigns-grid").text
    assert "MB_Jan" in shown and "HKV_Feb" not in shown
    open_page(browser, "/campaigns/HKV_Feb?period=all")
    browser.wait_for_contains_text("#campaigns-missing", "no campaign with this name",
                                   timeout=15)
    open_page(browser, "/campaigns/MB_Jan?period=all")
    browser.wait_for_text_to_equal("#campaigns-name", "MB_Jan", timeout=15)
    with live_app.app_context():
        profile = analytics.campaign_profile("MB_Jan", analytics.Selection(),
                                             scope=SCOPES["manager"])
    assert browser.find_element("#campaigns-kpi-revenue").text == components.money(
        profile["kpis"]["revenue"])


def test_saved_view_is_kept_shared_by_an_admin_and_opened_within_scope(browser, live_app):
    sign_in(browser, "admin")
    open_page(browser, "/roi?period=all&brand=HKVitals&brand=MuscleBlaze&by=campaign")
    browser.wait_for_contains_text("#roi-body", "by campaign", timeout=15)
    browser.find_element("#roi-filter-toggle")  # present, folded away only on phones
    browser.find_element("#roi-save-name").send_keys("Two brands by campaign")
    browser.find_element("#roi-save").click()
    browser.wait_for_contains_text("#roi-save-result", "Saved as", timeout=15)
    open_page(browser, "/views")
    browser.wait_for_contains_text("#views-table", "Two brands by campaign", timeout=15)
    browser.select_dcc_dropdown(".saved-views-share", value="Every manager")
    browser.wait_for_contains_text("#views-message", "offered to every manager", timeout=15)
    sign_out(browser)
    sign_in(browser, "manager")
    open_page(browser, "/views")
    link = browser.wait_for_element(".saved-view-link", timeout=15)
    assert link.text == "Two brands by campaign"
    # A manager cannot share or delete someone else's view.
    assert not browser.driver.find_elements(By.CSS_SELECTOR, ".saved-views-share")
    link.click()
    browser.wait_for_contains_text("#roi-body", "by campaign", timeout=15)
    # The view named HKVitals too; the manager still sees MuscleBlaze only.
    brands = browser.find_element("#roi-filter-brands").text
    assert "MuscleBlaze" in brands and "HKVitals" not in brands
    assert "HKV_Feb" not in browser.find_element("#roi-table").text


def test_a_recommendation_opens_the_creator_or_platform_it_names(browser, live_app):
    sign_in(browser, "analyst")
    open_page(browser, "/insights?period=all&baseline=0.3")
    link = browser.wait_for_element(".insights-recommendation-link", timeout=15)
    click(browser, link)
    wait_until(browser, lambda: urlsplit(browser.driver.current_url).path != "/insights")
    path = urlsplit(browser.driver.current_url).path
    assert path.startswith("/influencers/") or path == "/overview", path
    assert query_of(browser)["period"] == ["all"] and query_of(browser)["baseline"] == ["0.3"]
    browser.wait_for_element("#app-page .view-body > *", timeout=15)
    assert not browser.driver.find_elements(By.CSS_SELECTOR, ".view-error")
