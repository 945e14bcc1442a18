"""Import the CSV files of docs/datasets.md: check every row, then write them all at once."""
import codecs
import csv
import hashlib
import logging
import os
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import OperationalError

from dashboard import audit
from dashboard.importing import dates, rollups
from dashboard.extensions import db, index_build_cache
from models import (Brand, Campaign, DataState, ImportBatch, Influencer, Order, Payout, Post,
                    Product)
from models.influencers import PLATFORMS, tier_for
from models.payouts import BASES

log = logging.getLogger(__name__)

# Dependency order: a file may refer to rows of the files before it in the same upload.
DATASETS = ("influencers", "posts", "tracking_data", "payouts")
FILE_NAMES = {f"{dataset}.csv": dataset for dataset in DATASETS}
# Enough to fix a file by; the rest of a garbage file is only counted, never held in memory.
MAX_LISTED_PROBLEMS = 1000
MAX_LISTED_WARNINGS = 20
# The shape of a file we read at all: no dataset needs more, and a file beyond either limit
# would make the report and every page that lists its values as big as the file.
MAX_COLUMNS = 100
MAX_LINE_BYTES = 1024 * 1024
SCAN_BLOCK_BYTES = 4 * 1024 * 1024
PLATFORM_BY_LOWER = {platform.lower(): platform for platform in PLATFORMS}
# Fixed so a row hashes the same in every process and every release (the multiset rule
# compares hashes stored years apart): a test pins one value.
ROW_HASH_KEY = "roi-orders-v1-k!"
ROW_HASH_SEPARATOR = "\x1f"
_FNV_PRIME = np.uint64(0x100000001B3)
SQLITE_IN_LIMIT = 10_000
# Above 2**53 a float (how numbers are read) no longer holds every whole number, and an
# int64 overflows soon after; no order count or revenue comes near either cap.
MAX_NUMBER = {"integer": 2 ** 53 - 1, "decimal": 1e15}
# Postgres advisory lock key every import takes: any constant, the same in every process.
IMPORT_LOCK_KEY = 72_011_905_250_001
BUSY_MESSAGE = "Another import is running. Try again when it has finished."


class UsageError(Exception):
    """The call itself is wrong (no dataset for a file, no CSV in a folder); nothing was read."""


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


@dataclass
class ImportFile:
    path: str
    # The name users see (an upload's original name); default: the file's base name.
    name: str | None = None
    dataset: str | None = None

    def __post_init__(self):
        if self.name is None:
            self.name = os.path.basename(self.path)


@dataclass
class FileReport:
    file: str
    dataset: str
    rows: int
    new: int
    updated: int
    unchanged: int
    warnings: list[str]
    sha256: str
    batch_id: int | None
    unlisted_warnings: int = 0

    def warn(self, text):
        """Keep the first warnings; the rest are counted (see finish_warnings)."""
        if len(self.warnings) < MAX_LISTED_WARNINGS:
            self.warnings.append(text)
        else:
            self.unlisted_warnings += 1

    def finish_warnings(self):
        if self.unlisted_warnings:
            self.warnings.append(f"and {self.unlisted_warnings:,} more warnings like these.")
            self.unlisted_warnings = 0

    def summary(self) -> str:
        text = (f"{self.file} ({self.dataset}): {self.rows:,} rows: {self.new:,} new, "
                f"{self.updated:,} updated, {self.unchanged:,} unchanged.")
        for warning in self.warnings:
            text += f" Warning: {warning}"
        return text


@dataclass
class ImportResult:
    files: list[FileReport]
    errors: list[ImportProblem]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, optional, integer, decimal, platform, date, basis
    required: bool = True
    # Characters, checked before anything is written: SQLite would store any length and
    # Postgres would refuse the whole import with no line, so the importer is the limit.
    # Never above the model's column size (a test holds the two together).
    max_length: int | None = None


# Identifiers and names users pick from lists stay short; a url or caption may be long.
ID_LENGTH = 100
NAME_LENGTH = 200
LABEL_LENGTH = 100
URL_LENGTH = 2000
CAPTION_LENGTH = 5000

SCHEMAS = {
    "influencers": (
        Column("influencer_id", "text", max_length=ID_LENGTH),
        Column("name", "text", max_length=NAME_LENGTH),
        Column("category", "text", max_length=LABEL_LENGTH),
        Column("gender", "optional", False, max_length=50),
        Column("follower_count", "integer"), Column("platform", "platform"),
    ),
    "posts": (
        Column("post_id", "optional", False, max_length=ID_LENGTH),
        Column("influencer_id", "text", max_length=ID_LENGTH),
        Column("platform", "platform"), Column("date", "date"),
        Column("url", "text", max_length=URL_LENGTH),
        Column("caption", "optional", False, max_length=CAPTION_LENGTH),
        Column("reach", "integer"), Column("likes", "integer"), Column("comments", "integer"),
        Column("brand", "optional", False, max_length=LABEL_LENGTH),
    ),
    "tracking_data": (
        Column("source", "text", max_length=LABEL_LENGTH),
        Column("campaign", "text", max_length=NAME_LENGTH),
        Column("influencer_id", "text", max_length=ID_LENGTH),
        Column("user_id", "text", max_length=ID_LENGTH),
        Column("product", "text", max_length=NAME_LENGTH),
        Column("brand", "optional", False, max_length=LABEL_LENGTH), Column("date", "date"),
        Column("orders", "integer"), Column("revenue", "decimal"),
        # Not in the brief's column set, but the natural key when an export carries it.
        Column("tracking_id", "optional", False, max_length=ID_LENGTH),
    ),
    "payouts": (
        Column("influencer_id", "text", max_length=ID_LENGTH), Column("basis", "basis"),
        Column("rate", "decimal"), Column("orders", "integer", False),
        Column("total_payout", "decimal"),
    ),
}
ALIASES = {"influencers": {"id": "influencer_id"}}


# ---------------------------------------------------------------------------- entry points

