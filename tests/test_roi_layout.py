"""layouts/roi.py: the groups each chart shows, picked from arrays, are the ones a sort of the
whole frame picks, in the same order, ties and gaps included."""
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import analytics
from layouts import roi

SELECTION = analytics.Selection()
# Few distinct values, so ties are common; NaN for a ratio with no spend.
VALUES = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0, float("nan")]),
                   st.floats(min_value=-5, max_value=5))


def creators(spend, revenue, roas, names=None):
    count = len(spend)
    names = names if names is not None else [f"Creator {index % 7}" for index in range(count)]
    return pd.DataFrame({
        "influencer_id": pd.Series([f"INF{index:05d}" for index in range(count)], dtype=str),
        "name": pd.Series(names, dtype=str),
        "spend": spend, "revenue": revenue, "orders": np.arange(count) % 5,
        # Ratios arrive as objects, None where undefined (analytics.metrics).
        "roas": pd.Series([None if np.isnan(value) else value for value in roas],
                          dtype=object),
        "incremental_roas": pd.Series([None] * count, dtype=object),
        "cpo": pd.Series([None if np.isnan(value) else abs(value) for value in roas],
                         dtype=object)})


@settings(max_examples=300, deadline=None)
@given(values=st.lists(VALUES, max_size=80), count=st.integers(1, 30),
       ascending=st.booleans(), mask_seed=st.integers(0, 2**16))
def test_top_positions_are_a_stable_sort_of_the_frame(values, count, ascending, mask_seed):
    values = np.array(values, dtype=float)
    where = np.random.default_rng(mask_seed).random(len(values)) < 0.8
    expected = (pd.Series(values)[where]
                .sort_values(ascending=ascending, na_position="last", kind="stable")
                .head(count).index.tolist())
    assert roi.top_positions(values, count, where=where, ascending=ascending).tolist() == \
        expected


def test_the_scatter_keeps_the_points_with_most_spend_then_revenue_in_a_stable_order():
    rng = np.random.default_rng(3)
    count = roi.MAX_POINTS + 500
    # Spend and revenue in a few steps: thousands of exact ties on both.
    spend = rng.integers(0, 40, count) * 1000.0
    revenue = rng.integers(0, 3, count) * 500.0
    groups = creators(spend, revenue, np.full(count, np.nan))
    figure = roi.scatter_figure(groups, "influencer", SELECTION)

    shown = groups[(groups["spend"] > 0) | (groups["revenue"] > 0)].sort_values(
        ["spend", "revenue"], ascending=False, kind="stable").head(roi.MAX_POINTS)
    assert figure["layout"]["meta"]["point_links"]["middles"] == \
        shown["influencer_id"].tolist()
    assert figure["data"][1]["text"] == [f"{name} ({key})" for name, key in
                                         zip(shown["name"], shown["influencer_id"])]
    assert figure["data"][1]["name"] == (
        f"Creator ({roi.MAX_POINTS:,} with the most spend, of "
        f"{int(((spend > 0) | (revenue > 0)).sum()):,})")


def test_the_bars_show_the_highest_roas_and_the_lowest_cost_per_order():
    roas = np.array([2.0, np.nan, 0.5, 2.0, 3.0, 0.0, 1.0])
    groups = creators(np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]),
                      np.ones(7), roas)
    bars = roi.roas_figure(groups, "influencer", SELECTION)["data"][0]
    # Creator 3 has no spend, creator 1 no ROAS: last, after every number.
    assert bars["y"] == ["Creator 4 (INF00004)", "Creator 0 (INF00000)",
                         "Creator 6 (INF00006)", "Creator 2 (INF00002)",
                         "Creator 5 (INF00005)", "Creator 1 (INF00001)"]
    cpo = roi.cpo_figure(groups, "influencer", SELECTION)["data"][0]
    assert cpo["y"] == ["Creator 5 (INF00005)", "Creator 2 (INF00002)",
                        "Creator 6 (INF00006)", "Creator 0 (INF00000)",
                        "Creator 3 (INF00003)", "Creator 4 (INF00004)"]


def test_a_creator_without_a_name_is_called_by_id_alone():
    groups = creators(np.ones(3), np.ones(3), np.ones(3), names=["Asha", None, "Ravi <b>"])
    assert roi.group_names(groups, "influencer").tolist() == [
        "Asha (INF00000)", " (INF00001)", "Ravi <b> (INF00002)"]


def test_the_measured_baseline_is_named_as_a_join_would_name_it():
    groups = creators(np.ones(4), np.ones(4), np.ones(4), names=["A", None, "C", "D"])
    baseline = pd.DataFrame({
        "influencer_id": pd.Series(["INF00002", "INF00009", "INF00001", "INF00000"],
                                   dtype=str),
        "revenue": [3.0, 2.0, 1.0, 0.0]})
    joined = baseline.merge(groups[["influencer_id", "name"]], on="influencer_id", how="left")
    named = roi.named_baseline(baseline, "influencer", groups)
    pd.testing.assert_frame_equal(named, joined)
    # A creator listed twice is named by the first row, as before.
    twice = pd.concat([groups, groups.assign(name="Other")], ignore_index=True)
    assert roi.named_baseline(baseline, "influencer", twice)["name"].tolist() == \
        joined["name"].tolist()


def test_float_values_read_every_kind_of_metric_column_with_nan_for_missing():
    frame = pd.DataFrame({
        "ratio": np.array([1.5, None, 0.0], dtype=object),
        "count": np.array([3, 0, 7], dtype="int64"),
        "money": [10.5, float("nan"), 0.0],
        "nullable": pd.array([2, None, 4], dtype="Int64"),
    })
    expected = {"ratio": [1.5, np.nan, 0.0], "count": [3.0, 0.0, 7.0],
                "money": [10.5, np.nan, 0.0], "nullable": [2.0, np.nan, 4.0]}
    for column, values in expected.items():
        got = roi.float_values(frame, column)
        assert got.dtype == np.float64, column
        np.testing.assert_array_equal(got, np.array(values), err_msg=column)
    # The frame's own column is never changed through the array.
    roi.float_values(frame, "money")[0] = -1
    assert frame["money"][0] == 10.5
