"""The selection's periods, comparisons and link parameters (dashboard/analytics/selection)."""
from datetime import date

import pytest

from dashboard import analytics
from dashboard.analytics.selection import year_earlier


@pytest.mark.parametrize("period, last_day, expected", [
    ("last7", date(2026, 11, 14), (date(2026, 11, 8), date(2026, 11, 14))),
    ("last30", date(2026, 11, 14), (date(2026, 10, 16), date(2026, 11, 14))),
    ("last90", date(2026, 11, 14), (date(2026, 8, 17), date(2026, 11, 14))),
    # Across a leap day: 30 days up to 1 March 2024 start on 1 February.
    ("last30", date(2024, 3, 1), (date(2024, 2, 1), date(2024, 3, 1))),
    ("this_month", date(2026, 1, 31), (date(2026, 1, 1), date(2026, 1, 31))),
    ("this_month", date(2026, 3, 1), (date(2026, 3, 1), date(2026, 3, 1))),
    # Last month is the whole month, whatever its length.
    ("last_month", date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
    ("last_month", date(2024, 3, 15), (date(2024, 2, 1), date(2024, 2, 29))),
    ("last_month", date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),
    ("last_month", date(2026, 5, 31), (date(2026, 4, 1), date(2026, 4, 30))),
    # Quarters start in January, April, July and October.
    ("quarter", date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
    ("quarter", date(2026, 4, 1), (date(2026, 4, 1), date(2026, 4, 1))),
    ("quarter", date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30))),
    ("quarter", date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
    ("year", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1))),
    ("year", date(2026, 11, 14), (date(2026, 1, 1), date(2026, 11, 14))),
    ("all", date(2026, 11, 14), (None, None)),
])
def test_periods_count_back_from_the_last_day_with_data(period, last_day, expected):
    assert analytics.period_range(period, last_day) == expected


def test_every_period_has_a_range_and_an_unknown_one_is_an_error():
    for period in analytics.PERIODS:
        analytics.period_range(period, date(2024, 2, 29))
    with pytest.raises(ValueError, match="Unknown period 'fortnight'"):
        analytics.period_range("fortnight", date(2024, 2, 29))


def test_a_year_earlier_keeps_the_day_and_moves_29_february_to_the_28th():
    assert year_earlier(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_earlier(date(2025, 3, 1)) == date(2024, 3, 1)
    assert year_earlier(date(2025, 2, 28)) == date(2024, 2, 28)


def test_comparison_is_the_previous_period_or_the_same_days_last_year():
    march = analytics.Selection(start=date(2024, 3, 1), end=date(2024, 3, 31))
    previous = march.comparison_period()
    assert (previous.start, previous.end) == (date(2024, 1, 30), date(2024, 2, 29))
    assert march.comparison_words() == "the previous 31 days"
    last_year = analytics.Selection(start=date(2024, 2, 1), end=date(2024, 2, 29),
                                    compare="year").comparison_period()
    assert (last_year.start, last_year.end) == (date(2023, 2, 1), date(2023, 2, 28))
    assert analytics.Selection(compare="year").comparison_period() is None
    assert analytics.Selection(start=date(1, 1, 1), end=date(1, 2, 1),
                               compare="year").comparison_period() is None
    assert analytics.Selection(start=date(2024, 1, 1), end=date(2024, 1, 7),
                               compare="year").comparison_words() == "the same days last year"


def test_a_page_link_without_dates_opens_on_the_default_period_and_resolves_it():
    plain = analytics.Selection.from_query("brand=Gritzo", default_period="last30")
    assert plain.period == "last30" and plain.start is None
    resolved = plain.resolved(date(2025, 1, 5), date(2025, 2, 20))
    assert (resolved.start, resolved.end) == (date(2025, 1, 22), date(2025, 2, 20))
    assert (resolved.data_start, resolved.data_end) == (date(2025, 1, 5), date(2025, 2, 20))
    # Exports and the API read the same link as every date.
    assert analytics.Selection.from_query("brand=Gritzo").period is None
    # Dates given by hand are kept; a named period wins over the dates beside it.
    dated = analytics.Selection.from_query("start=2025-01-01", default_period="last30")
    assert dated.period is None and dated.resolved(None, date(2025, 2, 20)).start == date(
        2025, 1, 1)
    named = analytics.Selection.from_query("period=last7&start=2020-01-01&end=2020-02-01")
    assert named.resolved(None, date(2025, 2, 20)).start == date(2025, 2, 14)
    # Without data there is nothing to count back from: the selection stays as it is.
    assert analytics.Selection(period="last7").resolved(None, None).start is None


def test_period_comparison_and_trend_step_round_trip_through_the_link():
    selection = analytics.Selection(period="quarter", compare="year", freq="month",
                                    brands=frozenset({"Gritzo"})).resolved(
        None, date(2026, 5, 10))
    query = selection.to_query()
    assert query.startswith("period=quarter&start=2026-04-01&end=2026-05-10")
    assert "compare=year" in query and "freq=month" in query
    again = analytics.Selection.from_query(query)
    assert again == analytics.Selection(
        period="quarter", compare="year", freq="month", brands=frozenset({"Gritzo"}),
        start=date(2026, 4, 1), end=date(2026, 5, 10))
    assert again.cache_key() != analytics.Selection.from_query(
        query.replace("compare=year", "compare=previous")).cache_key()
    # Defaults are left out of the link, except that no dates means all time: a link without
    # dates opens on the most recent 30 days.
    assert analytics.Selection().to_query() == "period=all"


def test_bad_period_comparison_and_step_in_a_link_are_noted_not_used():
    selection = analytics.Selection.from_query(
        "period=fortnight&compare=<script>&freq=hourly", default_period="last30")
    assert (selection.period, selection.compare, selection.freq) == (None, "previous", "auto")
    assert selection.notes == (
        "The period 'fortnight' in the link is not one of Last 7 days, Last 30 days, Last 90 "
        "days, This month, Last month, Quarter to date, Year to date, All time, so it was "
        "left out (the dates in the link instead).",
        "The comparison '<script>' in the link is not one of Previous period, Same period "
        "last year, so it was left out (the previous period instead).",
        "The trend step 'hourly' in the link is not one of Automatic, Day, Week, Month, so "
        "it was left out (the automatic step instead).")
    # The filter bar's "dates picked by hand" is no period, and no note.
    custom = analytics.Selection.from_values(period="custom")
    assert custom.period is None and not custom.notes


def test_a_views_own_control_comes_from_the_link_with_a_note_when_unknown():
    choices = {"influencer": "Creator", "campaign": "Campaign"}
    assert analytics.view_option("?by=campaign", "by", choices, "influencer",
                                 "grouping") == ("campaign", ())
    assert analytics.view_option("", "by", choices, "influencer", "grouping") == (
        "influencer", ())
    value, notes = analytics.view_option("by=colour", "by", choices, "influencer", "grouping")
    assert value == "influencer"
    assert notes == ("The grouping 'colour' in the link is not one we know, so Creator was "
                     "used.",)
