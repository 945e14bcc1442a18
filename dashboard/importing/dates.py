"""The days the dashboard accepts, from a file or a link: 2000-01-01 to a year from today."""
import re
from datetime import date, datetime, timezone

FIRST_DAY = date(2000, 1, 1)
# [0-9], not \d: \d also takes other scripts' digits, which the database cannot read.
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])"
# A day, optionally with a real time of day after it (the time is dropped).
DATE_PATTERN = rf"{_DAY}(?:[T ]{_TIME}\s*{_OFFSET}?)?"
# Shaped like a date and time but with any numbers in the time: told apart from other text
# so the message can say the time is what is wrong.
DATE_TIME_SHAPE = (rf"{_DAY}[T ][0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}}(?:\.[0-9]+)?)?\s*"
                   r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?")
EXAMPLE = "2025-01-31"
EXAMPLE_WITH_TIME = "2025-01-31T14:30"


def today():
    """Today in UTC: the same day on every server, whatever its time zone."""
    return datetime.now(timezone.utc).date()


def last_day():
    """A year from today; 29 February has no twin next year, so the 28th stands in."""
    now = today()
    try:
        return now.replace(year=now.year + 1)
    except ValueError:
        return now.replace(year=now.year + 1, day=28)


def range_text():
    return f"between {FIRST_DAY.isoformat()} and {last_day().isoformat()}"


def parse_day(text):
    """(day, None) for a usable day, else (None, why) in words that follow "the date ... "."""
    text = str(text).strip()
    if not re.fullmatch(DATE_PATTERN, text):
        if re.fullmatch(DATE_TIME_SHAPE, text):
            return None, "has a time of day that does not exist"
        return None, f"is not a date like {EXAMPLE}"
    # Compared as text first: year 0 is no day Python can hold, but it is out of range.
    if not FIRST_DAY.isoformat() <= text[:10] <= last_day().isoformat():
        return None, f"is not {range_text()}"
    try:
        return date.fromisoformat(text[:10]), None
    except ValueError:
        return None, f"is not a date like {EXAMPLE}"
