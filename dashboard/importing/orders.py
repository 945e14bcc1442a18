"""Writing tracking rows (orders): copy numbering by row hash, tracking_id upserts, and
the fastest bulk insert each database offers."""
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select, update

from dashboard.extensions import index_build_cache
from dashboard.importing.reading import chunks, read_header
from dashboard.importing.validation import Problems, check_chunk, lookup, quote, resolve_influencers
from dashboard.importing.writers import timed
from models import Brand, Campaign, Order

# Fixed so a row hashes the same in every process and every release (the multiset rule
# compares hashes stored years apart): a test pins one value.
ROW_HASH_KEY = "roi-orders-v1-k!"
ROW_HASH_SEPARATOR = "\x1f"
_FNV_PRIME = np.uint64(0x100000001B3)
SQLITE_IN_LIMIT = 10_000
ORDER_COLUMNS = ("tracking_id", "row_hash", "dup_index", "source", "campaign_id",
                 "influencer_pk", "user_id", "product_id", "brand_id", "date", "orders",
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


class CopyCounter:
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


class TrackingWriter:
    """Orders: validate, resolve ids, number copies, bulk insert; tracking_id rows upsert."""

    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.copies = CopyCounter()
        # Lines whose brand must come from a product a later row puts in the catalogue.
        self.pending_lines = []
        self.second_pass = False
        self.sink = _order_sink(context, job)

    def write(self, checked):
        context, values = self.context, checked.values
        influencer_pks = resolve_influencers(context, self.job, checked)
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
        brand_ids = lookup(products, context.product_brand)
        if given.any():
            brand_ids = np.where(given, lookup(brands, context.brands), brand_ids)
        unresolved = ok & np.isnan(brand_ids)
        if unresolved.any():
            if self.second_pass:
                context.problems.add_rows(
                    self.job.file.name, checked.lines[unresolved], "brand",
                    products[unresolved].tolist(),
                    lambda v: f"brand is empty and the product {quote(v)} is not in the "
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
            "influencer_pk": influencer_pks[kept].astype(np.int64),
            "campaign_id": lookup(campaign_names, context.campaigns).astype(np.int64),
            "product_id": lookup(product_names, context.products).astype(np.int64),
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
            self.context.changed_influencers.update(np.unique(rows["influencer_pk"]).tolist())

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
                                     f"tracking_id {quote(record['tracking_id'])} appears "
                                     "more than once in the file; it must be unique.")
                continue
            values = {c: record[c] for c in ORDER_VALUES}
            values["date"] = date.fromisoformat(values["date"])
            if previous is None:
                fresh.append(i)
            elif tuple(getattr(previous, c) for c in ORDER_VALUES) != tuple(values.values()):
                changed.append({**values, "id": previous.id, "import_batch_id": this_batch})
                context.changed_influencers.update((previous.influencer_pk,
                                                    values["influencer_pk"]))
            else:
                self.report.unchanged += 1
        if fresh:
            new_rows = rows.iloc[fresh].reset_index(drop=True)
            self.report.new += self.sink.insert(new_rows)
            context.changed_influencers.update(new_rows["influencer_pk"].unique().tolist())
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
        header = read_header(self.job, Problems(0))
        for rows, lines in chunks(self.job, header, self.context.chunk_rows):
            wanted = np.isin(lines, self.pending)
            if not wanted.any():
                continue
            rows = {c: v[wanted].reset_index(drop=True) for c, v in rows.items()}
            # Their other rules passed the first time: only the brand is news now.
            self.write(check_chunk(self.job, rows, lines[wanted], Problems(0)))


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
            with timed("build the orders indexes"), index_build_cache(self.connection):
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
