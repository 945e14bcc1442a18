"""The columnar engine: daily facts of one data version in memory-mapped column files,
summed with Polars, giving the same frames as the SQL in queries.py.

The database stays the source of truth. A snapshot is derived from it, named after the data
identity (database id, version, time of the last import), written to a temporary name and
renamed into place, so any number of workers (and hosts, each with its own instance folder)
may build it at once: each reader maps a whole file or builds its own. Workers of one host
map the same file, so the operating system keeps one copy of its pages for all of them.

Post spend is held once per creator and day, not once per brand x campaign pair as in
daily_facts: a creator's post payout is split over the pairs by fixed shares (their all-time
revenue), so a pair's spend is the day's spend times its share. On a wide creator base those
pair rows were three fact rows in four; queries that need brands or campaigns apply the
shares after summing per creator (`_post_spend_rows`).
"""
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import weakref
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from flask import current_app
from sqlalchemy import select

from dashboard.analytics import column_file, snapshot_parts
from dashboard.analytics.cache import data_identity
from dashboard.analytics.column_file import UNDATED
from dashboard.analytics.snapshot_parts import CREATOR_COLUMNS, SUM_COLUMNS
from dashboard.analytics.selection import Selection, effective_brands
from dashboard.extensions import db, make_engine
from models import Brand, Campaign

# Bump when the files' columns change, so an old file is never read by new code.
SNAPSHOT_FORMAT = "7"
EPOCH = date(1970, 1, 1)
# Databases with more facts than this build their snapshot in a child process, so the
# serving worker never holds the rows read, the frames sorted and SQLite's page cache full
# of facts; smaller ones (tests, a first demo) build here, which starts faster.
CHILD_BUILD_FACTS = 200_000
_loaded = {"identity": None, "snapshot": None}
# The version a thread of this process is building a snapshot of, if any.
_building = {"identity": None}
_load_lock = threading.Lock()


# Polars' thread pool does not survive fork(): a child forked after this process ran a
# Polars query may hang on its first one. Such a child (a Dash background job under
# diskcache) sums in the database instead, which gives the same numbers.
_state = {"polars_used": False, "forked_after_use": False}


def _after_fork_in_child():
    if _state["polars_used"]:
        _state["forked_after_use"] = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def enabled() -> bool:
    """Whether the analytics read the columnar snapshot (ANALYTICS_ENGINE, default on):
    not while another thread or process of the host builds this version's, which a
    request does not wait for (at a million orders, many seconds after an import): it
    sums in the database meanwhile, which gives the same numbers."""
    return configured() and not _built_elsewhere()


def configured() -> bool:
    """ANALYTICS_ENGINE asks for the snapshot and Polars can run in this process."""
    return (current_app.config.get("ANALYTICS_ENGINE", "columnar") == "columnar"
            and polars_usable())


