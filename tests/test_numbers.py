"""layouts/numbers.py and the chart axes built on it: lakh/crore, round aligned ticks."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layouts import figures, numbers


@pytest.mark.parametrize("value, short, full", [
    (0, "₹0", "₹0"),
    (850, "₹850", "₹850"),
    (85_000, "₹85,000", "₹85,000"),
    (99_999.4, "₹99,999", "₹99,999"),
    (100_000, "₹1.0 L", "₹1,00,000"),
    (1_500_000, "₹15.0 L", "₹15,00,000"),
    (3_533_320, "₹35.3 L", "₹35,33,320"),
    (12_000_000, "₹1.2 Cr", "₹1,20,00,000"),
    (1_234_567_890, "₹123.5 Cr", "₹1,23,45,67,890"),
    (-121_200, "−₹1.2 L", "−₹1,21,200"),
    (12.5, "₹12.50", "₹12.50"),
    (None, "–", "–"),
    (float("nan"), "–", "–"),
])
def test_money_in_lakh_and_crore(value, short, full):
    assert numbers.money(value) == short
    assert numbers.money_full(value) == full


@pytest.mark.parametrize("value, tick", [
    (0, "₹0"), (50_000, "₹50,000"), (250_000, "₹2.5 L"), (500_000, "₹5 L"),
    (1_000_000, "₹10 L"), (10_000_000, "₹1 Cr"), (25_000_000, "₹2.5 Cr")])
def test_money_ticks_drop_needless_decimals(value, tick):
    assert numbers.money_tick(value) == tick


def test_an_axis_uses_one_unit():
    ticks = [0, 50_000, 100_000, 150_000]
    assert [numbers.money_tick(value, ticks[-1]) for value in ticks] == [
        "₹0", "₹0.5 L", "₹1 L", "₹1.5 L"]
    ticks = [0, 5_000_000, 10_000_000, 15_000_000]
    assert [numbers.money_tick(value, ticks[-1]) for value in ticks] == [
        "₹0", "₹0.5 Cr", "₹1 Cr", "₹1.5 Cr"]


@pytest.mark.parametrize("top", [0.785, 1.571, 3.2, 7.7, 42, 1234, 3_533_320, 0.04])
def test_steps_are_round(top):
    step = numbers.nice_step(top, 5)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in (1, 2, 2.5, 5)
    assert step * 5 >= top * 0.999


@pytest.mark.parametrize("money_top, ratio_top", [
    (3_533_320, 3.14159), (121_200, 0.785), (10, 12.0), (0, 0)])
def test_aligned_axes_share_their_gridlines(money_top, ratio_top):
    (money_step, money_end), (ratio_step, ratio_end), count = numbers.aligned_axes(
        money_top, ratio_top)
    assert money_end == pytest.approx(money_step * count)
    assert ratio_end == pytest.approx(ratio_step * count)
    assert money_end >= money_top and ratio_end >= ratio_top


def test_money_and_roas_chart_starts_at_zero_with_aligned_round_ticks():
    figure = figures.money_and_roas(
        ["Instagram", "YouTube"], [1_500_000, 320_000], [400_000, 610_000],
        {"type": "scatter", "x": ["Instagram", "YouTube"], "y": [3.75, 0.5246],
         "name": "ROAS"})
    left, right = figure["layout"]["yaxis"], figure["layout"]["yaxis2"]
    assert left["range"][0] == 0 and right["range"][0] == 0
    assert len(left["tickvals"]) == len(right["tickvals"])
    assert list(left["ticktext"])[:2] == ["₹0", "₹5 L"]
    assert all(text.endswith("×") and len(text[:-1].partition(".")[2]) <= 1
               for text in right["ticktext"]), right["ticktext"]
    assert figure["layout"]["hovermode"] == "x unified"
    hover = figure["data"][0]["customdata"]
    assert list(hover) == ["₹15.0 L", "₹3.2 L"]


def test_long_names_get_horizontal_bars_and_the_break_even_label_inside():
    figure = figures.roas_bars(["Saanvi Joshi (INF00016)", "Saanvi Joshi (INF00029)"],
                               [1.4, 0.6], [1.1, 0.5], horizontal=True)
    assert {trace["orientation"] for trace in figure["data"]} == {"h"}
    assert figure["layout"]["xaxis"]["range"][0] == 0
    (label,) = figure["layout"]["annotations"]
    assert label["text"] == "break-even 1×"


def test_weeks_are_named_by_their_monday():
    figure = figures.figure()
    figures.period_axis(figure, "week", 30)
    assert figure["layout"]["xaxis"]["tickformat"] == "Week of %-d %b"
    assert figure["layout"]["xaxis"]["hoverformat"].startswith("Week of ")


@settings(max_examples=500, deadline=None)
@given(values=st.lists(st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-200, max_value=200),
    st.floats(min_value=99_000, max_value=101_000),
    st.integers(-10**12, 10**12).map(float),
    st.sampled_from([99.995, 99_999.5, 99_999.49, 9_999_999.96, -0.0, 0.004]))))
def test_money_for_many_values_is_money_for_each(values):
    assert numbers.money_texts(values) == [numbers.money(value) for value in values]