def import_paths(paths, *, dataset=None, dry_run=False, username=None) -> ImportResult:
    """Import files or folders (a folder: the four known file names inside it)."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = [os.path.join(path, name) for name in FILE_NAMES
                     if os.path.isfile(os.path.join(path, name))]
            if not found:
                raise UsageError(
                    f"The folder {path} holds none of {', '.join(FILE_NAMES)}, so there is "
                    "nothing to import.")
            files.extend(ImportFile(found_path) for found_path in found)
        else:
            files.append(ImportFile(path, dataset=dataset))
    return import_files(files, dry_run=dry_run, username=username)


def import_files(files, *, dry_run=False, username=None) -> ImportResult:
    """Check and import these files all or nothing, in dependency order, in one transaction.

    A dry run does the same work and counts, then rolls back. Nothing is written when any
    file has a problem; a non-dry run then records the failed batches on their own.
    """
    if not files:
        raise UsageError("No file was given to import.")
    jobs = sorted((_Job(file, _dataset_of(file)) for file in files),
                  key=lambda job: DATASETS.index(job.dataset))
    config = current_app.config
    problems = _Problems(MAX_LISTED_PROBLEMS)
    for job in jobs:
        with _timed(f"check and store {job.file.name}"):
            job.scan = _scan(job, config["MAX_CONTENT_LENGTH"],
                             None if dry_run else _uploads_dir(), problems)

    reports = []
    busy = False
    try:
        with db.transaction() as session:
            _lock_imports(session)
            context = _Context(session, problems, int(config["IMPORT_CHUNK_ROWS"]))
            for job in jobs:
                with _timed(f"read and write {job.file.name}"):
                    reports.append(_import_one(context, job, username))
            if problems.count or dry_run:
                raise _Abort()
            _finish(context, reports, username)
            committing = time.perf_counter()
        log.info("Import step 'commit' took %.2f s", time.perf_counter() - committing)
    except _Abort:
        pass
    except _Busy:
        busy = True
        reports = []
        problems.add("", None, None, BUSY_MESSAGE)
    errors = problems.listed()
    # A refusal for a busy database leaves no trace: writing one would wait for the lock too.
    if errors and not dry_run and not busy:
        _record_failures(jobs, problems, username)
    if errors or dry_run:
        for report in reports:
            report.batch_id = None
    return ImportResult(files=reports, errors=errors, dry_run=dry_run)


@contextmanager
def _timed(step):
    """Log how long a step of an import took: where a slow import spends its time."""
    started = time.perf_counter()
    yield
    log.info("Import step %r took %.2f s", step, time.perf_counter() - started)


class _Abort(Exception):
    """Roll back the import transaction: a dry run, or problems were found."""


class _Busy(Exception):
    """Another import held the database's write lock for longer than we wait."""


def _lock_imports(session):
    """Take the write lock before reading anything, so concurrent imports run one at a time.

    Reading first and writing later lets two imports both decide a campaign is new and
    then collide on its unique name. SQLite: BEGIN IMMEDIATE waits for the busy timeout.
    Postgres: a transaction-scoped advisory lock, released by the commit or rollback,
    waits for the statement timeout.
    """
    connection = session.connection()
    try:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK_KEY})")
        elif connection.connection.driver_connection.in_transaction:
            # The session has already begun: a write takes the lock just as well.
            connection.execute(update(DataState).values(version=DataState.version))
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as error:
        raise _Busy() from error


def _dataset_of(file):
    if file.dataset:
        if file.dataset not in DATASETS:
            raise UsageError(f"Unknown dataset {file.dataset!r}: use one of "
                             f"{', '.join(DATASETS)}.")
        return file.dataset
    dataset = FILE_NAMES.get(os.path.basename(file.name).lower())
    if dataset is None:
        raise UsageError(
            f"Cannot tell which dataset {file.name} holds from its name: name it one of "
            f"{', '.join(FILE_NAMES)} or give the dataset (--dataset).")
    return dataset


def _uploads_dir():
    path = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


@dataclass
class _Job:
    file: ImportFile
    dataset: str
    scan: "_Scan | None" = None
    batch: ImportBatch | None = None


# ---------------------------------------------------------------------------- problems

class _Problems:
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


def _quote(value):
    return f"'{_shortened(value)}'"


def _shortened(value):
    """Enough of a value to find it by: a report never repeats a giant value whole."""
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


# ---------------------------------------------------------------------------- file checks

@dataclass
class _Scan:
    sha256: str
    size: int
    has_quotes: bool
    # False when no value can start or end with whitespace: stripping 10M cells costs seconds.
    needs_strip: bool
    stored_path: str | None
    refused: bool
    # Bytes in the longest physical line: no unquoted value can be longer.
    longest_line: int = 0


def _human_size(size):
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"


def _scan(job, max_bytes, uploads_dir, problems):
    """Hash, keep a copy, and refuse a file that is too big, empty, binary or not UTF-8."""
    name = job.file.name
    size = os.path.getsize(job.file.path)
    if max_bytes and size > max_bytes:
        problems.add(name, None, None,
                     f"The file is {_human_size(size)}, more than the upload limit of "
                     f"{_human_size(max_bytes)}; it was not read.")
        return _Scan("", size, False, False, None, True)
    lines = _LineLengths()
    hasher = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    has_quotes = needs_strip = False
    previous_byte = b"\n"
    refusal = None
    only_space = True
    copy = None
    temporary_path = None
    if uploads_dir:
        temporary_path = os.path.join(uploads_dir, f".incoming-{os.getpid()}-{id(job)}")
        copy = open(temporary_path, "wb")
    try:
        with open(job.file.path, "rb") as source:
            while block := source.read(SCAN_BLOCK_BYTES):
                hasher.update(block)
                if copy:
                    copy.write(block)
                if refusal:
                    continue
                if b"\x00" in block:
                    refusal = "The file is not a CSV text file: it holds binary data."
                    continue
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    line = lines_before + block.count(b"\n", 0, error.start) + 1
                    refusal = (f"The file is not UTF-8 text (the first bad byte is on line "
                               f"{line:,}); save it as CSV UTF-8 and upload it again.")
                    continue
                only_space = only_space and not block.lstrip(b"\xef\xbb\xbf \t\r\n")
                has_quotes = has_quotes or b'"' in block
                too_long_line = lines.add(block, lines_before)
                if too_long_line:
                    refusal = too_long_line
                    continue
                needs_strip = needs_strip or _space_next_to_separator(previous_byte + block)
                previous_byte = block[-1:]
                lines_before += block.count(b"\n")
        # A value at the very end, with no newline after it, may end in a space too.
        needs_strip = needs_strip or previous_byte == b" "
        if not refusal:
            refusal = lines.finish(lines_before)
        if not refusal:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                refusal = ("The file is not UTF-8 text (it ends in the middle of a "
                           "character); save it as CSV UTF-8 and upload it again.")
    finally:
        if copy:
            copy.close()
    sha256 = hasher.hexdigest()
    stored_path = None
    if temporary_path:
        stored_path = os.path.join(uploads_dir, f"{sha256}.csv")
        os.replace(temporary_path, stored_path)
    if not refusal and only_space:
        refusal = "The file is empty."
    line = None
    if isinstance(refusal, tuple):
        line, refusal = refusal
    if refusal:
        problems.add(name, line, None, refusal)
    return _Scan(sha256, size, has_quotes, needs_strip, stored_path, bool(refusal),
                 lines.longest)


