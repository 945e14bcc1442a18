"""Budget planner: optimal allocation, curves recovered from planted data, pooling, targets."""
import itertools
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import analytics, demo
from dashboard.analytics import planner, planner_fit
from tests.helpers import make_test_app

# The planted set the planner learns from in these tests (seed differs from the sample's).
PLANTED_SCALE = 60_000
PLANTED_SEED = 4


# ------------------------------------------------------------------ optimiser, brute force

def brute_force(gains, steps, caps, floors, groups, group_min, group_max):
    """Best total gain over every allocation that meets the limits (None: none does)."""
    best = None
    for taken in itertools.product(*[range(f, c + 1) for f, c in zip(floors, caps)]):
        if sum(taken) > steps:
            continue
        totals = {}
        for group, count in zip(groups, taken):
            totals[group] = totals.get(group, 0) + count
        if any(totals.get(g, 0) < m for g, m in group_min.items()):
            continue
        if any(totals.get(g, 0) > m for g, m in group_max.items()):
            continue
        value = sum(sum(gains[i][:count]) for i, count in enumerate(taken))
        best = value if best is None else max(best, value)
    return best


@st.composite
def small_problems(draw):
    count = draw(st.integers(1, 4))
    gains, caps, floors, groups = [], [], [], []
    for _ in range(count):
        cap = draw(st.integers(0, 4))
        # Positive, non-increasing gains: a concave curve in steps.
        steps = sorted(draw(st.lists(st.integers(1, 50), min_size=cap, max_size=cap)),
                       reverse=True)
        gains.append([float(g) for g in steps])
        caps.append(cap)
        floors.append(draw(st.integers(0, cap)))
        groups.append(draw(st.sampled_from("AB")))
    steps = draw(st.integers(sum(floors), sum(floors) + 8))
    group_min, group_max = {}, {}
    for group in set(groups):
        capacity = sum(c for c, g in zip(caps, groups) if g == group)
        floor_sum = sum(f for f, g in zip(floors, groups) if g == group)
        if draw(st.booleans()):
            group_max[group] = draw(st.integers(floor_sum, capacity))
        if draw(st.booleans()):
            group_min[group] = draw(st.integers(floor_sum, group_max.get(group, capacity)))
    return gains, steps, caps, floors, groups, group_min, group_max


@settings(max_examples=300, deadline=None)
@given(small_problems())
def test_greedy_allocation_matches_brute_force(problem):
    gains, steps, caps, floors, groups, group_min, group_max = problem
    best = brute_force(*problem)
    if best is None:
        return
    taken = planner.allocate(lambda i, k: gains[i][k], steps, caps, floors, groups,
                             group_min, group_max)
    assert sum(taken) <= steps
    assert all(f <= t <= c for f, t, c in zip(floors, taken, caps))
    value = sum(sum(gains[i][:count]) for i, count in enumerate(taken))
    assert value == pytest.approx(best)


def test_keeping_creators_that_cost_more_than_the_budget_is_refused():
    with pytest.raises(ValueError, match="cost more than the budget"):
        planner.allocate(lambda i, k: 1.0, 2, [5, 5], [2, 1], ["A", "A"], {}, {})


# ----------------------------------------------------------------- pooling on built data

def built_history(lucky_lift):
    """Twelve steady Instagram creators and one with two posts that sold `lucky_lift`."""
    rng = np.random.default_rng(1)
    last = pd.Timestamp("2025-12-31")
    rows, posts, creators = [], [], []
    for creator in range(13):
        creators.append((creator, f"C{creator}", f"Creator {creator}", "Instagram", "micro",
                         "Fitness"))
        for period in range(12):
            end = last - pd.Timedelta(days=30 * period)
            if creator == 12:
                count = 1 if period in (3, 7) else 0
            else:
                count = int(rng.integers(0, 4))
            for number in range(count):
                day = end - pd.Timedelta(days=29 - 5 * number)
                posts.append((creator, day))
                lift = lucky_lift if creator == 12 else 10_000.0 * rng.uniform(0.8, 1.2)
                rows.append((creator, day, True, lift, 10, 1_000.0, 1))
            rows.append((creator, end - pd.Timedelta(days=15), False, 3_000.0, 3, 0.0, 0))
    daily = pd.DataFrame(rows, columns=["creator", "day", "in_window", "revenue", "orders",
                                        "spend", "posts"])
    return (daily, pd.DataFrame(creators, columns=["creator", "influencer_id", "name",
                                                   "platform", "tier", "category"]),
            pd.DataFrame(posts, columns=["creator", "day"]))


