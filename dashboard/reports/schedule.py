"""When a subscription is due: daily, weekly (Monday) or monthly (the 1st), at a local time."""
import os
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.reports import FREQUENCIES

UTC_ZONE = timezone.utc
DEFAULT_AT_MINUTE = 8 * 60
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Longer than any gap between two scheduled days (a month), so a search always ends.
_SEARCH_DAYS = 40


class ScheduleError(ValueError):
    """A frequency or time of day that cannot be used; the text says which and why."""


def server_zone():
    """The server's time zone as an IANA zone (DST rules included), UTC when unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        with open("/etc/timezone", encoding="utf-8") as file:
            candidates.append(file.read().strip())
    except OSError:
        pass
    try:
        candidates.append(os.path.realpath("/etc/localtime").split("zoneinfo/", 1)[1])
    except (OSError, IndexError):
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def zone_named(name):
    """The user's zone, or the server's when they set none."""
    return ZoneInfo(name) if name else server_zone()


def clean_frequency(every):
    every = (every or "").strip().lower()
    if every not in FREQUENCIES:
        raise ScheduleError(f"How often must be one of {', '.join(FREQUENCIES)}, "
                            f"not {every or 'nothing'!r}.")
    return every


def parse_time_of_day(text):
    """Minutes after midnight for "HH:MM" (24-hour clock); empty means 08:00."""
    text = (text or "").strip()
    if not text:
        return DEFAULT_AT_MINUTE
    hours, colon, minutes = text.partition(":")
    if (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
            and int(hours) < 24 and int(minutes) < 60):
        return int(hours) * 60 + int(minutes)
    raise ScheduleError(f"The time of day must look like 08:00 (24-hour clock), not {text!r}.")


def time_of_day_text(at_minute):
    return f"{at_minute // 60:02d}:{at_minute % 60:02d}"


def describe(every, at_minute, zone_name):
    at = time_of_day_text(at_minute)
    zone = zone_name or f"the server's time zone ({server_zone().key})"
    when = {"daily": "every day", "weekly": "every Monday",
            "monthly": "on the 1st of every month"}[every]
    return f"{when} at {at}, {zone}"


def is_scheduled_day(every, day: date) -> bool:
    return (every == "daily" or (every == "weekly" and day.weekday() == 0)
            or (every == "monthly" and day.day == 1))


def occurrence(day: date, at_minute, zone) -> datetime:
    """The UTC moment of `at_minute` on local `day`. A time the clocks skip (spring forward)
    is read with the offset before the change, so it falls an hour later; a time that
    happens twice (autumn) is the first of the two."""
    local = datetime.combine(day, time(at_minute // 60, at_minute % 60), tzinfo=zone)
    return local.astimezone(timezone.utc)


def next_after(every, at_minute, zone, after: datetime):
    """(local date, UTC moment) of the first scheduled time strictly after `after` (aware)."""
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(_SEARCH_DAYS + 2):
        if is_scheduled_day(every, day):
            moment = occurrence(day, at_minute, zone)
            if moment > after:
                return day, moment
        day += timedelta(days=1)
    raise ScheduleError(f"No {every} time found after {after.isoformat()}.")


def latest_due(every, at_minute, zone, created: datetime, now: datetime):
    """(local date, UTC moment) of the latest scheduled time at or before `now` that is after
    `created`, or None. Periods missed while nothing ran are not sent one by one: only the
    latest is, so a stopped scheduler never floods an inbox when it comes back."""
    first_day, first = next_after(every, at_minute, zone, created)
    if first > now:
        return None
    day = now.astimezone(zone).date() + timedelta(days=1)
    while day >= first_day:
        if is_scheduled_day(every, day):
            moment = occurrence(day, at_minute, zone)
            if moment <= now:
                return day, moment
        day -= timedelta(days=1)
    return first_day, first


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime from a stored naive UTC one (or an aware one)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def naive_utc(moment: datetime) -> datetime:
    """How the database stores a moment: UTC without a zone."""
    return as_utc(moment).replace(tzinfo=None)


def parse_now(text):
    """--now for the CLI: ISO 8601; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"--now must be an ISO time such as 2026-12-07T08:05:00+05:30, "
                            f"not {text!r}.") from None
    return as_utc(moment)


def utc_now():
    return datetime.now(timezone.utc)