class _LineLengths:
    """The longest physical line of a file read block by block, and the first one too long.

    Found from the newline positions, so a giant line is measured, never held whole.
    """

    def __init__(self):
        self.longest = 0
        self.current = 0  # bytes of the line still open at the end of the last block

    def add(self, block, lines_before):
        """(line, message) for the first line over the limit the block ends, else None."""
        newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
        if not len(newlines):
            self.current += len(block)
            return None
        lengths = np.diff(newlines, prepend=-1) - 1
        lengths[0] += self.current
        self.current = len(block) - int(newlines[-1]) - 1
        over = np.flatnonzero(lengths > MAX_LINE_BYTES)
        if len(over):
            first = int(over[0])
            return lines_before + first + 1, _line_too_long(int(lengths[first]))
        self.longest = max(self.longest, int(lengths.max()))
        return None

    def finish(self, lines_before):
        """The last line, when no newline ends it."""
        if self.current > MAX_LINE_BYTES:
            return lines_before + 1, _line_too_long(self.current)
        self.longest = max(self.longest, self.current)
        return None


def _line_too_long(size):
    return (f"The line is {_human_size(size)} long; a line may be at most "
            f"{_human_size(MAX_LINE_BYTES)}, so the file was not read.")


_SPACE_PATTERNS = (b" ,", b", ", b" \n", b" \r", b"\n ", b"\t", b'" ', b' "', b"\xc2\xa0")


def _space_next_to_separator(block):
    """Whether some value in the block may start or end with a space; a block is given with
    the last byte of the one before, so no pattern is missed at a block boundary."""
    return any(pattern in block for pattern in _SPACE_PATTERNS)


# ---------------------------------------------------------------------------- reading

class _Refused(Exception):
    """The file cannot be read as CSV at all: one message, no row checks."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


@dataclass
class _Header:
    positions: dict  # canonical column -> position in the file
    column_count: int
    lines: int  # physical lines the header takes
    warnings: list


def _read_header(job, problems):
    name = job.file.name
    schema = SCHEMAS[job.dataset]
    aliases = ALIASES.get(job.dataset, {})
    known = {column.name for column in schema}
    with open(job.file.path, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            raw = next(reader)
        except StopIteration:
            raise _Refused("The file is empty.")
        except csv.Error as error:
            raise _Refused(f"The file is not a valid CSV file: {error}.")
        lines = reader.line_num
        # Given one value more than the header, pandas takes the first column for an index
        # and shifts every row; later rows it refuses itself, so one row is enough to check.
        try:
            first_row = next((row for row in reader if row), None)
        except csv.Error:
            first_row = None  # pandas refuses it too, and _malformed_message says why
    if len(raw) > MAX_COLUMNS:
        raise _Refused(f"The header has {len(raw):,} columns; a file may have at most "
                       f"{MAX_COLUMNS}, so it was not read.", line=1)
    if len(raw) < 2 and len(schema) > 1:
        raise _Refused("The file is not a CSV file: its first line has no commas, so it "
                       "has no columns to read.")
    if first_row is not None and len(first_row) > len(raw):
        raise _Refused(_ragged_message(reader.line_num, len(first_row), len(raw)))
    positions, warnings, seen = {}, [], {}
    unnamed = 0
    for position, header in enumerate(raw):
        trimmed = header.strip()
        if not trimmed:
            # Excel saves trailing empty columns as ",,": columns without a name, not twins.
            unnamed += 1
            continue
        canonical = aliases.get(trimmed.lower(), trimmed.lower())
        if canonical in seen:
            problems.add(name, 1, _shortened(trimmed),
                         f"The column {_quote(trimmed)} appears twice in the header (columns "
                         f"{seen[canonical] + 1} and {position + 1}); keep one.")
            continue
        seen[canonical] = position
        if canonical in known:
            positions[canonical] = position
        else:
            warnings.append(f"the column {_quote(trimmed)} is not used, so it was ignored.")
    if unnamed:
        warnings.append("1 unnamed column was ignored." if unnamed == 1
                        else f"{unnamed:,} unnamed columns were ignored.")
    for column in schema:
        if column.required and column.name not in positions:
            problems.add(name, 1, column.name,
                         f"The required column {column.name} is missing from the header.")
    return _Header(positions, len(raw), lines, warnings)


def _ragged_message(line, found, column_count):
    return (f"The file is not a valid CSV file: line {line:,} has {found} values but the "
            f"header has {column_count} columns.")


def _malformed_message(job, column_count):
    """Why pandas refused the file, found again row by row (slow path, only on failure).

    The first row with more values than the header; else a quote left open, which swallows
    the rest of the file into the last row the reader returns.
    """
    last_start = None
    with open(job.file.path, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            while True:
                start = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                if len(row) > column_count:
                    return _ragged_message(reader.line_num, len(row), column_count)
                if row:
                    last_start = start
        except csv.Error:
            # Python's reader stops at a value over 128 KB: an open quote eating the file.
            last_start = start
    if last_start is None:
        return "The file is not a valid CSV file (a quote is never closed)."
    return (f"The file is not a valid CSV file: the quote that opens a value on line "
            f"{last_start:,} is never closed.")


def _chunks(job, header, chunk_rows):
    """Yield (rows, lines): canonical string columns and each row's 1-based line number.

    Blank lines are skipped but counted, and so are newlines inside quoted values, so a
    line number is the one an editor shows.
    """
    used = sorted(header.positions.items(), key=lambda item: item[1])
    names = [f"c{i}" for i in range(header.column_count)]
    # Every column is read (no usecols): only then does the parser refuse a row with too
    # many values, and only then are newlines in ignored columns counted.
    next_line = header.lines + 1
    try:
        # Inside the try: creating the reader already parses the first chunk. index_col=False
        # so a row with a value too many can never turn the first column into an index.
        reader = pd.read_csv(
            job.file.path, encoding="utf-8-sig", header=0, names=names, index_col=False,
            dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
            chunksize=chunk_rows, engine="c")
        for chunk in reader:
            count = len(chunk)
            extra_lines = np.zeros(count, dtype=np.int64)
            if job.scan.has_quotes:
                for column in chunk.columns:
                    extra_lines += chunk[column].str.count("\n").to_numpy(dtype=np.int64)
            starts = next_line + np.arange(count, dtype=np.int64)
            starts[1:] += np.cumsum(extra_lines)[:-1]
            next_line += count + int(extra_lines.sum())
            rows = {canonical: chunk[f"c{position}"].reset_index(drop=True)
                    for canonical, position in used}
            # A blank line is a row of empty values; only rows empty in column one can be.
            blank = (chunk["c0"] == "").to_numpy(copy=True)
            for column in chunk.columns[1:]:
                if not blank.any():
                    break
                candidates = np.flatnonzero(blank)
                blank[candidates] = (chunk[column].iloc[candidates] == "").to_numpy()
            if blank.any():
                keep = ~blank
                rows = {canonical: values[keep].reset_index(drop=True)
                        for canonical, values in rows.items()}
                starts = starts[keep]
            if len(starts):
                yield rows, starts
    except (pd.errors.ParserError, csv.Error):
        raise _Refused(_malformed_message(job, header.column_count)) from None


# ---------------------------------------------------------------------------- validation

class _Checked:
    """A chunk's columns, cleaned and typed, and which rows failed a rule."""

    def __init__(self, rows, lines):
        self.rows = rows
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self.values = {}
        # column -> rows whose value is over the column's limit (already reported)
        self.too_long = {}