def test_pooling_pulls_a_creator_with_two_lucky_posts_toward_similar_creators():
    curves = planner_fit.fit_curves(*built_history(lucky_lift=200_000.0)).set_index(
        "influencer_id")
    lucky, steady = curves.loc["C12"], curves.drop("C12")
    assert lucky["raw_return"] > 5 * steady["raw_return"].median()
    # Shrunk most of the way back: two posts cannot make a star.
    assert lucky["return_per_rupee"] < lucky["raw_return"] / 2
    assert lucky["return_sd"] > steady["return_sd"].max()
    # Creators with a full history keep (nearly) their own estimate.
    moved = (steady["return_per_rupee"] - steady["raw_return"]).abs() / steady["raw_return"]
    assert moved.max() < 0.15


def test_without_the_lucky_posts_nothing_is_shrunk_much():
    curves = planner_fit.fit_curves(*built_history(lucky_lift=10_000.0)).set_index(
        "influencer_id")
    lucky = curves.loc["C12"]
    assert lucky["return_per_rupee"] == pytest.approx(lucky["raw_return"], rel=0.3)


# -------------------------------------------------------------------- planted demo data

@pytest.fixture(scope="module")
def planted(tmp_path_factory, sqlite_template):
    """An app with a planted demo set loaded, and that set's truth (never the planner's)."""
    folder = tmp_path_factory.mktemp("planted")
    path = folder / "planted.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_test_app(f"sqlite:///{path}", folder)
    with app.app_context():
        result = demo.load_demo(scale=PLANTED_SCALE, seed=PLANTED_SEED)
        assert not result.errors
    truth = demo.produce(PLANTED_SCALE, PLANTED_SEED, lambda chunk: None, as_csv=False)[3]
    yield app, truth
    app.extensions["database_engine"].dispose()


def true_curves(curves, truth):
    """The learned curves' frame with the planted parameters in place of the learned ones.

    The limits stay the data's (most posts a period at the true cost per post), so both
    plans face the same constraints.
    """
    planted_curves = truth["curves"]
    true = curves.copy()
    true["cost_per_post"] = [planted_curves.get(k, {}).get("cost_per_post", 0.0)
                             for k in curves["influencer_id"]]
    true["return_per_rupee"] = [
        planted_curves[k]["saturation_revenue"] / planted_curves[k]["cost_per_post"]
        if k in planted_curves and planted_curves[k]["cost_per_post"] > 0 else 0.0
        for k in curves["influencer_id"]]
    true["posts_scale"] = [planted_curves.get(k, {}).get("posts_scale", 1.0)
                           for k in curves["influencer_id"]]
    spend_limit = curves["max_posts"] * curves["cost_per_post"]
    true["max_posts"] = np.where(true["cost_per_post"] > 0, spend_limit
                                 / true["cost_per_post"].where(true["cost_per_post"] > 0, 1), 0)
    return true


@pytest.mark.parametrize("share", [0.5, 1.0])
def test_plan_gets_most_of_the_true_optimums_gain_and_forecasts_it(planted, share):
    app, truth = planted
    with app.app_context():
        curves = planner.fitted_curves(analytics.Selection(), None)
    true = true_curves(curves, truth)
    status_quo = curves["current_spend"].to_numpy() * share
    budget = status_quo.sum()
    planned = planner.optimise(curves, budget)
    best = planner.optimise(true, budget)
    assert planned.sum() <= budget + 1e-6

    def true_value(spend):
        return planner.expected_revenue(true, spend).sum()

    gain_of_plan = true_value(planned) - true_value(status_quo)
    gain_of_best = true_value(best) - true_value(status_quo)
    assert gain_of_best > 0
    assert gain_of_plan >= 0.85 * gain_of_best
    forecast = planner.expected_revenue(curves, planned).sum()
    assert forecast == pytest.approx(true_value(planned), rel=0.25)


