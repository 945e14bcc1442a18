"""When a subscription is due: first delivery, Mondays, the 1st, time zones and DST."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.reports import schedule

UTC = timezone.utc
KOLKATA = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def test_daily_first_delivery_is_the_next_8_am_in_the_users_zone():
    # 02:00 UTC is 07:30 in Kolkata: today's 08:00 there is still ahead.
    day, moment = schedule.next_after("daily", 480, KOLKATA, utc(2026, 12, 1, 2, 0))
    assert (day.isoformat(), moment) == ("2026-12-01", utc(2026, 12, 1, 2, 30))
    # 03:00 UTC is 08:30 there: the first one is tomorrow's.
    day, moment = schedule.next_after("daily", 480, KOLKATA, utc(2026, 12, 1, 3, 0))
    assert (day.isoformat(), moment) == ("2026-12-02", utc(2026, 12, 2, 2, 30))


def test_weekly_means_the_next_monday():
    # Tuesday 1 Dec 2026: the next Monday is the 7th.
    day, moment = schedule.next_after("weekly", 480, UTC, utc(2026, 12, 1, 12))
    assert day.isoformat() == "2026-12-07" and day.weekday() == 0
    assert moment == utc(2026, 12, 7, 8)
    # Made on a Monday before 08:00: that same morning.
    assert schedule.next_after("weekly", 480, UTC, utc(2026, 12, 7, 7, 59))[1] == utc(
        2026, 12, 7, 8)
    # Made on a Monday just after: a week later.
    assert schedule.next_after("weekly", 480, UTC, utc(2026, 12, 7, 8))[1] == utc(
        2026, 12, 14, 8)


def test_monthly_means_the_1st_across_a_year_end():
    day, moment = schedule.next_after("monthly", 9 * 60 + 15, KOLKATA, utc(2026, 12, 1, 12))
    assert day.isoformat() == "2027-01-01"
    assert moment == utc(2027, 1, 1, 3, 45)


def test_a_monday_in_kolkata_can_be_sunday_in_utc():
    # 01:00 on Monday in Kolkata is 19:30 on Sunday UTC.
    day, moment = schedule.next_after("weekly", 60, KOLKATA, utc(2026, 12, 1))
    assert day.weekday() == 0 and moment == utc(2026, 12, 6, 19, 30)
    assert moment.weekday() == 6


def test_london_8_am_follows_the_clock_change():
    # Before 29 March 2026 London is on GMT (UTC+0), after it on BST (UTC+1).
    assert schedule.next_after("daily", 480, LONDON, utc(2026, 3, 28, 9))[1] == utc(
        2026, 3, 29, 7)
    assert schedule.next_after("daily", 480, LONDON, utc(2026, 3, 27, 9))[1] == utc(
        2026, 3, 28, 8)
    # Autumn: Sunday 25 October 2026 is back on GMT.
    assert schedule.next_after("daily", 480, LONDON, utc(2026, 10, 24, 9))[1] == utc(
        2026, 10, 25, 8)


def test_a_time_the_clocks_skip_is_sent_an_hour_later_not_skipped():
    # 01:30 on 29 March 2026 does not exist in London; it is read as 01:30 GMT.
    day, moment = schedule.next_after("daily", 90, LONDON, utc(2026, 3, 28, 12))
    assert day.isoformat() == "2026-03-29" and moment == utc(2026, 3, 29, 1, 30)


def test_latest_due_is_none_before_the_first_time_and_the_latest_one_after():
    created = utc(2026, 12, 1, 12)
    assert schedule.latest_due("weekly", 480, UTC, created, utc(2026, 12, 7, 7, 59)) is None
    assert schedule.latest_due("weekly", 480, UTC, created, utc(2026, 12, 7, 8))[1] == utc(
        2026, 12, 7, 8)
    # Three weeks later only the latest Monday is due (no flood of missed ones).
    day, moment = schedule.latest_due("weekly", 480, UTC, created, utc(2026, 12, 30))
    assert (day.isoformat(), moment) == ("2026-12-28", utc(2026, 12, 28, 8))


def test_a_subscription_made_just_after_its_time_waits_for_the_next_one():
    created = utc(2026, 12, 7, 8, 1)
    assert schedule.latest_due("weekly", 480, UTC, created, utc(2026, 12, 7, 9)) is None
    assert schedule.latest_due("daily", 480, UTC, created, utc(2026, 12, 8, 8))[0].isoformat() \
        == "2026-12-08"


@pytest.mark.parametrize("text, minutes", [("", 480), ("08:00", 480), ("7:05", 425),
                                           ("23:59", 1439)])
def test_time_of_day(text, minutes):
    assert schedule.parse_time_of_day(text) == minutes


@pytest.mark.parametrize("text", ["24:00", "8", "08:5", "noon", "-1:00"])
def test_bad_time_of_day_says_what_it_should_look_like(text):
    with pytest.raises(schedule.ScheduleError, match="08:00"):
        schedule.parse_time_of_day(text)


def test_bad_frequency_names_the_choices():
    with pytest.raises(schedule.ScheduleError, match="daily, weekly, monthly"):
        schedule.clean_frequency("hourly")


def test_now_without_a_zone_is_utc():
    assert schedule.parse_now("2026-12-07T08:00") == utc(2026, 12, 7, 8)
    assert schedule.parse_now("2026-12-07T13:30+05:30") == utc(2026, 12, 7, 8)