def _built_elsewhere():
    identity = data_identity()
    if identity is None or _loaded["identity"] == identity:
        return False
    if _building["identity"] == identity:
        return True
    paths = _paths(identity)
    if all(path.exists() for path in paths):
        return False
    with open(paths[0].parent / "build.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
    return False


def polars_usable() -> bool:
    """False in a child forked after this process ran Polars (see above)."""
    return not _state["forked_after_use"]


def using_polars():
    """Say that this process runs Polars, whichever engine sums: a child forked from it
    must then keep away from Polars."""
    _state["polars_used"] = True


class Snapshot:
    """Facts, creators, the creators' post-window spans, their all-time revenue outside post
    windows, the brands each sells for, and post spend per creator and day with each
    creator's brand x campaign shares of it, for one state of the data."""

    def __init__(self, facts, creators, spans, outside, creator_brands, post_spend, pairs,
                 day_numbers=None):
        self.facts = facts
        self.creators = creators
        self.spans = spans
        self.outside = outside
        self.creator_brands = creator_brands
        self.post_spend = post_spend
        self.pairs = pairs
        self.post_spend_day_numbers = post_spend["day"].cast(pl.Int32).to_numpy()
        self.brand_ids = dict(db.session.execute(select(Brand.name, Brand.id)).all())
        self.brand_names = {brand_id: name for name, brand_id in self.brand_ids.items()}
        self.campaign_names = dict(db.session.execute(select(Campaign.id, Campaign.name)).all())
        self._scope_creators = {}
        # The facts' days as numbers (undated first), for the binary search of a date
        # range: the mapped file's own, or worked out from the facts.
        self.day_numbers = day_numbers if day_numbers is not None else (
            facts["day"].cast(pl.Int32).fill_null(UNDATED).to_numpy())

    def creators_in_scope(self, scope):
        """Influencer ids with business in the scope's brands (queries.influencers_in_scope)."""
        key = frozenset(scope)
        if key not in self._scope_creators:
            ids = self._ids(self.brand_ids, scope)
            # From the small table of (creator, brand) pairs: a scan of every fact would
            # bring the whole file into the worker's memory.
            self._scope_creators[key] = self.creator_brands.lazy().filter(
                pl.col("brand_id").is_in(ids.implode())).select(
                pl.col("influencer_pk").unique()).collect()["influencer_pk"]
        return self._scope_creators[key]

    @staticmethod
    def _ids(ids_by_name, names):
        return pl.Series([ids_by_name[n] for n in sorted(names) if n in ids_by_name],
                         dtype=pl.Int64)


PARTS = ("facts", "creators", "spans", "outside", "creator_brands", "post_spend", "pairs")


def snapshot(identity=None) -> Snapshot:
    """The snapshot of the current data: kept in the process, mapped from the instance
    folder, or built from the database (and saved) when neither holds this version."""
    using_polars()
    identity = identity or data_identity()
    if identity is None:
        # Before the first import (or data written without one): nothing to key a file by.
        return Snapshot(*snapshot_parts.read_database(db.session.connection()))
    with _load_lock:
        if _loaded["identity"] == identity:
            return _loaded["snapshot"]
        paths = _paths(identity)
        if not all(path.exists() for path in paths):
            # One worker of the host builds it; the others wait here, then map its file.
            with open(paths[0].parent / "build.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                _building["identity"] = identity
                try:
                    if not all(path.exists() for path in paths):
                        _build(identity, paths)
                        _remove_older(paths, database=_database_part(identity))
                finally:
                    _building["identity"] = None
                    fcntl.flock(lock, fcntl.LOCK_UN)
        facts, day_numbers = column_file.map_columns(paths[0])
        current = Snapshot(facts, *(pl.read_ipc(path) for path in paths[1:]),
                           day_numbers=day_numbers)
        _loaded.update(identity=identity, snapshot=current)
        return current


def _paths(identity):
    """The files of this data version, named after its database, then the version."""
    folder = Path(current_app.instance_path) / "analytics"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{SNAPSHOT_FORMAT}\n{identity}".encode()).hexdigest()[:24]
    return [folder / f"{part}-{_database_part(identity)}-{digest}."
            f"{'columns' if part == 'facts' else 'arrow'}" for part in PARTS]


def _database_part(identity):
    # Two databases may share an instance folder: each only ever replaces its own files.
    return hashlib.sha256(identity.split(":", 1)[0].encode()).hexdigest()[:12]


def _build(identity, paths):
    """Write this version's files: in a child process when the database holds many facts
    (its memory goes back to the system when it exits), else here. A child that finds
    another version of the data than this worker asked for leaves the work to it."""
    connection = db.session.connection()
    # Two subqueries: SQLite reads min and max off the key's index only one at a time, and
    # a scan would fill this worker's page cache with the facts.
    low, high = connection.exec_driver_sql(
        "SELECT (SELECT min(id) FROM daily_facts), (SELECT max(id) FROM daily_facts)").one()
    if low is not None and high - low + 1 > CHILD_BUILD_FACTS:
        request = {"url": db.engine.url.render_as_string(hide_password=False),
                   "config": {key: current_app.config[key] for key in (
                       "DB_STATEMENT_TIMEOUT_MS", "DB_CONNECT_TIMEOUT_S")
                       if key in current_app.config},
                   "identity": identity, "paths": [str(path) for path in paths]}
        child = subprocess.run(
            [sys.executable, "-c", "from dashboard.analytics.columnar import build_in_child;"
             " build_in_child()"], input=json.dumps(request), text=True,
            capture_output=True, check=False)
        if child.returncode == 0 and all(path.exists() for path in paths):
            return
        current_app.logger.warning("The analytics snapshot was built in the worker: its "
                                   "child process stopped (%s) %s", child.returncode,
                                   child.stderr[-2000:])
    _write_parts(snapshot_parts.read_database(connection), paths)


def build_in_child():
    """The child process of _build: the request on stdin, exit status 0 once written."""
    request = json.load(sys.stdin)
    engine = make_engine(request["url"], request["config"])
    try:
        with engine.connect() as connection:
            if data_identity(connection) != request["identity"]:
                sys.exit(3)
            _write_parts(snapshot_parts.read_database(connection), [Path(p) for p in request["paths"]])
    finally:
        engine.dispose()


def _write_parts(frames, paths):
    facts, *others = frames
    _write_atomically(lambda partial: column_file.write_columns(facts, partial), paths[0])
    for frame, path in zip(others, paths[1:]):
        # Uncompressed: these small tables are read whole.
        _write_atomically(
            lambda partial, frame=frame: frame.write_ipc(partial, compression="uncompressed"),
            path)


def _write_atomically(write, path):
    handle, partial = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial",
                                       dir=path.parent)
    os.close(handle)
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _remove_older(paths, database):
    """This database's snapshots of earlier versions; a worker still mapping one keeps its
    pages until it lets go (POSIX)."""
    keep = {path.name for path in paths}
    for path in paths[0].parent.glob(f"*-{database}-*"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


# ------------------------------------------------------------------------ the queries

class FactSlice:
    """Facts (or a summary of them) under a selection and scope, lazy, with the post spend
    of the same selection per creator and day, and the brands that spend may be split into
    (None: any). Without post spend for a table that holds none (the outside-window one)."""

    def __init__(self, facts, post_spend=None, pair_brand_ids=None):
        self.facts = facts
        self.post_spend = post_spend
        self.pair_brand_ids = pair_brand_ids

    def filter(self, *conditions):
        """Both parts narrowed by conditions on the columns they share (the day)."""
        return FactSlice(self.facts.filter(*conditions),
                         None if self.post_spend is None else self.post_spend.filter(
                             *conditions), self.pair_brand_ids)


def filtered(snap, selection, scope, *, influencer_pk=None, dates=True, table=None,
             day_numbers=None):
    """The facts (or `table`, a summary of them by some of their columns, sorted by day
    when it has `day_numbers`) under queries.fact_filters' conditions, as a FactSlice; a
    table without days (`dates=False`) comes without post spend."""
    conditions = []
    facts = snap.facts if table is None else table
    if dates and selection.dated:
        if table is not None and day_numbers is None:
            raise ValueError("A summary table has no days to select from.")
        facts = _days_of(facts, snap.day_numbers if table is None else day_numbers, selection)
    brands = effective_brands(selection, scope)
    if brands is not None:
        if not brands:
            conditions.append(pl.lit(False))
        else:
            unbranded = pl.col("brand_id").is_null()
            if scope is not None:
                unbranded = unbranded & pl.col("influencer_pk").is_in(
                    snap.creators_in_scope(scope).implode())
            conditions.append(unbranded | pl.col("brand_id").is_in(
                snap._ids(snap.brand_ids, brands).implode()))
    creators = snap.creators.lazy()
    narrowed = False
    creator_conditions = []
    for attribute, wanted in zip(CREATOR_COLUMNS, (selection.platforms, selection.categories,
                                                   selection.tiers)):
        if wanted:
            creators = creators.filter(pl.col(attribute).is_in(sorted(wanted)))
            narrowed = True
    if narrowed:
        chosen = creators.select("influencer_pk").collect()["influencer_pk"]
        creator_conditions.append(pl.col("influencer_pk").is_in(chosen.implode()))
    if influencer_pk is not None:
        creator_conditions.append(pl.col("influencer_pk") == influencer_pk)
    conditions += creator_conditions
    facts = facts.lazy()
    facts = facts.filter(*conditions) if conditions else facts
    if table is not None and not dates:
        return FactSlice(facts)
    post_spend = _post_spend_of(snap, selection, dates).lazy()
    if creator_conditions:
        post_spend = post_spend.filter(*creator_conditions)
    return FactSlice(facts, post_spend, _pair_brands(snap, brands))


def _post_spend_of(snap, selection, dates=True):
    if dates and selection.dated:
        return _days_of(snap.post_spend, snap.post_spend_day_numbers, selection)
    return snap.post_spend


def _pair_brands(snap, brands):
    """The brand ids post spend may be split into under a brand filter (None: no filter)."""
    return None if brands is None else snap._ids(snap.brand_ids, brands)


def _days_of(rows, day_numbers, selection):
    """The rows of the selection's dates. They are sorted by day (undated first), so a
    date range is a slice found by binary search, not a scan."""
    first = day_numbers.searchsorted(
        np.int32(UNDATED + 1) if selection.start is None else day_number(selection.start),
        "left")
    last = len(rows) if selection.end is None else day_numbers.searchsorted(
        day_number(selection.end), "right")
    return rows.slice(first, max(0, last - first))


# Groupings the daily summary can answer: none needs a creator's own row.
SUMMARY_GROUPS = ("overall", "platform", "brand", "campaign", "month", "day")
SUMMARY_KEYS = ["day", "platform", "brand_id", "campaign_id"]
# Groupings the creator summary can answer: it keeps each fact's creator, brand and day.
CREATOR_SUMMARY_GROUPS = ("overall", "influencer", "brand", "month", "day")
CREATOR_SUMMARY_KEYS = ["day", "influencer_pk", "brand_id"]
# Per snapshot, in this process: its summaries once built, and its ranked creators.
_summaries = weakref.WeakKeyDictionary()
_ranked = weakref.WeakKeyDictionary()
_summary_lock = threading.Lock()
_build_lock = threading.Lock()


def rows_to_group(snap, selection, scope, by, *, influencer_pk=None, per_creator=False):
    """What grouped() should sum for `by` (per creator as well when asked): the smallest
    summary of the facts that can answer, filtered, else the filtered facts.

    The overview's groups (platform x brand x campaign, days, the previous period) need no
    creator, so for everyone's data (no brand scope, no category or tier filter) they are
    sums over a daily summary some fifteen times smaller than the facts. Groups by creator,
    brand, month or day under any filter are sums over a summary per day, creator and
    brand: the campaign split of post spend makes the facts several times longer. Either
    way a cold view sums a fraction of the rows of its dates.
    """
    summaries = _ready(snap)
    if (by in SUMMARY_GROUPS and not per_creator and scope is None and influencer_pk is None
            and not selection.categories and not selection.tiers):
        summary, day_numbers = summaries["daily"]
        rows = _days_of(summary, day_numbers, selection) if selection.dated else summary
        conditions = []
        brands = effective_brands(selection, scope)
        if brands is not None:
            conditions.append(pl.col("brand_id").is_null() | pl.col("brand_id").is_in(
                snap._ids(snap.brand_ids, brands).implode()) if brands else pl.lit(False))
        platforms = []
        if selection.platforms:
            platforms.append(pl.col("platform").cast(pl.String).is_in(
                sorted(selection.platforms)))
        rows, post_spend = rows.lazy(), _post_spend_of(snap, selection).lazy()
        if conditions or platforms:
            rows = rows.filter(*conditions, *platforms)
        if platforms:
            post_spend = post_spend.filter(*platforms)
        return FactSlice(rows, post_spend, _pair_brands(snap, brands))
    if by in CREATOR_SUMMARY_GROUPS:
        summary, day_numbers = summaries["creators"]
        return filtered(snap, selection, scope, influencer_pk=influencer_pk, table=summary,
                        day_numbers=day_numbers)
    return filtered(snap, selection, scope, influencer_pk=influencer_pk)


def _ready(snap):
    """The snapshot's summaries, built on first use if warm-up has not built them."""
    summaries = _summaries.get(snap)
    if summaries is None:
        prepare(snap)
        summaries = _summaries[snap]
    return summaries


def prepare(snap):
    """Build this process's summaries of the snapshot (a scan of every fact each) if it
    has none yet: warm-up calls it, so a worker's first cold view does not wait for them.
    (Built in the background instead, the first cold views after a start raced the build
    for the CPU and read the facts: slower, not faster.)"""
    with _build_lock:
        if snap in _summaries:
            return
        built = {"daily": _summarised(snap.facts, SUMMARY_KEYS),
                 "creators": _summarised(snap.facts, CREATOR_SUMMARY_KEYS)}
        with _summary_lock:
            _summaries[snap] = built


def _summarised(facts, keys):
    """(the facts summed per `keys`, sorted by them with undated first; its days as
    numbers)."""
    summary = facts.lazy().group_by(keys).agg(
        [summed(name) for name in SUM_COLUMNS]).sort(keys, nulls_last=False).collect()
    # Counts kept as Int32 where they fit (summed() widens them again): each worker holds
    # its own summaries, so a third less memory for them.
    summary = summary.with_columns(
        pl.col(name).cast(pl.Int32) for name in SUM_COLUMNS
        if name not in ("revenue", "spend") and (summary[name].max() or 0) < 2**31
        and (summary[name].min() or 0) >= -2**31)
    return summary, summary["day"].cast(pl.Int32).fill_null(UNDATED).to_numpy()


def _ranked_creators(snap):
    """The snapshot's creators with the rank of their key in text order, once per snapshot."""
    with _summary_lock:
        if snap not in _ranked:
            _ranked[snap] = snap.creators.with_columns(
                pl.col("influencer_key").rank("ordinal").alias("key_rank"))
        return _ranked[snap]


def day_number(day):
    # Of the array's own type: a Python int would make numpy copy the array to compare.
    return np.int32((day - EPOCH).days)


def grouped(snap, facts, by, values, *, label, extra_keys=()):
    """Sums of `values` per group of `by` (and extra_keys), the key as queries.group_column
    names it, as a pandas frame: groups a SQL inner join would drop are dropped."""
    frame = as_pandas(grouped_frame(snap, facts, by, values, label=label,
                                    extra_keys=extra_keys))
    if by == "day":
        # Days as dates, as the database returns them.
        frame[label] = pd.to_datetime(frame[label]).dt.date
    return frame


def grouped_frame(snap, part, by, values, *, label, extra_keys=()):
    """grouped() as a Polars frame (days stay Polars dates), for callers that go on in
    Polars rather than pandas. `part` is a FactSlice."""
    sums = [summed(name) for name in values]
    facts = part.facts
    if part.post_spend is not None and {"spend", "spend_events"} & set(values):
        needed = _group_columns(by, extra_keys)
        # Sums' types on both sides: the snapshot keeps counts as narrow as they fit.
        facts = pl.concat([facts.select(*needed, *(widened(name) for name in values)),
                           _post_spend_rows(snap, part, needed, values)],
                          how="diagonal_relaxed")
    if by in ("month", "day"):
        facts = facts.filter(pl.col("day").is_not_null())
    if by == "overall":
        if extra_keys:
            frame = facts.group_by(list(extra_keys)).agg(sums).collect()
        else:
            frame = facts.select(sums).collect()
        frame = frame.with_columns(pl.lit("all").alias(label))
    elif by in ("brand", "campaign"):
        column = f"{by}_id"
        names = snap.brand_names if by == "brand" else snap.campaign_names
        frame = facts.filter(pl.col(column).is_not_null()).group_by(
            [column, *extra_keys]).agg(sums).collect()
        frame = frame.with_columns(pl.Series(
            label, [names.get(key) for key in frame[column].to_list()], dtype=pl.String))
    elif by == "month":
        frame = facts.group_by([pl.col("day").dt.truncate("1mo").alias("month_start"),
                                *extra_keys]).agg(sums).collect()
        frame = frame.with_columns(pl.col("month_start").dt.strftime("%Y-%m").alias(label))
    elif by == "day":
        frame = facts.group_by(["day", *extra_keys]).agg(sums).collect()
        frame = frame.with_columns(pl.col("day").alias(label))
    elif by in CREATOR_COLUMNS:
        frame = facts.group_by([pl.col(by).cast(pl.String).alias(label), *extra_keys]).agg(
            sums).collect()
    else:
        others = [key for key in extra_keys if key != "influencer_pk"]
        # In key order (ties keep no order here): metrics._finish then need not sort 10,000
        # names itself, a sort of small numbers instead of text.
        per_creator = facts.group_by(["influencer_pk", *others]).agg(sums).join(
            _ranked_creators(snap).lazy(), on="influencer_pk", how="inner").sort("key_rank")
        frame = per_creator.with_columns(pl.col("influencer_key").alias(label)).collect()
        return frame.select(label, *extra_keys, *values, "name")
    return frame.select(label, *extra_keys, *values)


def _group_columns(by, extra_keys):
    """The fact columns a group of `by` (and extra_keys) reads."""
    columns = {"overall": [], "brand": ["brand_id"], "campaign": ["campaign_id"],
               "month": ["day"], "day": ["day"], "influencer": ["influencer_pk"]}.get(
        by, [by] if by in CREATOR_COLUMNS else [])
    return list(dict.fromkeys([*columns, *extra_keys]))


def _post_spend_rows(snap, part, columns, values):
    """The slice's post spend as rows of `columns` and the spend values: summed per creator
    first, then split over the creator's pairs only when brands or campaigns matter."""
    pair_columns = [name for name in ("brand_id", "campaign_id") if name in columns]
    others = [name for name in columns if name not in pair_columns]
    spend = [name for name in ("spend", "spend_events") if name in values]
    if not pair_columns and part.pair_brand_ids is None:
        # Every pair counts: the day's spend is already the sum of its pairs'.
        return part.post_spend.select(*others, *(widened(name) for name in spend))
    keys = list(dict.fromkeys(["influencer_pk", *others]))
    per_creator = part.post_spend.group_by(keys).agg(pl.col(name).sum() for name in spend)
    pairs = snap.pairs.lazy()
    if part.pair_brand_ids is not None:
        pairs = pairs.filter(pl.col("brand_id").is_in(part.pair_brand_ids.implode()))
    split = {"spend": pl.col("spend") * pl.col("spend_share"),
             # Whole events: each pair has the day's posts as its events.
             "spend_events": (pl.col("spend_events") * pl.col("event_share")).round(0)
             .cast(pl.Int64)}
    return per_creator.join(pairs, on="influencer_pk", how="inner").select(
        *others, *pair_columns, *(split[name].alias(name) for name in spend))


def summed(name):
    """The sum of a fact column as Int64 (counts) or Float64 (money), however narrow the
    snapshot stores it: a narrower sum could wrap."""
    return widened(name).sum()


def widened(name):
    return pl.col(name).cast(pl.Float64 if name in ("revenue", "spend") else pl.Int64)


def as_pandas(frame):
    """A Polars frame as pandas, column by column (no pyarrow needed): nulls in integer
    columns become NaN, as the database's rows do in a pandas frame."""
    return pd.DataFrame({name: frame[name].to_numpy() for name in frame.columns})


def date_span(snap, scope):
    """First and last dated fact the scope can see, as queries.date_span."""
    part = filtered(snap, Selection(), scope)
    post_spend = part.post_spend
    if part.pair_brand_ids is not None:
        post_spend = post_spend.join(snap.pairs.lazy().filter(
            pl.col("brand_id").is_in(part.pair_brand_ids.implode())).select("influencer_pk"),
            on="influencer_pk", how="semi")
    span = pl.concat([part.facts.select("day"), post_spend.select("day")]).select(
        pl.col("day").min().alias("first"), pl.col("day").max().alias("last")).collect()
    return span["first"][0], span["last"][0]