def test_planted_curves_are_recovered(planted):
    app, truth = planted
    with app.app_context():
        curves = planner.fitted_curves(analytics.Selection(), None)
    true = true_curves(curves, truth)
    planted_ids = curves["influencer_id"].isin(truth["curves"]).to_numpy()
    # Cost per post comes straight from the payouts: nearly exact.
    assert np.allclose(curves["cost_per_post"][planted_ids], true["cost_per_post"][planted_ids],
                       rtol=0.05)
    # Incremental revenue at one post and at the most posts history shows, per creator.
    for posts in (np.ones(len(curves)), curves["max_posts"].to_numpy(float)):
        learned = planner.expected_revenue(curves, posts * curves["cost_per_post"].to_numpy())
        planted_value = planner.expected_revenue(true, posts * true["cost_per_post"].to_numpy())
        error = np.abs(learned - planted_value)[planted_ids] / planted_value[planted_ids]
        assert np.median(error) < 0.25
        assert learned[planted_ids].sum() == pytest.approx(planted_value[planted_ids].sum(),
                                                           rel=0.15)
    # Creators that never post or never sell earn (next to) nothing in the plan.
    typical = curves.loc[planted_ids, "return_per_rupee"].median()
    assert (curves.loc[~planted_ids, "return_per_rupee"] < 0.05 * typical).all()


def test_backtest_forecasts_the_last_month_and_its_range_mostly_holds(planted):
    app, _ = planted
    with app.app_context():
        result = planner.backtest(analytics.Selection(), None)
    assert result["as_of"] == "2025-12-01"
    assert abs(result["error"]) < 0.25
    assert result["low"] < result["measured"] < result["high"]
    assert result["creators_in_range"] >= 0.6 * result["creators"]


def test_plan_keeps_limits_and_constraints(planted):
    app, _ = planted
    with app.app_context():
        curves = planner.fitted_curves(analytics.Selection(), None)
        busiest = curves.sort_values("current_spend").iloc[-1]["influencer_id"]
        favourite = curves.sort_values("return_per_rupee").iloc[-1]["influencer_id"]
        constraints = planner.Constraints(keep=frozenset([busiest]),
                                          exclude=frozenset([favourite]),
                                          platform_max=(("TikTok", 50_000.0),))
        result = planner.plan(analytics.Selection(), None, 1_000_000, constraints=constraints)
    rows = result["rows"].set_index("influencer_id")
    assert rows["planned_spend"].sum() <= 1_000_000
    assert rows.loc[busiest, "planned_spend"] >= rows.loc[busiest, "current_spend"] - 1
    assert favourite not in rows.index or rows.loc[favourite, "planned_spend"] == 0
    assert rows.loc[rows["platform"] == "TikTok", "planned_spend"].sum() <= 50_000
    limits = curves.set_index("influencer_id")
    assert (rows["planned_spend"] <= (limits["max_posts"] * limits["cost_per_post"])
            .reindex(rows.index) + 1).all()
    assert result["low"] <= result["expected_incremental_revenue"] <= result["high"]


def test_moves_read_as_money_from_one_creator_to_another(planted):
    app, _ = planted
    with app.app_context():
        result = planner.plan(analytics.Selection(), None)
    assert result["moves"]
    for move in result["moves"]:
        assert move["amount"] > 0 and move["from_id"] != move["to_id"]
        assert move["low"] <= move["gain"] <= move["high"]


# --------------------------------------------------------------------------------- CLI

