"""Links into the views: bad values are left out with a note on the page, never an error."""
import json

import pytest

from tests.helpers import body_of, find, route, update_view


def page_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]["app-page"]["children"]


@pytest.mark.parametrize("pathname", ["/overview", "/roi", "/influencers", "/insights",
                                      "/brands"])
def test_a_bad_date_in_the_link_is_noted_on_the_page(client, tiny, pathname):
    tiny.login("analyst")
    view = pathname.strip("/")
    page = page_of(route(client, pathname, "?start=0001-01-01&end=2025-02-28&baseline=0.8"))
    notes = json.dumps(find(page, f"{view}-filter-notes"))
    assert "The start date '0001-01-01' in the link is not between 2000-01-01 and " in notes
    assert "The baseline share '0.8' in the link is not between 0% and 50%" in notes
    # What could be used still is: the end date fills its picker.
    assert find(page, f"{view}-filter-end")["props"]["date"] == "2025-02-28"
    assert find(page, f"{view}-filter-start")["props"]["date"] is None


def test_a_good_link_has_no_notes(client, tiny):
    tiny.login("analyst")
    page = page_of(route(client, "/overview", "?start=2025-02-01&brand=Gritzo"))
    assert find(page, "overview-filter-notes") is None


def test_a_brand_sent_as_one_string_to_a_callback_is_one_brand(client, tiny):
    tiny.login("analyst")
    response = update_view(client, "brands", {"brands": "Gritzo"})
    body_of(response, "brands")
    assert response.get_json()["response"]["brands-url"]["search"] == "?period=all&brand=Gritzo"


def test_a_year_zero_from_the_filter_bar_is_left_out(client, tiny):
    tiny.login("analyst")
    response = update_view(client, "overview", {"start": "0001-01-01", "end": "0001-02-01"})
    body = body_of(response, "overview")
    assert find(body, "overview-kpi-revenue") is not None
    assert response.get_json()["response"]["overview-url"]["search"] == "?period=all"