def _check(job, rows, lines, problems):
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
                                                                    f"not {_quote(v)}.")
            if too_big.any():
                most = f"{MAX_NUMBER[column.kind]:,.0f}"
                problems.add_rows(name, lines[too_big], column.name, text[too_big].tolist(),
                                  lambda v, c=column.name, w=what, m=most:
                                  f"{c} must be {w}, at most {m}, not {_quote(v)}.")
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
                                            f"not {_quote(v)}.")
                checked.bad |= failed
            checked.values[column.name] = platform
        elif column.kind == "basis":
            basis = pd.Series(distinct.str.lower().to_numpy(dtype=object)[codes], dtype=object)
            failed = filled & ~basis.isin(BASES).to_numpy()
            if failed.any():
                problems.add_rows(name, lines[failed], column.name, text[failed].tolist(),
                                  lambda v: f"basis must be post or order, not {_quote(v)}.")
                checked.bad |= failed
            checked.values[column.name] = basis
        elif column.kind == "date":
            day, why = _dates(distinct)
            day, why = pd.Series(day.to_numpy(dtype=object)[codes], dtype=object), why[codes]
            for reason, describe in _DATE_PROBLEMS.items():
                failed = filled & (why == reason)
                if failed.any():
                    problems.add_rows(name, lines[failed], column.name, text[failed].tolist(),
                                      lambda v, c=column.name, d=describe: d(c, _quote(v)))
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


def _lookup(names, ids_by_name):
    """ids_by_name[name] for each row as floats, NaN where absent; one dict lookup per
    distinct name (a Series.map over 10M strings costs seconds)."""
    codes, distinct = pd.factorize(np.asarray(names, dtype=object))
    found = np.array([ids_by_name.get(name, np.nan) for name in distinct.tolist()]
                     + [np.nan], dtype=np.float64)
    # A missing value has code -1: it picks the NaN appended last.
    return found[codes]


def _optional(values, position):
    """The value of an optional column at a row, None when the column or the value is absent."""
    if values is None:
        return None
    value = values.iat[position]
    return None if pd.isna(value) else value


def _duplicates_in_file(job, checked, column, first_lines, problems, key=None):
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
                         f"{column} {_quote(value)} appears more than once in the file "
                         f"(first on line {first:,}); it must be unique.")
    checked.bad |= duplicate


# ---------------------------------------------------------------------------- context

class _Context:
    """What one import transaction knows: the catalogue, the influencers, the problems."""

    def __init__(self, session, problems, chunk_rows):
        self.session = session
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.problems = problems
        self.chunk_rows = max(1, chunk_rows)
        self.influencers = dict(self.connection.execute(
            select(Influencer.influencer_key, Influencer.id)).all())
        # Keys of influencers.csv rows that failed: a reference to one is not a second problem.
        self.failed_influencer_keys = set()
        self.brands = dict(self.connection.execute(select(Brand.name, Brand.id)).all())
        self.campaigns = dict(self.connection.execute(select(Campaign.name, Campaign.id)).all())
        self.products = {}
        self.product_brand = {}
        for product_id, product_name, brand_id in self.connection.execute(
                select(Product.id, Product.name, Product.brand_id)):
            self.products[product_name] = product_id
            self.product_brand[product_name] = brand_id
        self.changed_influencers = set()

    def ensure(self, table, cache, names):
        """Ids for these names, creating the missing rows (brands, campaigns)."""
        missing = sorted({n for n in names if n not in cache})
        for name in missing:
            cache[name] = self.connection.execute(
                insert(table).values(name=name).returning(table.id)).scalar_one()
        return cache

    def ensure_products(self, product_brands):
        """Add catalogue products, each with the first brand the upload gave it."""
        for product_name, brand_id in product_brands.items():
            if product_name in self.products:
                continue
            self.products[product_name] = self.connection.execute(
                insert(Product).values(name=product_name, brand_id=int(brand_id))
                .returning(Product.id)).scalar_one()
            self.product_brand[product_name] = int(brand_id)


