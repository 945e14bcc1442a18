"""The snapshot's facts as a file of raw columns that numpy maps and Polars reads in place."""
import json

import numpy as np
import polars as pl

from dashboard.analytics.snapshot_parts import SUM_COLUMNS

# Where undated facts sort, before every day.
UNDATED = -2**31
# Column files: this header, its length, a JSON layout, then each column's values at an
# offset that is a multiple of ALIGNMENT.
COLUMNS_MAGIC = b"DASHBOARD-COLUMNS\n"
ALIGNMENT = 64


def write_columns(facts, path):
    """The facts as raw little-endian columns, each as narrow as its values allow, that
    numpy maps and Polars reads in place: the pages stay the file's, shared by the workers
    of the host, and only those a query touches are read. (Polars' own Arrow reader copies
    the whole file into each worker.) Nulls are a sentinel in the values and a mask."""
    layout, arrays = [], []
    offset = 0

    def place(values):
        nonlocal offset
        values = np.ascontiguousarray(values)
        arrays.append((offset, values))
        at, offset = offset, -(-(offset + values.nbytes) // ALIGNMENT) * ALIGNMENT
        return at

    for name in facts.columns:
        column = facts[name]
        entry = {"name": name}
        if column.dtype == pl.Date:
            entry["kind"] = "date"
            # The sentinel sorts undated facts first, as the facts are sorted: this column
            # is the binary search's array as it is.
            values = column.cast(pl.Int32).fill_null(UNDATED).to_numpy()
        elif column.dtype == pl.Boolean:
            entry["kind"] = "bool"
            values = column.fill_null(False).to_numpy()
        elif isinstance(column.dtype, pl.Enum):
            entry["kind"] = "enum"
            entry["categories"] = column.dtype.categories.to_list()
            values = column.to_physical().fill_null(0).to_numpy()
        elif column.dtype.is_float():
            entry["kind"] = "number"
            values = column.fill_null(0).to_numpy()
        elif name in SUM_COLUMNS:
            entry["kind"] = "number"
            values = column.fill_null(0).to_numpy().astype(_narrowest(column))
        else:
            # Keys keep their type: joins and lookups compare them with other tables'.
            entry["kind"] = "number"
            values = column.fill_null(0).to_numpy()
        entry["dtype"] = values.dtype.newbyteorder("<").str
        entry["offset"] = place(values.astype(entry["dtype"], copy=False))
        if column.null_count():
            entry["valid_offset"] = place(column.is_not_null().to_numpy())
        layout.append(entry)
    header = json.dumps({"rows": facts.height, "columns": layout}).encode()
    start = -(-(len(COLUMNS_MAGIC) + 8 + len(header)) // ALIGNMENT) * ALIGNMENT
    with open(path, "wb") as handle:
        handle.write(COLUMNS_MAGIC + len(header).to_bytes(8, "little") + header)
        for at, values in arrays:
            handle.seek(start + at)
            values.tofile(handle)
        handle.truncate(start + offset)


def _narrowest(column):
    """The narrowest integer type that holds the column's values."""
    low, high = column.min(), column.max()
    for dtype in (np.int16, np.int32):
        if low is None or (np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max):
            return dtype
    return np.int64


def map_columns(path):
    """(facts, day numbers) over the mapped file. Columns without nulls are read in place;
    one with nulls is a copy, as narrow as its values (the day, a campaign)."""
    # Copy-on-write: a stray write would land in this worker's own pages, not the file.
    mapped = np.memmap(path, dtype=np.uint8, mode="c")
    header_length = int.from_bytes(mapped[len(COLUMNS_MAGIC):len(COLUMNS_MAGIC) + 8],
                                   "little")
    if bytes(mapped[:len(COLUMNS_MAGIC)]) != COLUMNS_MAGIC:
        raise ValueError(f"{path} is not a column file.")
    start = len(COLUMNS_MAGIC) + 8
    layout = json.loads(bytes(mapped[start:start + header_length]))
    start = -(-(start + header_length) // ALIGNMENT) * ALIGNMENT
    rows = layout["rows"]

    def array(offset, dtype):
        dtype = np.dtype(dtype)
        return mapped[start + offset:start + offset + rows * dtype.itemsize].view(dtype)

    columns, day_numbers = {}, None
    for entry in layout["columns"]:
        values = array(entry["offset"], entry["dtype"])
        if entry["kind"] == "date":
            day_numbers = values
        series = pl.Series(entry["name"], values)
        if entry["kind"] == "enum":
            # Polars makes an Enum from its codes only by a lookup: a one-byte copy.
            dtype = pl.Enum(entry["categories"])
            series = (pl.Series(entry["categories"], dtype=dtype).gather(series)
                      if entry["categories"] else pl.Series([None] * rows, dtype=dtype))
            series = series.alias(entry["name"])
        if "valid_offset" in entry:
            valid = pl.Series(array(entry["valid_offset"], np.bool_))
            series = pl.select(pl.when(valid).then(series)).to_series().alias(entry["name"])
        if entry["kind"] == "date":
            series = series.cast(pl.Date)
        columns[entry["name"]] = series
    return pl.DataFrame(columns), day_numbers
