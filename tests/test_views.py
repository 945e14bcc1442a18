"""The dashboard views: layouts per role, callbacks through Dash's HTTP endpoint, brand scope."""
import json
import pathlib
import pickle
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from dashboard import analytics, auth, importing
from layouts import components
from tests import hostile as hostile_data
from tests.helpers import (TINY, body_of, expected_rows, find, ids_in, import_tiny, route,
                           text_of, update_view)

ANALYTICS_VIEWS = ["/overview", "/roi", "/influencers", "/influencers/1", "/insights",
                   "/brands", "/campaigns", "/campaigns/MB_Jan"]


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
def test_every_view_renders_for_each_role(client, tiny, role):
    tiny.login(role)
    for pathname in ANALYTICS_VIEWS:
        page = route(client, pathname).get_json()["response"]["app-page"]["children"]
        view = pathname.split("/")[1]
        assert find(page, f"{view}-page") is not None, (role, pathname)
        assert find(page, f"{view}-filter-brands") is not None
    data_page = route(client, "/data").get_json()["response"]["app-page"]["children"]
    if role == "admin":
        assert find(data_page, "data-dropzone") is not None
        assert "MB" in json.dumps(find(data_page, "data-limit"))
    else:
        assert find(data_page, "page-forbidden") is not None


def test_every_component_id_carries_its_view_prefix(client, tiny):
    tiny.login("admin")
    for pathname in ANALYTICS_VIEWS + ["/data"]:
        view = pathname.split("/")[1]
        page = route(client, pathname).get_json()["response"]["app-page"]["children"]
        assert all(i.startswith(f"{view}-") for i in ids_in(page)), pathname


def test_overview_kpis_match_the_metrics(client, tiny):
    tiny.login("analyst")
    body = body_of(update_view(client, "overview"), "overview")
    overall = expected_rows("overall.csv")[0]
    assert text_of(find(body, "overview-kpi-revenue")) == components.money(
        float(overall["revenue"]))
    assert text_of(find(body, "overview-kpi-spend")) == "₹8,800"
    assert text_of(find(body, "overview-kpi-roas")) == components.ratio(float(overall["roas"]))
    assert text_of(find(body, "overview-kpi-orders")) == "18"
    assert text_of(find(body, "overview-kpi-engagement_rate")) == "6.5%"
    # No dates: nothing earlier to compare with.
    assert text_of(find(body, "overview-kpi-revenue-change")) == "no earlier period to compare"


def test_overview_february_compares_with_the_28_days_before(app, client, tiny):
    tiny.login("analyst")
    response = update_view(client, "overview", {"start": "2025-02-01", "end": "2025-02-28"})
    body = body_of(response, "overview")
    february = expected_rows("overall_feb.csv")[0]
    assert text_of(find(body, "overview-kpi-revenue")) == components.money(
        float(february["revenue"]))
    with_previous = analytics.Selection.from_query("start=2025-01-04&end=2025-01-31")
    with app.app_context():
        january = analytics.metrics(with_previous, "overall", scope=None).iloc[0]
    change = (float(february["revenue"]) - january["revenue"]) / january["revenue"]
    assert text_of(find(body, "overview-kpi-revenue-change")) == (
        f"▼ {abs(change) * 100:,.1f}% on the previous 28 days")
    assert response.get_json()["response"]["overview-url"]["search"] == (
        "?start=2025-02-01&end=2025-02-28")


def test_empty_selection_says_so_in_plain_words(client, tiny):
    tiny.login("analyst")
    body = body_of(update_view(client, "overview", {"start": "2020-01-01",
                                                     "end": "2020-01-31"}), "overview")
    assert components.EMPTY_SELECTION in json.dumps(body, ensure_ascii=False)


