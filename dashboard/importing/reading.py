"""Reading an uploaded file: scan it (size, binary, UTF-8, line length), read its header,
then its rows chunk by chunk with each row's line number."""
import codecs
import csv
import hashlib
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.importing.schemas import ALIASES, SCHEMAS
from dashboard.importing.validation import quote, shortened

# The shape of a file we read at all: no dataset needs more, and a file beyond either limit
# would make the report and every page that lists its values as big as the file.
MAX_COLUMNS = 100
MAX_LINE_BYTES = 1024 * 1024
SCAN_BLOCK_BYTES = 4 * 1024 * 1024


@dataclass
class FileScan:
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


def scan_file(job, max_bytes, uploads_dir, problems):
    """Hash, keep a copy, and refuse a file that is too big, empty, binary or not UTF-8."""
    name = job.file.name
    size = os.path.getsize(job.file.path)
    if max_bytes and size > max_bytes:
        problems.add(name, None, None,
                     f"The file is {_human_size(size)}, more than the upload limit of "
                     f"{_human_size(max_bytes)}; it was not read.")
        return FileScan("", size, False, False, None, True)
    lines = LineLengths()
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
                lines_before += lines.newlines
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
    return FileScan(sha256, size, has_quotes, needs_strip, stored_path, bool(refusal),
                 lines.longest)


class LineLengths:
    """The longest physical line of a file read block by block, and the first one too long.

    Found from the newline positions, so a giant line is measured, never held whole.
    """

    def __init__(self):
        self.longest = 0
        self.current = 0  # bytes of the line still open at the end of the last block
        self.newlines = 0

    def add(self, block, lines_before):
        """(line, message) for the first line over the limit the block ends, else None."""
        newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
        self.newlines = len(newlines)  # the block's, so the caller need not count them again
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
# The same patterns as bytes around a space (and the no-break space's two bytes).
_AFTER_SPACE = np.frombuffer(b',\n\r"', dtype=np.uint8)
_BEFORE_SPACE = np.frombuffer(b',\n"', dtype=np.uint8)


def _space_next_to_separator(block):
    """Whether some value in the block may start or end with a space (one of
    _SPACE_PATTERNS); a block is given with the last byte of the one before, so no pattern
    is missed at a block boundary.

    Found from the positions of the spaces: searching for each two-byte pattern in turn
    took 0.16 s per 4 MB block, most of the time an import spends scanning a file.
    """
    if b"\t" in block:
        return True
    codes = np.frombuffer(block, dtype=np.uint8)
    lead = np.flatnonzero(codes[:-1] == 0xC2)
    if len(lead) and (codes[lead + 1] == 0xA0).any():
        return True
    spaces = np.flatnonzero(codes == ord(" "))
    after = spaces[spaces + 1 < len(codes)] + 1
    before = spaces[spaces > 0] - 1
    return bool(np.isin(codes[after], _AFTER_SPACE).any()
                or np.isin(codes[before], _BEFORE_SPACE).any())


class Refused(Exception):
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


def read_header(job, problems):
    name = job.file.name
    schema = SCHEMAS[job.dataset]
    aliases = ALIASES.get(job.dataset, {})
    known = {column.name for column in schema}
    with open(job.file.path, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            raw = next(reader)
        except StopIteration:
            raise Refused("The file is empty.")
        except csv.Error as error:
            raise Refused(f"The file is not a valid CSV file: {error}.")
        lines = reader.line_num
        # Given one value more than the header, pandas takes the first column for an index
        # and shifts every row; later rows it refuses itself, so one row is enough to check.
        try:
            first_row = next((row for row in reader if row), None)
        except csv.Error:
            first_row = None  # pandas refuses it too, and _malformed_message says why
    if len(raw) > MAX_COLUMNS:
        raise Refused(f"The header has {len(raw):,} columns; a file may have at most "
                       f"{MAX_COLUMNS}, so it was not read.", line=1)
    if len(raw) < 2 and len(schema) > 1:
        raise Refused("The file is not a CSV file: its first line has no commas, so it "
                       "has no columns to read.")
    if first_row is not None and len(first_row) > len(raw):
        raise Refused(_ragged_message(reader.line_num, len(first_row), len(raw)))
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
            problems.add(name, 1, shortened(trimmed),
                         f"The column {quote(trimmed)} appears twice in the header (columns "
                         f"{seen[canonical] + 1} and {position + 1}); keep one.")
            continue
        seen[canonical] = position
        if canonical in known:
            positions[canonical] = position
        else:
            warnings.append(f"the column {quote(trimmed)} is not used, so it was ignored.")
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


def chunks(job, header, chunk_rows):
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
                    # One join finds the columns with no line break at all (most of
                    # them) for a fraction of counting value by value.
                    if "\n" in "".join(chunk[column].tolist()):
                        extra_lines += chunk[column].str.count("\n").to_numpy(
                            dtype=np.int64)
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
        raise Refused(_malformed_message(job, header.column_count)) from None
