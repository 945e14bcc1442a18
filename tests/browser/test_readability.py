"""Readable at a glance: accessibility (axe-core), chart tool bars, phone width, help, grids."""
import json
import os

import pytest
from selenium.webdriver.common.by import By

from tests.browser.helpers import open_page, sign_in, texts

pytestmark = pytest.mark.browser

AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")
# axe-core reports these impacts as barriers for some users; the pages must have none.
BLOCKING_IMPACTS = ("serious", "critical")
# Known, in Dash itself: each dcc.Dropdown holds an invisible, aria-hidden input that hands
# focus straight on to the dropdown's button (dash/dcc async-dropdown.js), so keyboard users
# are not trapped; axe still flags it. Ignored for that element only.
DASH_DROPDOWN_FOCUS = ("aria-hidden-focus", ".dash-dropdown-focus-target")

ANALYST_PAGES = ["/overview", "/roi", "/influencers", "/influencers/2", "/campaigns",
                 "/insights", "/brands", "/plan", "/glossary", "/views", "/alerts",
                 "/account/reports"]
PAGES_BY_ROLE = {
    "analyst": ANALYST_PAGES,
    "manager": ["/brands", "/overview", "/roi", "/campaigns", "/insights", "/glossary",
                "/alerts"],
    "admin": ["/overview", "/data", "/admin/users", "/admin/audit", "/admin/deliveries",
              "/admin/webhooks", "/glossary"],
}


def wait_for_view(browser):
    """The page's body has been drawn (charts and grids included)."""
    browser.wait_for_element("#app-page h1", timeout=20)
    browser.wait_for_no_elements("._dash-loading", timeout=20)
    browser.driver.execute_script("return document.fonts && document.fonts.ready")


def axe_violations(browser):
    """Run axe-core (served from this repository) on the page; its WCAG A/AA violations."""
    driver = browser.driver
    if not driver.execute_script("return !!window.axe"):
        with open(AXE, encoding="utf-8") as handle:
            driver.execute_script(handle.read())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
        ".then(function (r) { done(JSON.stringify(r.violations)); })"
        ".catch(function (e) { done(JSON.stringify({error: String(e)})); });")
    violations = json.loads(result)
    assert not isinstance(violations, dict), violations
    return violations


def matches(driver, target, selector):
    """Does the element axe names by `target` match the CSS `selector`?"""
    return driver.execute_script(
        "var e = document.querySelector(arguments[0]); return !!(e && e.matches(arguments[1]));",
        target, selector)


def blocking(violations, driver):
    """Serious and critical violations, less the known filter-bar and Dash ones (above)."""
    found = []
    for violation in violations:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        nodes = violation["nodes"]
        if violation["id"] == DASH_DROPDOWN_FOCUS[0] and all(
                matches(driver, node["target"][0], DASH_DROPDOWN_FOCUS[1]) for node in nodes):
            continue
        found.append((violation["id"], violation["help"],
                      [node["target"] for node in nodes][:5]))
    return found


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_every_main_page_passes_axe_for_each_role(browser, role):
    sign_in(browser, role)
    problems = {}
    for path in PAGES_BY_ROLE[role]:
        open_page(browser, path)
        wait_for_view(browser)
        found = blocking(axe_violations(browser), browser.driver)
        if found:
            problems[path] = found
        headings = browser.driver.find_elements(By.TAG_NAME, "h1")
        assert len(headings) == 1, (path, [h.text for h in headings])
    assert not problems, "\n".join(
        f"{path}: {rule} ({summary}) at {targets}" for path, found in problems.items()
        for rule, summary, targets in found)


# ---- on the shipped sample (40 creators, two named Saanvi Joshi) ---------------------------

@pytest.fixture
def sample(dash_duo, sqlite_url, tmp_path):
    """dash_duo serving the app with data/ (the README's sample) imported."""
    from dashboard import demo
    from tests.helpers import create_users, make_test_app

    app = make_test_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    create_users(app)
    with app.app_context():
        assert not demo.load_sample().errors
    dash_duo.start_server(app.extensions["dash_app"], navigate=False)
    yield dash_duo
    app.extensions["database_engine"].dispose()


def rect(driver, element):
    return driver.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,"
        " width: r.width, height: r.height};", element)


def overlap(first, second):
    return not (first["right"] <= second["left"] or second["right"] <= first["left"]
                or first["bottom"] <= second["top"] or second["bottom"] <= first["top"])


CHART_TOOLS = """
    function box(element) {
      var r = element.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }
    return Array.from(document.querySelectorAll('.js-plotly-plot')).map(chart => ({
      id: chart.parentElement ? chart.parentElement.id : '',
      titles: Array.from(chart.querySelectorAll('.modebar-btn'))
        .map(b => b.getAttribute('data-title')),
      legends: Array.from(chart.querySelectorAll('g.legend')).map(box),
      modebars: Array.from(chart.querySelectorAll('.modebar')).map(box)}));"""


