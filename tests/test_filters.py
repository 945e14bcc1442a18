"""The filter bar: the default period, the period menu and its dates in step, where the
data ends, saving a view (callbacks/filters.py, layouts/components.filter_bar)."""
import json

import pytest

from dashboard.analytics import queries
from tests.helpers import body_of, find, route, update_view

SCOPES = {"admin": None, "analyst": None, "manager": frozenset({"MuscleBlaze"})}


def page_of(client, pathname, search=""):
    return route(client, pathname, search).get_json()["response"]["app-page"]["children"]


def sync_period(client, view, period, start, end, changed):
    ids = [f"{view}-filter-{name}" for name in ("period", "start", "end")]
    props = ["value", "date", "date"]
    body = {"output": "..{}.value...{}.date...{}.date..".format(*ids),
            "outputs": [{"id": i, "property": p} for i, p in zip(ids, props)],
            "inputs": [{"id": i, "property": p, "value": v}
                       for i, p, v in zip(ids, props, (period, start, end))],
            "changedPropIds": [f"{view}-filter-{changed}."
                               + ("value" if changed == "period" else "date")]}
    response = client.post("/_dash-update-component", json=body)
    if response.status_code == 204:
        return {}
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
def test_a_page_opens_on_the_last_30_days_with_data(app, client, tiny, role):
    with app.app_context():
        _first, last = queries.date_span(SCOPES[role])
    last = last.isoformat()
    tiny.login(role)
    page = page_of(client, "/overview")
    assert find(page, "overview-filter-period")["props"]["value"] == "last30"
    assert find(page, "overview-filter-end")["props"]["date"] == last
    # The calendar opens at the data's months, not at its first one.
    assert find(page, "overview-filter-end")["props"]["initial_visible_month"] == last
    assert "up to" in json.dumps(find(page, "overview-filter-data-span"))


def test_the_period_menu_sets_the_dates_and_dates_by_hand_set_it_to_custom(client, tiny):
    tiny.login("analyst")
    answer = sync_period(client, "roi", "last_month", None, None, "period")
    assert answer["roi-filter-start"]["date"] == "2025-01-01"
    assert answer["roi-filter-end"]["date"] == "2025-01-31"
    answer = sync_period(client, "roi", "all", "2025-01-01", "2025-01-31", "period")
    assert answer["roi-filter-start"]["date"] is None
    answer = sync_period(client, "roi", "last_month", "2025-01-02", "2025-01-31", "start")
    assert answer["roi-filter-period"]["value"] == "custom"
    # The dates the menu just set do not undo the menu.
    assert sync_period(client, "roi", "last_month", "2025-01-01", "2025-01-31",
                       "start") == {}


def test_an_empty_selection_says_where_the_data_ends(client, tiny):
    tiny.login("analyst")
    body = body_of(update_view(client, "overview", {"start": "2026-01-01",
                                                    "end": "2026-01-31"}), "overview")
    assert find(body, "overview-empty") is not None
    assert "Data from 05 Jan 2025 up to 20 Feb 2025." in json.dumps(body)


def test_the_view_link_keeps_the_period_comparison_and_step(client, tiny):
    tiny.login("analyst")
    response = update_view(client, "overview", {"period": "last_month", "compare": "year",
                                                "freq": "week"})
    search = response.get_json()["response"]["overview-url"]["search"]
    assert search.startswith("?period=last_month&start=2025-01-01&end=2025-01-31")
    assert "compare=year" in search and "freq=week" in search
    body = body_of(response, "overview")
    assert "same days last year" in json.dumps(body, ensure_ascii=False)