def _import_one(context, job, username):
    """Check and write one file inside the shared transaction; return its report."""
    session = context.session
    report = FileReport(file=job.file.name, dataset=job.dataset, rows=0, new=0, updated=0,
                        unchanged=0, warnings=[], sha256=job.scan.sha256, batch_id=None)
    if job.scan.refused:
        return report
    job.batch = ImportBatch(username=username, file_name=job.file.name,
                            sha256=job.scan.sha256, dataset=job.dataset, status="committed",
                            stored_path=job.scan.stored_path)
    session.add(job.batch)
    session.flush()
    report.batch_id = job.batch.id
    problems = context.problems
    before = problems.by_file[job.file.name]
    try:
        header = _read_header(job, problems)
        for warning in header.warnings:
            report.warn(warning)
        if problems.by_file[job.file.name] > before:
            return report
        writer = _WRITERS[job.dataset](context, job, report)
        for rows, lines in _chunks(job, header, context.chunk_rows):
            checked = _check(job, rows, lines, problems)
            report.rows += len(lines)
            writer.write(checked)
        writer.close()
        if report.rows == 0:
            problems.add(job.file.name, None, None,
                         "The file has a header but no rows of data.")
    except _Refused as refusal:
        problems.add(job.file.name, refusal.line, None, str(refusal))
    finally:
        report.finish_warnings()
    return report


def _finish(context, reports, username):
    """Counts on each batch, derived tables, the data version and the audit event."""
    session = context.session
    for report in reports:
        batch = session.get(ImportBatch, report.batch_id)
        batch.rows_total, batch.rows_new = report.rows, report.new
        batch.rows_updated, batch.rows_unchanged = report.updated, report.unchanged
    session.flush()
    if context.changed_influencers:
        with _timed("rebuild daily facts"):
            rollups.rebuild(session, sorted(context.changed_influencers))
        with _timed("refresh planner statistics"):
            _refresh_planner_statistics(session)
    state = session.get(DataState, 1)
    if state is None:
        state = DataState(id=1, version=0)
        session.add(state)
    state.version = (state.version or 0) + 1
    state.updated_at = datetime.utcnow()
    session.add(audit.event("import", username=username, detail="; ".join(
        f"{r.file} ({r.dataset}): {r.rows:,} rows, {r.new:,} new, {r.updated:,} updated, "
        f"{r.unchanged:,} unchanged" for r in reports)))