def test_no_chart_button_sends_data_off_the_server_and_legends_stay_clear(sample):
    sample.driver.set_window_size(1440, 900)
    sign_in(sample, "analyst")
    for path in ("/overview", "/roi", "/insights", "/brands", "/influencers/INF00001"):
        open_page(sample, path)
        wait_for_view(sample)
        sample.wait_for_element(".js-plotly-plot .main-svg", timeout=20)
        # Read in one go in the page: a chart drawn again meanwhile cannot go stale.
        charts = sample.driver.execute_script(CHART_TOOLS)
        assert charts, path
        for chart in charts:
            # One button: the PNG, made in the browser. Nothing for Chart Studio or the cloud.
            assert chart["titles"] == ["Download plot as a PNG"], (path, chart)
            for legend in chart["legends"]:
                for bar in chart["modebars"]:
                    assert not overlap(legend, bar), (path, chart["id"])
        links = sample.driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
            ".filter(h => /plot\\.ly|plotly\\.com|chart-studio/.test(h));")
        assert links == [], (path, links)


def test_charts_read_at_a_glance(sample):
    """Round aligned ticks, no negative money, ₹ in lakh/crore, weeks named, unified hover."""
    sign_in(sample, "analyst")
    open_page(sample, "/overview?period=all")
    wait_for_view(sample)
    sample.wait_for_element("#overview-trend .main-svg", timeout=20)
    layout = sample.driver.execute_script(
        "var g = document.querySelector('#overview-trend .js-plotly-plot');"
        "return {layout: g.layout, left: g._fullLayout.yaxis.range,"
        " right: g._fullLayout.yaxis2.range,"
        " ticks: Array.from(g.querySelectorAll('.yaxislayer-above .ytick text'))"
        ".map(t => t.textContent),"
        " rticks: Array.from(g.querySelectorAll('.overaxes-above .y2tick text, "
        ".yaxislayer-above .y2tick text')).map(t => t.textContent),"
        " xticks: Array.from(g.querySelectorAll('.xtick text')).map(t => t.textContent)};")
    assert layout["layout"]["hovermode"] == "x unified"
    assert layout["left"][0] == 0 and layout["right"][0] == 0
    assert len(layout["layout"]["yaxis"]["tickvals"]) == len(layout["layout"]["yaxis2"]["tickvals"])
    # The sample spans two years: weekly buckets, named by their Monday.
    assert all(text.startswith("Week of ") for text in layout["xticks"]), layout["xticks"]
    assert any(text.endswith(" L") for text in layout["ticks"]), layout["ticks"]
    for text in layout["rticks"]:
        assert text.endswith("×") and len(text.rstrip("×").partition(".")[2]) <= 2, text
    open_page(sample, "/roi")
    wait_for_view(sample)
    sample.wait_for_element("#roi-by-group .main-svg", timeout=20)
    chart = sample.driver.execute_script(
        "var g = document.querySelector('#roi-by-group .js-plotly-plot');"
        "return {orientation: g.data[0].orientation, names: g.data[0].y,"
        " scatter: g._fullLayout.yaxis.range, xscatter: g._fullLayout.xaxis.range};")
    # Creator names read across, with the id: no 90° rotated names.
    assert chart["orientation"] == "h"
    assert any(name == "Saanvi Joshi (INF00029)" or name.startswith("Saanvi Joshi (INF")
               for name in chart["names"]), chart["names"]
    scatter = sample.driver.execute_script(
        "var g = document.querySelector('#roi-scatter .js-plotly-plot');"
        "return [g._fullLayout.xaxis.range[0], g._fullLayout.yaxis.range[0]];")
    assert scatter == [0, 0]


def test_tables_name_creators_with_ids_and_fit_at_1440(sample):
    sample.driver.set_window_size(1440, 900)
    sign_in(sample, "analyst")
    open_page(sample, "/roi")
    wait_for_view(sample)
    sample.wait_for_element("#roi-table .ag-cell", timeout=20)
    driver = sample.driver
    names = texts(sample, "#roi-table .ag-cell[col-id=name]")
    joshis = [name for name in names if name.startswith("Saanvi Joshi (")]
    assert len(joshis) == 2 and len(set(joshis)) == 2, names
    cut = driver.execute_script(
        "return Array.from(document.querySelectorAll('#roi-table .ag-header-cell-text,"
        " #roi-table .ag-cell[col-id=name] a, #roi-table .ag-cell[col-id=name]'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent);")
    assert cut == []
    # 40 creators, 20 a page: the page-size box shows its size, not a blank.
    size = driver.execute_script(
        "var box = document.querySelector('#roi-table .ag-paging-page-size');"
        "return box ? box.innerText.trim() : null;")
    assert size and "20" in size, size


