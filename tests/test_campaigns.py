"""Campaign pages' numbers and scope (dashboard/analytics/campaigns.py) and their view."""
from datetime import date

import pytest

from dashboard import analytics
from tests.helpers import body_of, expected_rows, find, route, text_of, update_view

MUSCLEBLAZE = frozenset({"MuscleBlaze"})


def test_a_campaigns_numbers_are_its_row_of_the_campaign_metrics(app, tiny):
    expected = {row["campaign"]: row for row in expected_rows("campaign.csv")}
    with app.app_context():
        listed = analytics.campaign_list(analytics.Selection(), scope=None)
        assert list(listed["campaign"]) == ["MB_Jan", "HKV_Feb", "GZ_Feb"]  # by revenue
        for name, row in expected.items():
            profile = analytics.campaign_profile(name, analytics.Selection(), scope=None)
            kpis = profile["kpis"]
            assert kpis["revenue"] == pytest.approx(float(row["revenue"]))
            assert kpis["spend"] == pytest.approx(float(row["spend"]))
            assert kpis["orders"] == int(row["orders"])
            assert kpis["roas"] == pytest.approx(float(row["roas"]))
            # Its creators add up to it, and its trend too.
            assert profile["creators"]["revenue"].sum() == pytest.approx(kpis["revenue"])
            assert profile["timeseries"]["revenue"].sum() == pytest.approx(kpis["revenue"])
        mb = analytics.campaign_profile("MB_Jan", analytics.Selection(), scope=None)
        assert mb["brands"] == ["MuscleBlaze"]
        assert sorted(mb["creators"]["influencer_id"]) == ["1", "2"]


def test_a_campaign_outside_the_scope_or_unknown_does_not_exist(app, tiny):
    with app.app_context():
        assert analytics.campaign_profile("HKV_Feb", analytics.Selection(),
                                          scope=MUSCLEBLAZE) is None
        assert analytics.campaign_profile("No such", analytics.Selection(), scope=None) is None
        assert analytics.campaign_profile("MB_Jan", analytics.Selection(),
                                          scope=frozenset()) is None
        listed = analytics.campaign_list(analytics.Selection(), scope=MUSCLEBLAZE)
        assert list(listed["campaign"]) == ["MB_Jan"]


def test_a_campaign_compares_with_the_period_before(app, tiny):
    february = analytics.Selection(start=date(2025, 2, 1), end=date(2025, 2, 28))
    with app.app_context():
        profile = analytics.campaign_profile("HKV_Feb", february, scope=None)
        assert profile["previous_kpis"]["revenue"] in (0, None)
        assert profile["kpis"]["revenue"] == pytest.approx(4700)


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
def test_campaign_pages_per_role(client, tiny, role):
    tiny.login(role)
    page = route(client, "/campaigns/HKV_Feb").get_json()["response"]["app-page"]["children"]
    assert find(page, "campaigns-page") is not None
    body = body_of(update_view(client, "campaigns", state=[
        {"id": "campaigns-key", "property": "data", "value": "HKV_Feb"}]), "campaigns")
    if role == "manager":
        assert find(body, "campaigns-missing") is not None
    else:
        assert text_of(find(body, "campaigns-name")) == "HKV_Feb"
        assert text_of(find(body, "campaigns-kpi-revenue")) == "₹4,700"
