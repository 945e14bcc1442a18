"""Row checks: the type and length rules of every column, and the problems they find."""
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.importing import dates
from dashboard.importing.schemas import SCHEMAS
from models.influencers import PLATFORMS
from models.payouts import BASES

PLATFORM_BY_LOWER = {platform.lower(): platform for platform in PLATFORMS}
# Above 2**53 a float (how numbers are read) no longer holds every whole number, and an
# int64 overflows soon after; no order count or revenue comes near either cap.
MAX_NUMBER = {"integer": 2 ** 53 - 1, "decimal": 1e15}


@dataclass
class ImportProblem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self):
        if not self.file:
            return self.message
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class Problems:
    """Every problem is counted; the first `limit` are kept with their message."""

    def __init__(self, limit):
        self.limit = limit
        self.items = []
        self.count = 0
        self.by_file = Counter()
        self.unlisted_by_file = Counter()

    def add(self, file, line, column, message):
        self.count += 1
        self.by_file[file] += 1
        if len(self.items) < self.limit:
            self.items.append(ImportProblem(file, line, column, message))
        else:
            self.unlisted_by_file[file] += 1

    def add_rows(self, file, lines, column, values, describe):
        """One problem per failed row; messages are built only for rows still listed."""
        total = len(lines)
        if not total:
            return
        room = max(0, self.limit - len(self.items))
        for line, value in zip(lines[:room].tolist(), list(values[:room])):
            self.items.append(ImportProblem(file, int(line), column, describe(value)))
        listed = min(room, total)
        self.count += total
        self.by_file[file] += total
        self.unlisted_by_file[file] += total - listed

    def listed(self):
        extra = [ImportProblem(file, None, None,
                               f"{count:,} more problems like these were found and not listed.")
                 for file, count in self.unlisted_by_file.items() if count]
        return self.items + extra


def quote(value):
    return f"'{shortened(value)}'"


def shortened(value):
    """Enough of a value to find it by: a report never repeats a giant value whole."""
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


class _Checked:
    """A chunk's columns, cleaned and typed, and which rows failed a rule."""

    def __init__(self, rows, lines):
        self.rows = rows
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self.values = {}
        # column -> rows whose value is over the column's limit (already reported)
        self.too_long = {}


def check_chunk(job, rows, lines, problems):
    """Apply docs/datasets.md's type rules to a chunk, vectorized; report each failing cell."""
    name = job.file.name
    checked = _Checked(rows, lines)
    for column in SCHEMAS[job.dataset]:
        raw = rows.get(column.name)
        if raw is None:
            checked.values[column.name] = None
            continue
        text = raw.str.strip() if job.scan.needs_strip else raw
        empty = (text == "").to_numpy()
        if column.max_length:
            _check_length(job, column, text, checked, problems)
        if column.kind == "optional":
            checked.values[column.name] = text.where(~empty, None)
            continue
        if column.required and empty.any():
            problems.add_rows(name, lines[empty], column.name, np.zeros(empty.sum()),
                              lambda _v, c=column.name: f"{c} is empty; it is required.")
            checked.bad |= empty
        filled = ~empty
        if column.kind == "text":
            checked.values[column.name] = text
            continue
        # Dates, numbers and names repeat: each rule runs once per distinct value.
        codes, distinct = pd.factorize(text.to_numpy(dtype=object))
        distinct = pd.Series(distinct, dtype=object)
        if column.kind in ("integer", "decimal"):
            numbers = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=np.float64,
                                                                         na_value=np.nan)
            with np.errstate(invalid="ignore"):
                good = np.isfinite(numbers) & (numbers >= 0)
                if column.kind == "integer":
                    good &= np.floor(numbers) == numbers
                too_big = good & (numbers > MAX_NUMBER[column.kind])
            good &= ~too_big
            numbers, good, too_big = numbers[codes], good[codes], too_big[codes]
            what = ("a whole number of 0 or more" if column.kind == "integer"
                    else "a number of 0 or more")
            failed = filled & ~good & ~too_big
            if failed.any():
                problems.add_rows(name, lines[failed], column.name, text[failed].tolist(),
                                  lambda v, c=column.name, w=what: f"{c} must be {w}, "
                                                                    f"not {quote(v)}.")
            if too_big.any():
                most = f"{MAX_NUMBER[column.kind]:,.0f}"
                problems.add_rows(name, lines[too_big], column.name, text[too_big].tolist(),
                                  lambda v, c=column.name, w=what, m=most:
                                  f"{c} must be {w}, at most {m}, not {quote(v)}.")
            checked.bad |= filled & ~good
            numbers = np.where(good, numbers + 0.0, np.nan)
            checked.values[column.name] = numbers
        elif column.kind == "platform":
            platform = pd.Series(distinct.str.lower().map(PLATFORM_BY_LOWER)
                                 .to_numpy(dtype=object)[codes], dtype=object)
            failed = filled & platform.isna().to_numpy()
            if failed.any():
                problems.add_rows(name, lines[failed], column.name, text[failed].tolist(),
                                  lambda v: f"platform must be one of {', '.join(PLATFORMS)}, "
                                            f"not {quote(v)}.")
                checked.bad |= failed
            checked.values[column.name] = platform
        elif column.kind == "basis":
            basis = pd.Series(distinct.str.lower().to_numpy(dtype=object)[codes], dtype=object)
            failed = filled & ~basis.isin(BASES).to_numpy()
            if failed.any():
                problems.add_rows(name, lines[failed], column.name, text[failed].tolist(),
                                  lambda v: f"basis must be post or order, not {quote(v)}.")
                checked.bad |= failed
            checked.values[column.name] = basis
        elif column.kind == "date":
            day, why = _dates(distinct)
            day, why = pd.Series(day.to_numpy(dtype=object)[codes], dtype=object), why[codes]
            for reason, describe in _DATE_PROBLEMS.items():
                failed = filled & (why == reason)
                if failed.any():
                    problems.add_rows(name, lines[failed], column.name, text[failed].tolist(),
                                      lambda v, c=column.name, d=describe: d(c, quote(v)))
                    checked.bad |= failed
            checked.values[column.name] = day
    return checked