def test_phone_overview_fits_390_px(sample):
    driver = sample.driver
    sign_in(sample, "analyst")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    try:
        open_page(sample, "/overview")
        wait_for_view(sample)
        sample.wait_for_element("#overview-top-campaigns .ag-cell", timeout=20)
        width = driver.execute_script("return window.innerWidth")
        wide = driver.execute_script(
            "return Array.from(document.querySelectorAll('body *')).filter(e => "
            "e.getBoundingClientRect().right > 391).slice(0, 15).map(e => e.tagName + '#' + "
            "e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));")
        assert width == 390, wide
        for selector in ("#overview-kpis", "#overview-top-campaigns"):
            box = rect(driver, driver.find_element(By.CSS_SELECTOR, selector))
            assert box["right"] <= width + 1, (selector, box)
        # KPI numbers on one line, whole: no wrap, no cut.
        for value in driver.find_elements(By.CSS_SELECTOR, "#overview-kpis .kpi-value"):
            line = driver.execute_script(
                "var e = arguments[0], s = getComputedStyle(e);"
                "return [e.scrollWidth <= e.clientWidth + 1,"
                " e.getBoundingClientRect().height < 2 * parseFloat(s.fontSize)];", value)
            assert line == [True, True], value.text
        # The table keeps its key columns in view: the campaign and its ROAS.
        for column in ("campaign", "roas"):
            header = driver.find_element(
                By.CSS_SELECTOR, f"#overview-top-campaigns .ag-header-cell[col-id={column}]")
            box = rect(driver, header)
            assert 0 <= box["left"] and box["right"] <= width + 1, (column, box)
        assert driver.execute_script(
            "return document.scrollingElement.scrollWidth") <= width + 1
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("role", ["analyst", "manager", "admin"])
def test_help_for_every_role(sample, role):
    """The glossary is in the navbar for every role; KPI cards and headers carry help."""
    sign_in(sample, role)
    sample.wait_for_element("#nav-glossary").click()
    sample.wait_for_element("#glossary-terms")
    terms = texts(sample, "#glossary-terms dt")
    assert "ROAS (return on ad spend)" in terms and "Small sample" in terms
    open_page(sample, "/overview")
    wait_for_view(sample)
    link = sample.wait_for_element("#overview-kpis .help-link")
    assert link.get_attribute("title") and "/glossary#" in link.get_attribute("href")
    explained = sample.wait_for_element("#overview-incremental-help").text
    assert "Incremental ROAS (baseline 20%)" in explained and "20% of sales" in explained
    sample.wait_for_element("#overview-top-campaigns .ag-header-cell")
    tooltips = sample.driver.execute_script(
        "return Array.from(document.querySelectorAll('#overview-top-campaigns "
        ".ag-header-cell[col-id=roas]')).length")
    assert tooltips == 1


def test_insights_caution_small_samples_and_name_ids(sample):
    sign_in(sample, "analyst")
    open_page(sample, "/insights?start=2025-12-01&end=2025-12-31")
    wait_for_view(sample)
    items = texts(sample, "#insights-recommendations .list-group-item")
    assert items
    for item in items:
        if "Small sample" in item:
            assert "fewer than 30 orders or 3 posts" in item
    assert any("Small sample: 1 order and" in item for item in items), items
    creator_items = [item for item in items if item.startswith(
        ("Scale up", "Renegotiate", "Fix conversion"))]
    assert all("(INF" in item for item in creator_items), creator_items


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_unattributed_is_explained_where_it_shows(sample, role):
    sign_in(sample, role)
    open_page(sample, "/overview?period=all")
    wait_for_view(sample)
    note = sample.wait_for_element("#overview-brand-unattributed").text
    # ₹1,21,200 of payouts to creators without a single sale (README's sample).
    assert "₹1.2 L paid to creators who have no sales at all" in note, note
    open_page(sample, "/brands?period=all")
    wait_for_view(sample)
    assert "no sales at all" in sample.wait_for_element(
        "#brands-unattributed-unattributed").text
    open_page(sample, "/roi?period=all")
    wait_for_view(sample)
    sample.find_element("#roi-dimension input[value=campaign]").click()
    assert "campaigns by" in sample.wait_for_element("#roi-table-unattributed").text
    # Top campaigns by revenue list no campaign that sold nothing.
    open_page(sample, "/overview?start=2025-12-01&end=2025-12-31")
    wait_for_view(sample)
    sample.wait_for_element("#overview-top-campaigns .ag-cell")
    assert "Unattributed" not in texts(sample, "#overview-top-campaigns .ag-cell[col-id=campaign]")
