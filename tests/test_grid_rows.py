"""Tables that page on the server: the rows callback's sorting, filtering, paging and scope."""
import json

import pandas as pd

from dashboard import analytics
from dashboard.web.grid_rows import MAX_ROWS_PER_REQUEST, page_of
from layouts import components
from layouts import roi as roi_layout
from tests.helpers import body_of, expected_rows, update_view

FRAME = pd.DataFrame({"name": ["Asha", "bilal", "Chen", None],
                      "revenue": [300.0, 100.0, None, 200.0], "secret": [1, 2, 3, 4]})
COLUMNS = ["name", "revenue"]


def test_a_page_keeps_the_frames_order_without_a_sort():
    page, total = page_of(FRAME, {"startRow": 1, "endRow": 3}, COLUMNS)
    assert total == 4
    assert list(page["name"]) == ["bilal", "Chen"]


def test_sorting_and_filtering_happen_on_the_server():
    page, total = page_of(FRAME, {"startRow": 0, "endRow": 10,
                                  "sortModel": [{"colId": "revenue", "sort": "desc"}],
                                  "filterModel": {"revenue": {"filterType": "number",
                                                              "type": "greaterThan",
                                                              "filter": 150}}}, COLUMNS)
    assert total == 2
    assert list(page["revenue"]) == [300.0, 200.0]
    page, total = page_of(FRAME, {"sortModel": [{"colId": "name", "sort": "asc"}],
                                  "filterModel": {"name": {
                                      "filterType": "text", "operator": "OR", "conditions": [
                                          {"filterType": "text", "type": "startsWith",
                                           "filter": "B"},
                                          {"filterType": "text", "type": "contains",
                                           "filter": "HEN"}]}}}, COLUMNS)
    assert list(page["name"]) == ["bilal", "Chen"]


def test_columns_the_grid_does_not_show_and_bad_values_are_ignored():
    page, total = page_of(FRAME, {"startRow": "x", "endRow": 10**9,
                                  "sortModel": [{"colId": "secret", "sort": "desc"}],
                                  "filterModel": {"secret": {"filterType": "number",
                                                             "type": "equals", "filter": 1},
                                                  "revenue": {"filterType": "number",
                                                              "type": "equals",
                                                              "filter": "lots"}}}, COLUMNS)
    assert total == 4 and list(page["secret"]) == [1, 2, 3, 4]
    many = pd.DataFrame({"name": [str(i) for i in range(2000)], "revenue": 1.0})
    page, _ = page_of(many, {"startRow": 0, "endRow": 5000}, COLUMNS)
    assert len(page) == MAX_ROWS_PER_REQUEST


def rows_request(client, component_type, grid_id, request):
    body = {"output": json.dumps({"rows": ["MATCH"], "type": component_type},
                                 separators=(",", ":"), sort_keys=True) + ".getRowsResponse",
            "outputs": {"id": grid_id, "property": "getRowsResponse"},
            "inputs": [{"id": grid_id, "property": "getRowsRequest", "value": request}],
            "state": [{"id": grid_id, "property": "id", "value": grid_id}],
            "changedPropIds": [json.dumps(grid_id, separators=(",", ":"), sort_keys=True)
                               + ".getRowsRequest"]}
    return client.post("/_dash-update-component", json=body)


def test_a_long_roi_table_pages_on_the_server_within_the_users_scope(client, tiny,
                                                                     monkeypatch):
    monkeypatch.setattr(components, "SERVER_PAGE_ROWS", 1)
    tiny.login("analyst")
    dimension = [{"id": "roi-dimension", "property": "value", "value": "influencer"}]
    body = body_of(update_view(client, "roi", inputs=dimension), "roi")
    grid = json.dumps(body)
    assert '"rowModelType": "infinite"' in grid
    table = next(node for node in _nodes(body)
                 if node.get("props", {}).get("id", {}) and isinstance(
                     node["props"]["id"], dict) and node["props"]["id"]["type"] == "roi-table")
    assert "rowData" not in table["props"]
    grid_id = table["props"]["id"]
    response = rows_request(client, "roi-table", grid_id, {"startRow": 0, "endRow": 2})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = response.get_json()["response"][json.dumps(grid_id, separators=(",", ":"),
                                                      sort_keys=True)]["getRowsResponse"]
    creators = expected_rows("influencer.csv")
    assert rows["rowCount"] == len(creators)
    revenues = sorted((float(row["revenue"]) for row in creators), reverse=True)
    assert [row["revenue"] for row in rows["rowData"]] == revenues[:2]
    assert set(rows["rowData"][0]) == set(roi_layout.table_columns("influencer")) | {
        "influencer_id"}
    # A brand manager asking with the same grid id gets only their brand's creators.
    tiny.logout()
    tiny.login("manager")
    rows = rows_request(client, "roi-table", grid_id, {"startRow": 0, "endRow": 100}
                        ).get_json()["response"][json.dumps(
                            grid_id, separators=(",", ":"), sort_keys=True)]["getRowsResponse"]
    with client.application.app_context():
        scoped = analytics.metrics(analytics.Selection(), "influencer",
                                   scope=frozenset({"MuscleBlaze"}))
    assert rows["rowCount"] == len(scoped)
    assert sorted(row["influencer_id"] for row in rows["rowData"]) == sorted(
        scoped["influencer_id"])


def test_rows_are_refused_without_a_signed_in_user(client, tiny):
    grid_id = {"type": "roi-table", "rows": "influencer?"}
    response = rows_request(client, "roi-table", grid_id, {"startRow": 0, "endRow": 10})
    assert response.status_code in (302, 401, 403)


def _nodes(tree):
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)
