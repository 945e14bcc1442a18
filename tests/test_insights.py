"""Insights on the tiny fixture: performers, platform comparison, payout checks, recommendations."""
from datetime import date

import numpy as np
import pytest

from dashboard import analytics
from dashboard.analytics import insights

EVERYTHING = analytics.Selection()


@pytest.fixture
def tiny_app(app, tiny):
    """The tiny data set on each backend, with the app context open for the analytics calls."""
    with app.app_context():
        yield app


def test_performers_split_at_the_quartiles(tiny_app):
    result = insights.performers(EVERYTHING, scope=None)
    scores = [51.08527131782946, 63.333333333333336, 51.80232558139535, 12.5]
    assert result["p25"] == pytest.approx(np.percentile(scores, 25))
    assert result["p75"] == pytest.approx(np.percentile(scores, 75))
    assert list(result["top"]["name"]) == ["Bilal"]
    assert list(result["under"]["name"]) == ["Dev"]


def test_performers_without_spend_have_no_percentiles(tiny_app):
    nothing = analytics.Selection(start=date(2030, 1, 1))
    result = insights.performers(nothing, scope=None)
    assert result["p25"] is None and result["top"].empty


def test_platform_comparison_shares_add_up(tiny_app):
    platforms = insights.platform_comparison(EVERYTHING, scope=None)
    assert list(platforms["platform"]) == ["Instagram", "TikTok", "YouTube"]
    assert platforms["spend_share"].sum() == pytest.approx(1.0)
    assert platforms.loc[platforms["platform"] == "YouTube", "revenue_share"].iloc[0] == \
        pytest.approx(13400 / 25900)


def test_payout_reconciliation_compares_rate_times_units(tiny_app):
    payouts = insights.payout_reconciliation(scope=None).set_index("influencer_id")
    assert payouts.loc["1", ["units", "expected", "difference"]].tolist() == [2, 3000.0, 0.0]
    assert payouts.loc["2", "units_source"] == "orders in payouts file"
    # Dev is paid per post but has no post: the whole payout is unexplained.
    assert payouts.loc["4", ["units", "expected", "difference"]].tolist() == [0, 0.0, 2000.0]
    scoped = insights.payout_reconciliation(scope=frozenset({"Gritzo"}))
    assert sorted(scoped["influencer_id"]) == ["2", "3"]


def test_recommendations_carry_their_numbers(tiny_app):
    advice = insights.recommendations(EVERYTHING, scope=None)
    by_kind = {item["kind"]: item for item in advice}
    assert by_kind["scale"]["name"] == "Bilal"
    assert "4.47" in by_kind["scale"]["text"]
    assert by_kind["fix_conversion"]["name"] == "Chen"
    move = by_kind["move_budget"]
    assert (move["from_platform"], move["to_platform"]) == ("TikTok", "YouTube")
    assert move["amount"] == pytest.approx(400.0)
    assert move["expected_revenue"] == pytest.approx(400 * 13400 / 3000)
    assert move["expected_extra_revenue"] == pytest.approx(400 * (13400 / 3000 - 1.6))
    assert "1,787" in move["text"] and "TikTok" in move["text"]
    # Every cost per order is within 1.5 times the median of 500: nothing to renegotiate.
    assert "renegotiate" not in by_kind


def test_renegotiate_a_creator_far_above_the_median_cpo(tiny_app):
    frame = analytics.metrics(EVERYTHING, "influencer", scope=None)
    frame.loc[frame["name"] == "Chen", "cpo"] = 2000.0
    advice = insights._renegotiate(frame[frame["spend"] > 0].astype({"cpo": float}))
    assert [item["name"] for item in advice] == ["Chen"]
    assert "4.0 times the median of ₹500" in advice[0]["text"]


def test_brand_limited_payouts_show_only_the_part_booked_to_their_brands(tiny_app):
    muscleblaze = frozenset({"MuscleBlaze"})
    payouts = insights.payout_reconciliation(scope=muscleblaze)
    assert list(payouts.columns) == ["influencer_id", "name", "basis", "orders", "posts",
                                     "spend", "note"]
    bilal = payouts.set_index("influencer_id").loc["2"]
    # Bilal: 5 MuscleBlaze orders at 500 each; his sixth order and its 500 are Gritzo's.
    assert (bilal["basis"], bilal["orders"], bilal["spend"]) == ("order", 5, 2500.0)
    assert not payouts[["orders", "posts", "spend"]].isin([3000, 6]).any().any()
    assert bilal["note"] == ("Payouts are shared across brands; you see the part booked "
                             "to your brands.")
    # The shown spend is the same user's spend by brand, nothing more.
    by_brand = analytics.metrics(EVERYTHING, "brand", scope=muscleblaze)
    assert payouts["spend"].sum() == pytest.approx(float(by_brand["spend"].sum()))
    assert payouts["spend"].sum() == pytest.approx(4900.0)


def test_unscoped_payout_reconciliation_keeps_whole_payouts(tiny_app):
    payouts = insights.payout_reconciliation(scope=None)
    assert list(payouts.columns) == ["influencer_id", "name", "basis", "rate", "units",
                                     "units_source", "expected", "total_payout", "difference"]
    bilal = payouts.set_index("influencer_id").loc["2"]
    assert (bilal["units"], bilal["total_payout"], bilal["difference"]) == (6, 3000.0, 0.0)