def _refresh_planner_statistics(session):
    """Tell the query planner how big the tables now are.

    Without fresh statistics Postgres plans the dashboard's aggregations for the empty
    tables it last saw (2 s instead of 0.3 s at a million orders). Both databases sample,
    so this stays cheap however large the import.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit=1000"))
    session.execute(text("ANALYZE"))


def _record_failures(jobs, problems, username):
    """Keep a trace of a refused import (its own small transaction; the data is untouched)."""
    with db.transaction() as session:
        for job in jobs:
            session.add(ImportBatch(
                username=username, file_name=job.file.name, sha256=job.scan.sha256,
                dataset=job.dataset, status="failed",
                error_count=problems.by_file[job.file.name],
                stored_path=job.scan.stored_path))
        session.add(audit.event("import_failed", username=username, detail="; ".join(
            f"{job.file.name}: {problems.by_file[job.file.name]:,} problem(s)"
            for job in jobs)))


# ---------------------------------------------------------------------------- influencers

def _resolve_influencers(context, job, checked):
    """Internal influencer ids for the chunk; an unknown influencer_id is a problem."""
    keys = checked.values["influencer_id"]
    ids = _lookup(keys, context.influencers)
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
            lambda v: f"influencer_id {_quote(v)} is not in the database or in this upload.")
        checked.bad[unknown_positions] = True
    return ids


class _InfluencerWriter:
    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.first_lines = {}
        self.existing = {row.influencer_key: row for row in context.connection.execute(
            select(Influencer.id, Influencer.influencer_key, Influencer.name,
                   Influencer.category, Influencer.gender, Influencer.follower_count,
                   Influencer.platform))}

    def write(self, checked):
        context = self.context
        _duplicates_in_file(self.job, checked, "influencer_id", self.first_lines,
                            context.problems)
        values = checked.values
        keys = values["influencer_id"]
        context.failed_influencer_keys.update(keys[checked.bad].tolist())
        good = np.flatnonzero(~checked.bad)
        fresh, changed = [], []
        gender = values["gender"]
        for i in good.tolist():
            record = {
                "influencer_key": keys.iat[i], "name": values["name"].iat[i],
                "category": values["category"].iat[i], "gender": _optional(gender, i),
                "follower_count": int(values["follower_count"][i]),
                "platform": values["platform"].iat[i],
            }
            record["tier"] = tier_for(record["follower_count"])
            stored = self.existing.get(record["influencer_key"])
            if stored is None:
                fresh.append(record)
            elif (stored.name, stored.category, stored.gender, stored.follower_count,
                  stored.platform) != (record["name"], record["category"], record["gender"],
                                       record["follower_count"], record["platform"]):
                changed.append({**record, "id": stored.id})
            else:
                self.report.unchanged += 1
        batch_id = self.job.batch.id
        if fresh:
            created = context.connection.execute(
                insert(Influencer).returning(Influencer.influencer_key, Influencer.id),
                [{**r, "import_batch_id": batch_id} for r in fresh]).all()
            context.influencers.update(created)
            context.changed_influencers.update(new_id for _, new_id in created)
        if changed:
            # ORM bulk UPDATE by primary key (a Core update with a list would have no WHERE).
            context.session.execute(update(Influencer), [{**r, "import_batch_id": batch_id}
                                                         for r in changed])
            context.changed_influencers.update(r["id"] for r in changed)
        self.report.new += len(fresh)
        self.report.updated += len(changed)

    def close(self):
        pass


# ---------------------------------------------------------------------------- posts

class _PostWriter:
    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.first_urls, self.first_post_ids = {}, {}
        self.existing = {row.post_key: row for row in context.connection.execute(
            select(Post.id, Post.post_key, Post.post_id, Post.influencer_id, Post.platform,
                   Post.date, Post.url, Post.caption, Post.reach, Post.likes, Post.comments,
                   Post.brand_id))}
        self.key_by_url = {row.url: key for key, row in self.existing.items()}

    def write(self, checked):
        context, name = self.context, self.job.file.name
        values = checked.values
        _duplicates_in_file(self.job, checked, "url", self.first_urls, context.problems)
        if values["post_id"] is not None:
            _duplicates_in_file(self.job, checked, "post_id", self.first_post_ids,
                                context.problems)
        influencer_ids = _resolve_influencers(context, self.job, checked)
        brands = values["brand"]
        if brands is not None:
            context.ensure(Brand, context.brands,
                           brands[~checked.bad & brands.notna().to_numpy()].unique().tolist())
        now = datetime.utcnow()
        fresh, changed = [], []
        for i in np.flatnonzero(~checked.bad).tolist():
            post_id = _optional(values["post_id"], i)
            url = values["url"].iat[i]
            brand = _optional(brands, i)
            record = {
                "post_id": post_id, "influencer_id": int(influencer_ids[i]),
                "platform": values["platform"].iat[i],
                "date": date.fromisoformat(values["date"].iat[i]), "url": url,
                "caption": _optional(values["caption"], i),
                "reach": int(values["reach"][i]), "likes": int(values["likes"][i]),
                "comments": int(values["comments"][i]),
                "brand_id": None if brand is None else context.brands[brand],
            }
            key = post_id or url
            record["post_key"] = key
            owner = self.key_by_url.get(url)
            stored = self.existing.get(key)
            if stored is None and owner is not None and owner in self.existing \
                    and self.existing[owner].post_id is None:
                # First uploaded without a post_id: the same post, now with its id.
                stored = self.existing[owner]
            elif owner is not None and owner != key:
                context.problems.add(name, int(checked.lines[i]), "url",
                                     f"url {_quote(url)} already belongs to another post "
                                     f"({_quote(owner)}); a url must be unique.")
                checked.bad[i] = True
                continue
            if stored is None:
                fresh.append(record)
                self.key_by_url[url] = key
            elif tuple(getattr(stored, c) for c in record) != tuple(record.values()):
                changed.append({**record, "id": stored.id})
                context.changed_influencers.add(stored.influencer_id)
                self.key_by_url.pop(stored.url, None)
                self.key_by_url[url] = key
            else:
                self.report.unchanged += 1
        batch_id = self.job.batch.id
        if fresh:
            context.connection.execute(insert(Post), [
                {**r, "import_batch_id": batch_id, "updated_at": now} for r in fresh])
        if changed:
            context.session.execute(update(Post), [
                {**r, "import_batch_id": batch_id, "updated_at": now} for r in changed])
        context.changed_influencers.update(r["influencer_id"] for r in fresh + changed)
        self.report.new += len(fresh)
        self.report.updated += len(changed)

    def close(self):
        pass


# ---------------------------------------------------------------------------- payouts

class _PayoutWriter:
    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.first_lines = {}
        self.existing = {(row.influencer_id, row.basis): row
                         for row in context.connection.execute(
                             select(Payout.id, Payout.influencer_id, Payout.basis, Payout.rate,
                                    Payout.orders, Payout.total_payout))}

    def write(self, checked):
        context = self.context
        values = checked.values
        influencer_ids = _resolve_influencers(context, self.job, checked)
        pair = values["influencer_id"] + " / " + values["basis"].fillna("")
        _duplicates_in_file(self.job, checked, "influencer_id", self.first_lines,
                            context.problems, key=pair)
        orders = values["orders"]
        fresh, changed = [], []
        for i in np.flatnonzero(~checked.bad).tolist():
            record = {
                "influencer_id": int(influencer_ids[i]), "basis": values["basis"].iat[i],
                "rate": float(values["rate"][i]),
                "orders": None if orders is None or np.isnan(orders[i]) else int(orders[i]),
                "total_payout": float(values["total_payout"][i]),
            }
            stored = self.existing.get((record["influencer_id"], record["basis"]))
            if stored is None:
                fresh.append(record)
            elif (stored.rate, stored.orders, stored.total_payout) != (
                    record["rate"], record["orders"], record["total_payout"]):
                changed.append({**record, "id": stored.id})
            else:
                self.report.unchanged += 1
        batch_id = self.job.batch.id
        if fresh:
            context.connection.execute(insert(Payout), [
                {**r, "import_batch_id": batch_id} for r in fresh])
        if changed:
            context.session.execute(update(Payout), [
                {**r, "import_batch_id": batch_id} for r in changed])
        context.changed_influencers.update(r["influencer_id"] for r in fresh + changed)
        self.report.new += len(fresh)
        self.report.updated += len(changed)

    def close(self):
        pass


# ---------------------------------------------------------------------------- tracking data

ORDER_COLUMNS = ("tracking_id", "row_hash", "dup_index", "source", "campaign_id",
                 "influencer_id", "user_id", "product_id", "brand_id", "date", "orders",
                 "revenue", "import_batch_id")
# What a tracking_id row is compared on to tell updated from unchanged.
ORDER_VALUES = ORDER_COLUMNS[3:12]


def row_hashes(source, campaign, influencer_id, user_id, product, brand, day, orders,
               revenue):
    """A stable signed 63-bit hash of a tracking row's normalized values (the multiset key).

    Strings are joined and hashed with SipHash under a fixed key; the numbers are mixed
    in by value, so "2", "2.0" and "2.00" are the same row.
    """
    texts = [np.asarray(values, dtype=object).tolist()
             for values in (source, campaign, influencer_id, user_id, product, brand, day)]
    # A plain join is about four times faster than Series.str.cat and gives the same text.
    joined = np.array([ROW_HASH_SEPARATOR.join(parts) for parts in zip(*texts)], dtype=object)
    hashed = pd.util.hash_array(joined, encoding="utf8", hash_key=ROW_HASH_KEY,
                                categorize=False)
    with np.errstate(over="ignore"):
        hashed = hashed * _FNV_PRIME ^ pd.util.hash_array(
            np.asarray(orders, dtype=np.int64))
        hashed = hashed * _FNV_PRIME ^ pd.util.hash_array(
            np.asarray(revenue, dtype=np.float64) + 0.0)
    return (hashed >> np.uint64(1)).astype(np.int64)


class _CopyCounter:
    """How often each row hash has occurred so far in a file, in ~12 bytes a distinct hash.

    The hashes seen are kept as sorted runs of (hash, count), merged like the digits of a
    binary counter: a chunk looks itself up in a few runs, and numbering n rows costs
    O(n log n) in all, where one growing sorted array costs O(n) per chunk.
    """

    def __init__(self):
        self.runs = []  # [(sorted unique hashes, their counts)], largest first

    def number(self, hashes):
        """The copy number (dup_index, from 0) of each row, in file order."""
        count = len(hashes)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        starts = np.ones(count, dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        positions = np.arange(count)
        within = positions - np.maximum.accumulate(np.where(starts, positions, 0))
        unique = ordered[starts]
        unique_counts = np.diff(np.append(np.flatnonzero(starts), count)).astype(np.int32)
        seen_before = np.zeros(len(unique), dtype=np.int64)
        for run_hashes, run_counts in self.runs:
            at = np.minimum(np.searchsorted(run_hashes, unique), len(run_hashes) - 1)
            found = run_hashes[at] == unique
            seen_before[found] += run_counts[at[found]]
        copies = np.empty(count, dtype=np.int64)
        copies[order] = seen_before[np.cumsum(starts) - 1] + within
        self._add(unique, unique_counts)
        return copies

    def _add(self, hashes, counts):
        if not len(hashes):
            return
        self.runs.append((hashes, counts))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= len(self.runs[-1][0]):
            (first, first_counts), (second, second_counts) = self.runs.pop(-2), self.runs.pop()
            at = np.searchsorted(first, second)
            known = first[np.minimum(at, len(first) - 1)] == second
            first_counts = first_counts.copy()
            first_counts[at[known]] += second_counts[known]
            self.runs.append((np.insert(first, at[~known], second[~known]),
                              np.insert(first_counts, at[~known], second_counts[~known])))


class _TrackingWriter:
    """Orders: validate, resolve ids, number copies, bulk insert; tracking_id rows upsert."""

    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.copies = _CopyCounter()
        # Lines whose brand must come from a product a later row puts in the catalogue.
        self.pending_lines = []
        self.second_pass = False
        self.sink = _order_sink(context, job)

    def write(self, checked):
        context, values = self.context, checked.values
        influencer_ids = _resolve_influencers(context, self.job, checked)
        ok = ~checked.bad
        campaigns, products, brands = values["campaign"], values["product"], values["brand"]
        context.ensure(Campaign, context.campaigns, campaigns[ok].unique().tolist())
        given = np.zeros(len(checked.lines), dtype=bool) if brands is None \
            else brands.notna().to_numpy()
        if (ok & given).any():
            context.ensure(Brand, context.brands, brands[ok & given].unique().tolist())
            branded = pd.DataFrame({"product": products[ok & given],
                                    "brand": brands[ok & given]}).drop_duplicates("product")
            context.ensure_products(dict(zip(
                branded["product"].tolist(), branded["brand"].map(context.brands).tolist())))
        # A given brand wins; otherwise the catalogue's, which rows above may just have set.
        brand_ids = _lookup(products, context.product_brand)
        if given.any():
            brand_ids = np.where(given, _lookup(brands, context.brands), brand_ids)
        unresolved = ok & np.isnan(brand_ids)
        if unresolved.any():
            if self.second_pass:
                context.problems.add_rows(
                    self.job.file.name, checked.lines[unresolved], "brand",
                    products[unresolved].tolist(),
                    lambda v: f"brand is empty and the product {_quote(v)} is not in the "
                              "product catalogue, so the brand is unknown.")
                checked.bad |= unresolved
            else:
                self.pending_lines.append(checked.lines[unresolved])
            ok &= ~unresolved
        kept = np.flatnonzero(ok)
        if not len(kept):
            return
        brand_ids = brand_ids[kept].astype(np.int64)
        brand_names = {brand_id: name for name, brand_id in context.brands.items()}
        codes, distinct_ids = pd.factorize(brand_ids)
        campaign_names = campaigns.to_numpy(dtype=object)[kept]
        product_names = products.to_numpy(dtype=object)[kept]
        rows = {
            "source": values["source"].to_numpy(dtype=object)[kept],
            "campaign": campaign_names,
            "influencer_key": values["influencer_id"].to_numpy(dtype=object)[kept],
            "user_id": values["user_id"].to_numpy(dtype=object)[kept],
            "product": product_names,
            "brand": np.array([brand_names[i] for i in distinct_ids.tolist()],
                              dtype=object)[codes],
            "date": values["date"].to_numpy(dtype=object)[kept],
            "orders": values["orders"][kept].astype(np.int64),
            "revenue": values["revenue"][kept],
            "influencer_id": influencer_ids[kept].astype(np.int64),
            "campaign_id": _lookup(campaign_names, context.campaigns).astype(np.int64),
            "product_id": _lookup(product_names, context.products).astype(np.int64),
            "brand_id": brand_ids,
            "line": checked.lines[kept],
        }
        tracking_ids = values["tracking_id"]
        # Two separate keying modes: a row with a tracking_id is found by it alone and
        # stores no row_hash; a row without one is matched by value (row_hash, dup_index).
        # A keyed row never counts as a copy of an unkeyed one, nor the other way round.
        keyed = np.zeros(len(kept), dtype=bool) if tracking_ids is None \
            else tracking_ids.notna().to_numpy()[kept]
        if (~keyed).any():
            self._insert_copies(_subset(rows, ~keyed))
        if keyed.any():
            rows["tracking_id"] = tracking_ids.to_numpy(dtype=object)[kept]
            self._upsert_keyed(pd.DataFrame(_subset(rows, keyed)))

    def _insert_copies(self, rows):
        """Rows matched by value: new only beyond the copies already stored."""
        rows["row_hash"] = row_hashes(
            rows["source"], rows["campaign"], rows["influencer_key"], rows["user_id"],
            rows["product"], rows["brand"], rows["date"], rows["orders"], rows["revenue"])
        rows["dup_index"] = self.copies.number(rows["row_hash"])
        count = len(rows["row_hash"])
        inserted = self.sink.insert(rows)
        self.report.new += inserted
        self.report.unchanged += count - inserted
        if inserted:
            self.context.changed_influencers.update(np.unique(rows["influencer_id"]).tolist())

    def _upsert_keyed(self, rows):
        """Rows with a tracking_id: insert, update in place, or leave as they are."""
        context, name = self.context, self.job.file.name
        duplicate = rows["tracking_id"].duplicated().to_numpy()
        stored = {}
        keys = rows["tracking_id"].unique().tolist()
        for start in range(0, len(keys), SQLITE_IN_LIMIT):
            for row in context.connection.execute(
                    select(Order.id, Order.tracking_id, Order.import_batch_id,
                           *[getattr(Order, c) for c in ORDER_VALUES])
                    .where(Order.tracking_id.in_(keys[start:start + SQLITE_IN_LIMIT]))):
                stored[row.tracking_id] = row
        this_batch = self.job.batch.id
        fresh, changed = [], []
        for i, record in enumerate(rows.to_dict("records")):
            previous = stored.get(record["tracking_id"])
            if duplicate[i] or (previous is not None and
                                previous.import_batch_id == this_batch):
                context.problems.add(name, int(record["line"]), "tracking_id",
                                     f"tracking_id {_quote(record['tracking_id'])} appears "
                                     "more than once in the file; it must be unique.")
                continue
            values = {c: record[c] for c in ORDER_VALUES}
            values["date"] = date.fromisoformat(values["date"])
            if previous is None:
                fresh.append(i)
            elif tuple(getattr(previous, c) for c in ORDER_VALUES) != tuple(values.values()):
                changed.append({**values, "id": previous.id, "import_batch_id": this_batch})
                context.changed_influencers.update((previous.influencer_id,
                                                    values["influencer_id"]))
            else:
                self.report.unchanged += 1
        if fresh:
            new_rows = rows.iloc[fresh].reset_index(drop=True)
            self.report.new += self.sink.insert(new_rows)
            context.changed_influencers.update(new_rows["influencer_id"].unique().tolist())
        if changed:
            context.session.execute(update(Order), changed)
            self.report.updated += len(changed)

    def close(self):
        self._second_pass()
        self.sink.close()

    def _second_pass(self):
        if not self.pending_lines:
            return
        # Products that got their brand from a later row: read those rows once more.
        self.pending = np.concatenate(self.pending_lines)
        self.pending_lines = []
        self.second_pass = True
        header = _read_header(self.job, _Problems(0))
        for rows, lines in _chunks(self.job, header, self.context.chunk_rows):
            wanted = np.isin(lines, self.pending)
            if not wanted.any():
                continue
            rows = {c: v[wanted].reset_index(drop=True) for c, v in rows.items()}
            # Their other rules passed the first time: only the brand is news now.
            self.write(_check(self.job, rows, lines[wanted], _Problems(0)))


def _subset(rows, mask):
    """The rows of a dict of equal-length arrays where mask holds (no copy when all do)."""
    if mask.all():
        return rows
    return {name: column[mask] for name, column in rows.items()}


def _order_sink(context, job):
    return _PostgresOrderSink(context, job) if context.dialect == "postgresql" else \
        _SqliteOrderSink(context, job)


class _SqliteOrderSink:
    """executemany of plain tuples on the driver connection: SQLite's fastest bulk path."""

    def __init__(self, context, job):
        self.connection = context.connection
        self.problems = context.problems
        self.batch_id = int(job.batch.id)
        self.cursor = context.connection.connection.cursor()
        self.statements = {}
        # A first load into an empty table: building the indexes once at the end is
        # several times cheaper than keeping them sorted row by row, and no stored copy
        # can conflict (copies within the file are numbered apart). The tracking_id index
        # stays: keyed rows are looked up chunk by chunk, and other rows never enter it.
        self.deferred_indexes = []
        if self.connection.execute(select(Order.id).limit(1)).first() is None:
            self.deferred_indexes = [index for index in Order.__table__.indexes
                                     if index.name != "uq_orders_tracking_id"]
            for index in self.deferred_indexes:
                index.drop(self.connection)

    def close(self):
        # A failed import is rolled back, which brings the indexes back for free.
        if not self.problems.count:
            with _timed("build the orders indexes"), index_build_cache(self.connection):
                for index in self.deferred_indexes:
                    index.create(self.connection)
        self.deferred_indexes = []

    def insert(self, rows):
        """Insert rows (a mapping of columns; absent ones are NULL); return how many were new."""
        present = tuple(c for c in ORDER_COLUMNS if c in rows)
        statement = self.statements.get(present)
        if statement is None:
            # The batch id is our own integer: inlined, it is one value less per row to bind.
            statement = self.statements[present] = (
                f"INSERT INTO orders ({', '.join(present)}, import_batch_id) "
                f"VALUES ({', '.join('?' * len(present))}, {self.batch_id}) "
                "ON CONFLICT DO NOTHING")
        columns = [_plain_list(rows[c]) for c in present]
        before = self.cursor.connection.total_changes
        self.cursor.executemany(statement, zip(*columns))
        return self.cursor.connection.total_changes - before