def test_roi_baseline_slider_changes_incremental_roas(client, tiny):
    tiny.login("analyst")
    dimension = [{"id": "roi-dimension", "property": "value", "value": "platform"}]
    overall = expected_rows("overall.csv")[0]
    revenue, spend = float(overall["revenue"]), float(overall["spend"])
    for baseline in (0.2, 0.35):
        body = body_of(update_view(client, "roi", {"baseline": baseline * 100},
                                   inputs=dimension),
                       "roi")
        assert text_of(find(body, "roi-kpi-incremental_roas")) == components.ratio(
            revenue * (1 - baseline) / spend)
    grid = {row["platform"]: row for row in find(body, "roi-table")["props"]["rowData"]}
    expected = {row["platform"]: row for row in expected_rows("platform.csv")}
    assert grid.keys() == expected.keys()
    for platform, row in expected.items():
        assert grid[platform]["roas"] == pytest.approx(float(row["roas"]), rel=1e-9)
    # The table lists the groups that bring the most revenue first.
    revenues = [row["revenue"] for row in find(body, "roi-table")["props"]["rowData"]]
    assert revenues == sorted(revenues, reverse=True)


def test_creator_page_shows_profile_and_payout_reconciliation(client, tiny):
    tiny.login("analyst")
    key = [{"id": "influencers-key", "property": "data", "value": "2"}]
    body = body_of(update_view(client, "influencers", state=key), "influencers")
    assert text_of(find(body, "influencers-name")) == "Bilal (2)"
    influencer = {row["influencer_id"]: row for row in expected_rows("influencer.csv")}["2"]
    assert text_of(find(body, "influencers-kpi-revenue")) == components.money(
        float(influencer["revenue"]))
    # Bilal is paid 500 per order for 6 orders = 3,000, exactly what was paid.
    assert find(body, "influencers-payouts")["props"]["rowData"][0]["difference"] == 0


def test_creators_grid_links_each_row_with_tier_and_score(client, tiny):
    tiny.login("analyst")
    key = [{"id": "influencers-key", "property": "data", "value": None}]
    body = body_of(update_view(client, "influencers", state=key), "influencers")
    rows = find(body, "influencers-grid")["props"]["rowData"]
    by_id = {row["influencer_id"]: row for row in rows}
    assert by_id["2"]["name"] == "Bilal"
    name_column = next(column for column in find(body, "influencers-grid")["props"][
        "columnDefs"] if column["field"] == "name")
    assert name_column["cellRenderer"] == "RowLink"
    # The link keeps the filters: none here but all time.
    assert name_column["cellRendererParams"] == {"prefix": "/influencers/",
                                                 "keyField": "influencer_id",
                                                 "search": "?period=all", "param": None}
    assert by_id["2"]["tier"] == "mega"
    expected = {row["influencer_id"]: row for row in expected_rows("influencer.csv")}
    for influencer_id, row in by_id.items():
        assert row["performance_score"] == pytest.approx(
            float(expected[influencer_id]["performance_score"]), rel=1e-9)


def test_insights_show_recommendations_and_heatmap(client, tiny):
    tiny.login("analyst")
    body = body_of(update_view(client, "insights"), "insights")
    assert find(body, "insights-recommendations") is not None
    heatmap = find(body, "insights-heatmap")["props"]["figure"]["data"][0]
    assert "Fitness" in heatmap["y"]


def test_manager_sees_only_their_brand(client, tiny):
    tiny.login("manager")
    # The manager's home is the brand page.
    page = route(client, "/").get_json()["response"]["app-page"]["children"]
    assert find(page, "brands-page") is not None
    assert find(page, "brands-filter-brands")["props"]["options"] == ["MuscleBlaze"]
    body = body_of(update_view(client, "brands"), "brands")
    assert find(body, "brands-card-muscleblaze") is not None
    assert find(body, "brands-card-hkvitals") is None
    muscleblaze = {row["brand"]: row for row in expected_rows("brand.csv")}["MuscleBlaze"]
    assert text_of(find(body, "brands-muscleblaze-revenue")) == components.money(
        float(muscleblaze["revenue"]))
    # A shared link naming another brand shows nothing of it, in the control or the numbers.
    page = route(client, "/overview", "?brand=HKVitals").get_json()["response"]["app-page"][
        "children"]
    assert find(page, "overview-filter-brands")["props"]["value"] == []
    body = body_of(update_view(client, "overview", {"brands": ["HKVitals"]}), "overview")
    assert find(body, "overview-kpi-revenue") is None
    assert "No orders in this selection" in json.dumps(body, ensure_ascii=False)
    body = body_of(update_view(client, "overview"), "overview")
    assert text_of(find(body, "overview-kpi-revenue")) == "₹18,500"
    # Dev sells only HKVitals: his page does not exist for this manager.
    key = [{"id": "influencers-key", "property": "data", "value": "4"}]
    body = body_of(update_view(client, "influencers", state=key), "influencers")
    assert find(body, "influencers-missing") is not None