def test_plan_command_prints_the_documented_json(app):
    with app.app_context():
        assert not demo.load_demo(scale=6_000, seed=2).errors
    output = app.test_cli_runner().invoke(args=["plan", "--budget", "200000", "--brand",
                                                "MuscleBlaze"])
    assert output.exit_code == 0, output.output
    document = json.loads(output.output)
    assert list(document) == ["budget", "days", "expected_incremental_revenue", "low", "high",
                              "rows"]
    assert document["budget"] == 200_000 and document["days"] == 30
    assert document["rows"]
    for row in document["rows"]:
        assert list(row) == ["influencer_id", "name", "current_spend", "planned_spend",
                             "expected_incremental_revenue", "low", "high"]
        assert row["influencer_id"].startswith("INF")
    assert sum(row["planned_spend"] for row in document["rows"]) <= 200_000
    assert sum(row["expected_incremental_revenue"] for row in document["rows"]) == \
        pytest.approx(document["expected_incremental_revenue"], abs=1.0)

    csv_output = app.test_cli_runner().invoke(args=["plan", "--budget", "200000", "--format",
                                                    "csv"])
    assert csv_output.exit_code == 0, csv_output.output
    assert csv_output.output.splitlines()[0] == ("influencer_id,name,current_spend,"
                                                 "planned_spend,expected_incremental_revenue,"
                                                 "low,high")


def test_current_spend_counts_back_from_the_last_day_with_data(sqlite_app):
    with sqlite_app.app_context():
        assert not demo.load_demo(scale=3_000, seed=5).errors
        curves = planner.fitted_curves(analytics.Selection(), None, use_cache=False)
        last_month = analytics.metrics(analytics.Selection(
            start=pd.Timestamp("2025-12-02").date(), end=pd.Timestamp("2025-12-31").date()),
            "overall", scope=None)
    assert curves["current_spend"].sum() == pytest.approx(last_month["spend"].iat[0])


def test_plan_command_explains_a_bad_platform_limit(sqlite_app):
    output = sqlite_app.test_cli_runner().invoke(
        args=["plan", "--budget", "100", "--platform-min", "Instagram=lots"])
    assert output.exit_code != 0
    assert "should look like Instagram=50000" in output.output


def test_whole_posts_buys_whole_posts_within_the_budget(planted):
    app, _ = planted
    with app.app_context():
        curves = planner.fitted_curves(analytics.Selection(), None)
    budget = curves["current_spend"].sum()
    planned = planner.optimise(curves, budget, planner.Constraints(whole_posts=True))
    posts = planned / curves["cost_per_post"].where(curves["cost_per_post"] > 0, 1)
    assert planned.sum() <= budget
    assert np.allclose(posts, np.round(posts), atol=1e-3)
    spread = planner.optimise(curves, budget)
    assert planner.expected_revenue(curves, planned).sum() >= \
        0.8 * planner.expected_revenue(curves, spread).sum()


def test_insights_rank_by_the_shrunk_return_and_move_budget_by_the_plan(planted):
    from dashboard.analytics import insights

    app, _ = planted
    with app.app_context():
        result = insights.shrunk_performers(analytics.Selection(), scope=None)
        advice = insights.recommendations(analytics.Selection(), scope=None)
    top = result["top"]
    assert not top.empty and "performance_score" in top
    assert (top["shrunk_return"] >= result["p75"]).all()
    moves = [item for item in advice if item["kind"] == "move_budget"]
    assert moves and all(item["source"] == "planner" for item in moves)
    assert all(item["text"].startswith("Move ₹") for item in moves)


def test_periods_count_back_from_the_last_day_or_follow_calendar_months():
    daily = pd.DataFrame({"creator": [0, 0, 0], "day": pd.to_datetime(
        ["2025-01-15", "2025-01-31", "2025-02-01"]), "revenue": [5.0, 10.0, 20.0],
        "spend": [0.0, 1.0, 2.0], "posts": [0, 1, 1]})
    index = pd.Index([0], name="creator")
    first = pd.Series(pd.to_datetime(["2025-01-01"]), index=index)
    last = pd.Timestamp("2025-02-28")
    counted = planner_fit._periods(daily, index, first, last, 30, calendar=False)
    months = planner_fit._periods(daily, index, first, last, 30, calendar=True)
    # 30 days back from 28 February reach 30 January; the month grid splits at the 1st.
    assert counted["revenue"].tolist() == [[30.0]]
    assert months["revenue"].tolist() == [[20.0, 15.0]]
    assert months["days"].tolist() == [[28.0, 31.0]]
    assert months["posts"].tolist() == [[1.0, 1.0]]