class _PostgresOrderSink:
    """COPY into a temporary table, then one INSERT ... SELECT that skips stored copies."""

    def __init__(self, context, job):
        self.connection = context.connection
        self.batch_id = int(job.batch.id)
        self.connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS import_orders_stage ON COMMIT DROP AS "
            f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WITH NO DATA")

    def close(self):
        pass

    def insert(self, rows):
        present = [c for c in ORDER_COLUMNS if c in rows]
        columns = ", ".join(present)
        self.connection.exec_driver_sql("TRUNCATE import_orders_stage")
        cursor = self.connection.connection.cursor()
        frame = pd.DataFrame({c: rows[c] for c in present})
        text = frame.to_csv(header=False, index=False, na_rep="")
        with cursor.copy(f"COPY import_orders_stage ({columns}) FROM STDIN "
                         "WITH (FORMAT csv)") as copy:
            copy.write(text)
        result = self.connection.exec_driver_sql(
            f"INSERT INTO orders ({columns}, import_batch_id) "
            f"SELECT {columns}, {self.batch_id} FROM import_orders_stage "
            "ON CONFLICT DO NOTHING")
        return result.rowcount


def _plain_list(values):
    """Python values for the driver: None for missing, int for integral numpy values."""
    values = np.asarray(values)
    if values.dtype == object and pd.isna(values).any():
        return [None if v is None or v != v else v for v in values.tolist()]
    return values.tolist()


_WRITERS = {
    "influencers": _InfluencerWriter,
    "posts": _PostWriter,
    "tracking_data": _TrackingWriter,
    "payouts": _PayoutWriter,
}