def test_export_links_follow_the_export_permission(client, tiny, monkeypatch):
    tiny.login("analyst")
    body = body_of(update_view(client, "overview"), "overview")
    assert "/export/overview/top_campaigns.csv" in json.dumps(body)
    monkeypatch.setitem(auth.ACTION_ROLES, "export", {"admin"})
    body = body_of(update_view(client, "overview"), "overview")
    assert "/export/" not in json.dumps(body)


def test_callback_error_shows_a_reference_not_a_trace(client, tiny, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database exploded at secret_table")

    monkeypatch.setattr(analytics, "overview", broken)
    tiny.login("analyst")
    response = update_view(client, "overview")
    text = json.dumps(body_of(response, "overview"))
    assert "could not be loaded" in text and "error number" in text
    assert "secret_table" not in text and "Traceback" not in text


def test_a_view_body_is_built_once_per_data_version(app, client, tiny, monkeypatch,
                                                    tmp_path):
    from layouts import overview as overview_layout

    builds = []
    real_body = overview_layout.body

    def counted_body(*args):
        builds.append(1)
        return real_body(*args)

    monkeypatch.setattr(overview_layout, "body", counted_body)
    tiny.login("analyst")
    first = body_of(update_view(client, "overview"), "overview")
    again = body_of(update_view(client, "overview"), "overview")
    assert len(builds) == 1
    assert find(first, "overview-kpi-revenue") == find(again, "overview-kpi-revenue")
    import_tiny(app)  # the same rows again: nothing new, so the same data version
    body_of(update_view(client, "overview"), "overview")
    assert len(builds) == 1
    renamed = tmp_path / "renamed" / "influencers.csv"
    renamed.parent.mkdir()
    renamed.write_text((TINY / "influencers.csv").read_text().replace("Asha", "Asha K"))
    with app.app_context():
        assert importing.import_paths([str(renamed)], username="test",
                                      limits=importing.ImportLimits.from_app(app)).ok
    body_of(update_view(client, "overview"), "overview")
    assert len(builds) == 2


def test_cached_view_bodies_hold_figures_as_plain_data(client, tiny, monkeypatch):
    # A go.Figure in a cached body is validated again on every cache hit (most of the
    # time of serving a cached view); plain dicts are not.
    bodies = {}
    real_cached = analytics.cached

    def spy(name, *arguments):
        value = real_cached(name, *arguments)
        if name.startswith("view:"):
            bodies[name] = value
        return value

    monkeypatch.setattr(analytics, "cached", spy)
    tiny.login("admin")
    dimension = [{"id": "roi-dimension", "property": "value", "value": "platform"}]
    for view in ("overview", "roi", "insights", "brands"):
        body_of(update_view(client, view, inputs=dimension if view == "roi" else ()), view)
    assert set(bodies) == {"view:overview", "view:roi", "view:insights", "view:brands"}
    for name, body in bodies.items():
        assert b"plotly.graph_objs" not in pickle.dumps(body), name


def run(client, outputs, inputs):
    """Any callback, as the browser calls it: outputs as (id, property), inputs as dicts."""
    names = [f"{component_id}.{prop}" for component_id, prop in outputs]
    specs = [{"id": component_id, "property": prop} for component_id, prop in outputs]
    # The renderer sends one output as itself and several as a list.
    body = {"output": f"..{'...'.join(names)}.." if len(names) > 1 else names[0],
            "outputs": specs if len(specs) > 1 else specs[0],
            "inputs": inputs, "changedPropIds": []}
    return client.post("/_dash-update-component", json=body)


def test_data_report_error_shows_the_plain_message(client, tiny, monkeypatch):
    from layouts import data as data_layout

    def broken(_report):
        raise RuntimeError("report exploded at secret_table")

    monkeypatch.setattr(data_layout, "report_view", broken)
    tiny.login("admin")
    response = run(client, [("data-report-view", "children"), ("data-commit", "hidden")],
                   [{"id": "data-report", "property": "data", "value": {"ok": True}}])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    shown = response.get_json()["response"]
    text = json.dumps(shown["data-report-view"]["children"])
    assert "could not be loaded" in text and "secret_table" not in text
    # The commit button is left as it was.
    assert "data-commit" not in shown


def graphs_in(tree):
    """Every dcc.Graph in a Dash JSON tree."""
    if isinstance(tree, dict):
        found = [tree] if tree.get("type") == "Graph" else []
        return found + [graph for value in tree.values() for graph in graphs_in(value)]
    if isinstance(tree, list):
        return [graph for item in tree for graph in graphs_in(item)]
    return []


def test_no_chart_offers_to_send_its_data_off_the_server(client, tiny):
    tiny.login("admin")
    shown = [route(client, pathname).get_json()["response"] for pathname in (
        ANALYTICS_VIEWS + ["/data", "/admin/users", "/admin/audit"])]
    for dimension in ("influencer", "campaign", "platform", "tier"):
        shown.append(body_of(update_view(client, "roi", inputs=[
            {"id": "roi-dimension", "property": "value", "value": dimension}]), "roi"))
    for key in (None, "2"):
        shown.append(body_of(update_view(client, "influencers", state=[
            {"id": "influencers-key", "property": "data", "value": key}]), "influencers"))
    for view in ("overview", "insights", "brands"):
        shown.append(body_of(update_view(client, view), view))
    graphs = graphs_in(shown)
    assert len(graphs) >= 15
    for graph in graphs:
        config = graph["props"]["config"]
        assert config["showSendToCloud"] is False and config["showEditInChartStudio"] is False
        assert config["showLink"] is False and config["displaylogo"] is False
        assert {"sendDataToCloud", "editInChartStudio"} <= set(
            config["modeBarButtonsToRemove"])
        assert config["toImageButtonOptions"]["format"] == "png"


def test_every_chart_is_made_by_the_shared_chart_function():
    # A dcc.Graph built anywhere else would miss the shared mode bar settings.
    root = pathlib.Path(__file__).resolve().parent.parent
    makers = [path.relative_to(root).as_posix()
              for folder in ("layouts", "callbacks", "dashboard")
              for path in (root / folder).rglob("*.py") if "dcc.Graph(" in path.read_text()]
    assert makers == ["layouts/figures.py"]


@pytest.fixture
def hostile(app, auth, tmp_path):
    """The tiny data set with a link in a name, a category and an id (tests/hostile.py)."""
    hostile_data.import_hostile(app, tmp_path)
    return auth


def components_in(tree, kind):
    if isinstance(tree, dict):
        found = [tree] if tree.get("type") == kind else []
        return found + [part for value in tree.values() for part in components_in(value, kind)]
    if isinstance(tree, list):
        return [part for item in tree for part in components_in(item, kind)]
    return []


def hostile_bodies(client):
    influencer = [{"id": "roi-dimension", "property": "value", "value": "influencer"}]
    bodies = {view: body_of(update_view(client, view), view)
              for view in ("overview", "insights", "brands")}
    bodies["roi"] = body_of(update_view(client, "roi", inputs=influencer), "roi")
    for key in (None, hostile_data.RENAMED, hostile_data.INFLUENCER_ID):
        bodies[f"influencers/{key}"] = body_of(update_view(client, "influencers", state=[
            {"id": "influencers-key", "property": "data", "value": key}]), "influencers")
    return bodies


def test_imported_text_is_shown_as_text_in_charts(client, hostile):
    hostile.login("analyst")
    bodies = hostile_bodies(client)
    for view in ("roi", "insights"):
        charts = json.dumps([graph["props"]["figure"]
                             for graph in components_in(bodies[view], "Graph")])
        # Plotly shows &lt;a as the characters "<a"; a raw "<a" would be a link.
        assert "<a" not in charts, view
        assert "&lt;a href=" in charts, view
    everything = json.dumps([graph["props"]["figure"]
                             for graph in components_in(list(bodies.values()), "Graph")])
    assert "<a" not in everything


def test_imported_text_is_shown_as_text_in_grids(client, hostile):
    hostile.login("analyst")
    bodies = hostile_bodies(client)
    grids = components_in(list(bodies.values()), "AgGrid")
    assert len(grids) >= 5
    for grid in grids:
        assert all(column.get("cellRenderer") != "markdown"
                   for column in grid["props"]["columnDefs"]), grid["props"]["id"]
    rows = find(bodies["influencers/None"], "influencers-grid")["props"]["rowData"]
    by_id = {row["influencer_id"]: row for row in rows}
    # The grid holds the text as it was imported; RowLink shows it as text.
    assert by_id[hostile_data.RENAMED]["name"] == hostile_data.NAME
    assert by_id[hostile_data.INFLUENCER_ID]["name"] == "Chen"


def test_a_click_on_a_bar_or_point_opens_its_group_with_the_filters(client, hostile):
    # What assets/links.js puts together: meta.link_prefix + a middle + meta.link_search,
    # the middle found by label (bars) or by point number (the ROI scatter).
    hostile.login("analyst")
    influencer = [{"id": "roi-dimension", "property": "value", "value": "influencer"}]
    roi = body_of(update_view(client, "roi", {"platforms": ["Instagram"]},
                              inputs=influencer), "roi")
    search = "?period=all&platform=Instagram"

    def opens_its_creator(label, middle):
        # A creator is shown as "Name (id)": its address is its page, the filters kept.
        return label.endswith(f"({unquote(middle)})") and middle == quote(
            unquote(middle), safe="")

    scatter = find(roi, "roi-scatter")["props"]["figure"]
    meta = scatter["layout"]["meta"]
    assert (meta["link_prefix"], meta["link_search"]) == ("/influencers/", search)
    points = scatter["data"][meta["point_links"]["trace"]]["text"]
    middles = meta["point_links"]["middles"]
    assert len(points) == len(middles) >= 2
    assert all(opens_its_creator(label, middle) for label, middle in zip(points, middles))
    assert quote(hostile_data.INFLUENCER_ID, safe="") in middles
    for chart in ("roi-by-group", "roi-cpo"):
        meta = find(roi, chart)["props"]["figure"]["layout"]["meta"]
        assert (meta["link_prefix"], meta["link_search"]) == ("/influencers/", search)
        assert meta["links"] and all(opens_its_creator(label, middle)
                                     for label, middle in meta["links"].items()), chart
    # A brand bar narrows the brands page to that brand, the other filters kept.
    overview = body_of(update_view(client, "overview", {"platforms": ["Instagram"]}),
                       "overview")
    meta = find(overview, "overview-by-brand")["props"]["figure"]["layout"]["meta"]
    assert meta["links"] and (meta["link_prefix"], meta["link_search"]) == ("", "")
    for brand, address in meta["links"].items():
        parts = urlsplit(address)
        assert parts.path == "/brands", address
        assert parse_qs(parts.query) == {"period": ["all"], "platform": ["Instagram"],
                                         "brand": [brand]}


def test_a_creator_id_with_link_characters_opens_its_page(client, hostile):
    hostile.login("analyst")
    address = "/influencers/" + quote(hostile_data.INFLUENCER_ID, safe="")
    brands = json.dumps(body_of(update_view(client, "brands"), "brands"))
    assert f'"href": "{address}?period=all"' in brands
    page = route(client, address).get_json()["response"]["app-page"]["children"]
    assert find(page, "influencers-key")["props"]["data"] == hostile_data.INFLUENCER_ID
    body = hostile_bodies(client)[f"influencers/{hostile_data.INFLUENCER_ID}"]
    assert text_of(find(body, "influencers-name")) == f"Chen ({hostile_data.INFLUENCER_ID})"


def test_a_one_output_callback_error_shows_the_plain_message(client, tiny, monkeypatch):
    from dashboard.web import uploads

    def broken():
        raise RuntimeError("history exploded at secret_table")

    monkeypatch.setattr(uploads, "import_history", broken)
    tiny.login("admin")
    response = run(client, [("data-history", "children")],
                   [{"id": "data-commit-result", "property": "data", "value": None}])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = json.dumps(response.get_json()["response"]["data-history"]["children"])
    assert "could not be loaded" in text and "secret_table" not in text