def _check_length(job, column, text, checked, problems):
    """A value longer than its column's limit is a problem at its line and column."""
    if not job.scan.has_quotes and job.scan.longest_line <= column.max_length:
        # Every value lies within one line, so none can be longer: skip counting 10M values.
        return
    lengths = text.str.len().to_numpy()
    too_long = lengths > column.max_length
    if too_long.any():
        problems.add_rows(job.file.name, checked.lines[too_long], column.name,
                          lengths[too_long],
                          lambda n, c=column: f"{c.name} is {n:,} characters long; at most "
                                              f"{c.max_length:,} are allowed.")
        checked.bad |= too_long
        checked.too_long[column.name] = too_long


# Why a date was refused (the codes _dates gives) -> the problem in words.
_DATE_PROBLEMS = {
    1: lambda column, value: f"{column} must be a date like {dates.EXAMPLE}, not {value}.",
    2: lambda column, value: (f"{column} has a time of day that does not exist; write it "
                              f"like {dates.EXAMPLE} or {dates.EXAMPLE_WITH_TIME}, not {value}."),
    3: lambda column, value: f"{column} must be {dates.range_text()}, not {value}.",
}


def _dates(text):
    """Each value's day as ISO text (None where it is refused), and why it was refused: 0 a
    usable day, 1 not a date, 2 a time that does not exist, 3 a day out of range.

    A date is YYYY-MM-DD with two-digit month and day; a time part after it is allowed and
    dropped.
    """
    why = np.ones(len(text), dtype=np.int8)
    good = text.str.fullmatch(dates.DATE_PATTERN).to_numpy(dtype=bool, na_value=False,
                                                           copy=True)
    shaped = ~good & text.str.fullmatch(dates.DATE_TIME_SHAPE).to_numpy(
        dtype=bool, na_value=False)
    why[shaped] = 2
    # Compared as text before parsing: year 0 is no day Python can hold.
    day_text = text.str.slice(0, 10)
    in_range = ((day_text >= dates.FIRST_DAY.isoformat())
                & (day_text <= dates.last_day().isoformat())).to_numpy(dtype=bool)
    why[good & ~in_range] = 3
    good &= in_range
    # Timestamps rarely repeat but their days do: each day is parsed once, and written
    # back from the parsed value, so only a real calendar day can ever be stored.
    codes, days = pd.factorize(day_text.where(good, None).to_numpy(dtype=object))
    parsed = pd.to_datetime(pd.Series(days, dtype=object), format="%Y-%m-%d", errors="coerce")
    iso_days = np.array([None if value is pd.NaT else value.date().isoformat()
                         for value in parsed.tolist()] + [None], dtype=object)
    # A value that is not a date has code -1: it picks the None appended last.
    day = pd.Series(iso_days[codes], dtype=object)
    good &= day.notna().to_numpy()
    why[good] = 0
    return day, why


def lookup(names, ids_by_name):
    """ids_by_name[name] for each row as floats, NaN where absent; one dict lookup per
    distinct name (a Series.map over 10M strings costs seconds)."""
    codes, distinct = pd.factorize(np.asarray(names, dtype=object))
    found = np.array([ids_by_name.get(name, np.nan) for name in distinct.tolist()]
                     + [np.nan], dtype=np.float64)
    # A missing value has code -1: it picks the NaN appended last.
    return found[codes]


def duplicates_in_file(job, checked, column, first_lines, problems, key=None):
    """Rows whose key was already used by an earlier row of the file: each one is a problem."""
    keys = checked.values[column] if key is None else key
    duplicate = np.zeros(len(checked.lines), dtype=bool)
    for index, (value, line) in enumerate(zip(keys.tolist(), checked.lines.tolist())):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        first = first_lines.setdefault(value, line)
        if first != line:
            duplicate[index] = True
            problems.add(job.file.name, line, column,
                         f"{column} {quote(value)} appears more than once in the file "
                         f"(first on line {first:,}); it must be unique.")
    checked.bad |= duplicate


def resolve_influencers(context, job, checked):
    """Each row's influencer_pk (influencers.id); an unknown influencer_id is a problem."""
    keys = checked.values["influencer_id"]
    ids = lookup(keys, context.influencers)
    unknown = np.isnan(ids) & (keys != "").to_numpy()
    if "influencer_id" in checked.too_long:
        # Reported as too long; that it names no influencer would say the same twice.
        unknown &= ~checked.too_long["influencer_id"]
    if unknown.any():
        # Rows naming an influencer whose own row failed are bad, but already reported.
        reported = keys[unknown].isin(context.failed_influencer_keys).to_numpy()
        unknown_positions = np.flatnonzero(unknown)
        fresh = unknown_positions[~reported]
        context.problems.add_rows(
            job.file.name, checked.lines[fresh], "influencer_id", keys.iloc[fresh].tolist(),
            lambda v: f"influencer_id {quote(v)} is not in the database or in this upload.")
        checked.bad[unknown_positions] = True
    return ids
