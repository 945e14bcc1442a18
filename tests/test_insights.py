"""Insights on the tiny fixture: performers, platform comparison, payout checks, recommendations."""
import csv
import io
import json
from datetime import date, timedelta

import numpy as np
import pytest

from dashboard import analytics
from dashboard.analytics import insights
from tests.helpers import body_of, find, update_view

EVERYTHING = analytics.Selection()
# The creator with two posts that each sold far more than anyone else's.
LUCKY = "Creator 13"


def write_lucky_history(folder, lucky_revenue=60_000):
    """CSVs of twelve Instagram creators with a year of posts each, and one with two lucky posts.

    The same shape as the planner tests' built history, written as files the importer takes.
    Creators 1 to 3 are truly strong (twice the typical sales per post, year in, year out).
    """
    rng = np.random.default_rng(1)
    last = date(2025, 12, 31)
    influencers, posts, tracking, payouts = [], [], [], []
    for creator in range(1, 14):
        lucky = f"Creator {creator}" == LUCKY
        influencers.append([creator, f"Creator {creator}", "Fitness", "F", 50000, "Instagram"])
        made = 0
        for period in range(12):
            end = last - timedelta(days=30 * period)
            count = (1 if period in (3, 7) else 0) if lucky else int(rng.integers(1, 4))
            for number in range(count):
                day = end - timedelta(days=29 - 5 * number)
                made += 1
                posts.append([creator, "Instagram", day.isoformat(),
                              f"https://example.com/{creator}/{made}", "Post", 1000, 10, 1])
                typical = 25_000 if creator <= 3 else 10_000
                revenue = lucky_revenue if lucky else round(typical * rng.lognormal(-0.32, 0.8))
                tracking.append(["instagram", "Year", creator, f"u{creator}-{made}", "Whey",
                                 "MuscleBlaze", (day + timedelta(days=1)).isoformat(), 10,
                                 revenue])
            if not lucky or period <= 7:  # the lucky creator starts with its first post
                tracking.append(["instagram", "Year", creator, f"o{creator}-{period}", "Whey",
                                 "MuscleBlaze", (end - timedelta(days=12)).isoformat(), 3,
                                 3000])
        payouts.append([creator, "post", 1000, "", 1000 * made])
    tables = {
        "influencers": (["ID", "name", "category", "gender", "follower_count", "platform"],
                        influencers),
        "posts": (["influencer_id", "platform", "date", "URL", "caption", "reach", "likes",
                   "comments"], posts),
        "tracking_data": (["source", "campaign", "influencer_id", "user_id", "product", "brand",
                           "date", "orders", "revenue"], tracking),
        "payouts": (["influencer_id", "basis", "rate", "orders", "total_payout"], payouts),
    }
    for name, (header, rows) in tables.items():
        with open(folder / f"{name}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)


@pytest.fixture
def tiny_app(app, tiny):
    """The tiny data set on each backend, with the app context open for the analytics calls."""
    with app.app_context():
        yield app


@pytest.fixture
def lucky(app, auth, tmp_path):
    """The lucky-posts history imported into `app`'s database; returns the AuthActions."""
    from dashboard import importing

    folder = tmp_path / "lucky"
    folder.mkdir()
    write_lucky_history(folder)
    with app.app_context():
        result = importing.import_paths([str(folder)], username="test",
                                        limits=importing.ImportLimits.from_app(app))
    assert not result.errors, [str(error) for error in result.errors]
    return auth


def test_two_lucky_posts_top_the_raw_score_but_not_the_planners_list(app, lucky):
    with app.app_context():
        shrunk = insights.shrunk_performers(EVERYTHING, scope=None)
        raw = insights.performers(EVERYTHING, scope=None)
    assert raw["top"]["name"].iloc[0] == LUCKY
    # The strong creators, with a year of posts behind them, lead instead.
    assert set(shrunk["top"]["name"].iloc[:3]) == {"Creator 1", "Creator 2", "Creator 3"}
    assert shrunk["top"]["performance_score"].notna().all()
    assert {"roas", "revenue", "spend"} <= set(shrunk["top"].columns)


def test_the_planners_lists_keep_to_the_selection(app, lucky):
    # Before the lucky creator's first post, only the others are on the page.
    early = analytics.Selection(end=date(2025, 5, 1))
    with app.app_context():
        shrunk = insights.shrunk_performers(early, scope=None)
        elsewhere = insights.shrunk_performers(
            analytics.Selection(platforms=frozenset({"YouTube"})), scope=None)
    shown = set(shrunk["top"]["name"]) | set(shrunk["under"]["name"])
    assert shown and LUCKY not in shown
    assert elsewhere["p75"] is None and elsewhere["top"].empty


def rows_of(grid):
    return grid["props"]["rowData"]


def test_insights_page_ranks_by_the_planner_and_keeps_the_raw_ranking(client, lucky):
    lucky.login("analyst")
    body = body_of(update_view(client, "insights"), "insights")
    page = json.dumps(body, ensure_ascii=False)
    assert "Top performers, by the planner's estimate of extra sales per ₹1" in page
    assert "Creators with little history are pulled toward similar creators" in page
    assert "By performance score (raw)" in page
    top, raw_top = find(body, "insights-top"), find(body, "insights-top-raw")
    assert rows_of(top)[0]["name"] == "Creator 1"
    assert rows_of(raw_top)[0]["name"] == LUCKY
    headers = {column["field"]: column["headerName"] for column in top["props"]["columnDefs"]}
    assert headers["shrunk_return"] == "Extra sales per ₹1 (planner's estimate)"
    assert headers["performance_score"] == "Performance score (raw, 0–100)"
    assert find(body, "insights-under-raw") is not None


def test_performer_exports_follow_the_planner_and_the_raw_score(client, lucky):
    lucky.login("analyst")

    def rows(table):
        response = client.get(f"/export/insights/{table}.csv")
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    top, raw_top = rows("top_performers"), rows("top_performers_raw")
    assert {"planner_extra_sales_per_rupee", "raw_performance_score",
            "own_history_extra_sales_per_rupee", "posts_so_far"} <= set(top[0])
    assert top[0]["name"] == "Creator 1"
    assert raw_top[0]["name"] == LUCKY and "performance_score" in raw_top[0]
    assert rows("underperformers") and rows("underperformers_raw")


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
