"""Numbers a reader can trust: no ₹0 "top" rows, ids beside names, cautions, help, glossary."""
import json

import pytest
from plotly.io.json import to_json_plotly

from dashboard import analytics, importing
from dashboard.analytics import insights
from layouts import components
from tests.helpers import body_of, find, route, text_of, update_view


def test_top_campaigns_leave_out_campaigns_that_sold_nothing(app, tiny, tmp_path):
    extra = tmp_path / "tracking_data.csv"
    extra.write_text("source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
                     "instagram,MB_Quiet,1,u99,Whey Protein,MuscleBlaze,2025-01-08,0,0\n")
    with app.app_context():
        assert not importing.import_paths(
            [str(extra)], limits=importing.ImportLimits.from_app(app), username="t").errors
        selection = analytics.Selection()
        campaigns = analytics.metrics(selection, "campaign", scope=None)
        assert "MB_Quiet" in set(campaigns["campaign"])
        top = analytics.overview(selection, scope=None)["top_campaigns"]
        assert "MB_Quiet" not in set(top["campaign"]) and (top["revenue"] > 0).all()


def test_recommendations_name_ids_and_caution_small_samples(app, tiny):
    with app.app_context():
        advice = insights.recommendations(analytics.Selection(), scope=None)
    about_creators = [item for item in advice if "influencer_id" in item]
    assert about_creators
    for item in about_creators:
        assert f"({item['influencer_id']})" in item["text"]
        # The tiny data set has at most 6 orders per creator: every one is a small sample.
        assert item["small_sample"] and item["orders"] < insights.SMALL_SAMPLE_ORDERS
        assert item["caution"].startswith("Small sample: ")
        assert "fewer than 30 orders or 3 posts" in item["caution"]


def test_insights_page_shows_the_caution(client, tiny):
    tiny.login("analyst")
    body = body_of(update_view(client, "insights"), "insights")
    assert "Small sample" in json.dumps(find(body, "insights-recommendations"),
                                        ensure_ascii=False)


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
def test_glossary_opens_for_every_role_and_is_in_the_navbar(client, tiny, role):
    tiny.login(role)
    response = route(client, "/glossary").get_json()["response"]
    page, navbar = response["app-page"]["children"], response["app-navbar"]["children"]
    assert text_of(find(page, "glossary-roas")) == "ROAS (return on ad spend)"
    assert find(page, "glossary-unattributed") is not None
    assert find(navbar, "nav-glossary") is not None


def test_kpi_cards_and_headers_carry_help(client, tiny):
    tiny.login("analyst")
    body = body_of(update_view(client, "overview"), "overview")
    kpis = json.dumps(find(body, "overview-kpis"), ensure_ascii=False)
    assert "/glossary#glossary-incremental-roas" in kpis and "help-link" in kpis
    # Under a lakh the card shows the exact amount, so there is nothing more to hover for.
    assert text_of(find(body, "overview-kpi-revenue")) == "₹25,900"
    assert "title" not in find(body, "overview-kpi-revenue")["props"]
    card = components.kpi_card("overview", "revenue", "Revenue", "₹15.0 L", exact="₹15,00,000")
    card = json.loads(to_json_plotly(card))
    assert find(card, "overview-kpi-revenue")["props"]["title"] == "₹15,00,000"
    grid = find(body, "overview-top-campaigns")["props"]
    roas = next(column for column in grid["columnDefs"] if column["field"] == "roas")
    assert roas["headerTooltip"].startswith("Revenue ÷ spend")
    assert grid["columnDefs"][0]["pinned"] == "left"
    assert "Incremental ROAS (baseline 20%)" in text_of(find(body, "overview-incremental-help"))
