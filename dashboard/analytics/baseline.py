"""Measured baseline: the organic share of revenue, read from days outside post windows."""
import threading
import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import polars as pl
from sqlalchemy import Float, cast, false, func, select

from dashboard.analytics import columnar
from dashboard.analytics.cache import cached
from dashboard.analytics.metrics import metrics, objects_with_none, ratio
from dashboard.analytics.queries import fact_filters, facts_from, group_column
from dashboard.analytics.selection import DEFAULT_BASELINE
from dashboard.extensions import db
from dashboard.importing.rollups import POST_WINDOW_DAYS
from models import DailyFact, Post

# Groups whose all-time organic rate is the creator's own, whatever the group: a month
# does not narrow which facts count as organic, only which days are in the selection.
PER_CREATOR_RATE = ("overall", "month")
# Brand sets whose all-time outside-window revenue a snapshot keeps (_CreatorRates).
OUTSIDE_KEPT = 64


def measured_baseline(selection, by, *, scope) -> pd.DataFrame:
    """Organic share of revenue measured from days outside post windows (docs/metrics.md)."""
    group_column(by)
    return cached("measured_baseline", selection, scope,
                  lambda: _measured_baseline(selection, by, scope), by)


def _measured_baseline(selection, by, scope):
    # Polars works out the organic revenue on either engine.
    columnar.using_polars()
    groups = metrics(selection, by, scope=scope)
    key = groups.columns[0]
    if by == "influencer" and selection.dated and columnar.enabled():
        organic_revenue = _organic_by_creator(selection, scope, groups)
    else:
        expected = _organic_revenue(selection, by, scope)
        organic_revenue = np.array([expected.get(group, 0.0)
                                    for group in groups[key].tolist()], dtype="float64")
    organic_revenue = np.where(np.isnan(organic_revenue), 0.0, organic_revenue)
    revenue = groups["revenue"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.minimum(np.where(revenue > 0, organic_revenue / revenue, np.nan), 1.0)
    spend = groups["spend"].to_numpy()
    return pd.DataFrame({
        key: groups[key].array, "revenue": groups["revenue"].to_numpy(), "spend": spend,
        "measured_baseline_share": objects_with_none(share),
        "measured_incremental_roas": objects_with_none(ratio(revenue * (1 - share), spend)),
        "assumed_incremental_roas": objects_with_none(ratio(revenue * (1 - selection.baseline),
                                                      spend))})


def _organic_revenue(selection, by, scope) -> dict:
    """Expected organic revenue by group: each creator's all-time revenue per day outside
    post windows, times that creator's days in the selection (and the month, by month);
    a creator with no such day is assumed to be organic at the selection's baseline.

    In Polars on either engine's rows: pandas merges were most of this step's time."""
    rows = _revenue_in_selection(selection, by, scope)
    if rows.is_empty():
        return {}
    per_creator = by in PER_CREATOR_RATE
    outside = _revenue_outside_windows(selection, by, scope)
    if not per_creator:
        outside = outside.with_columns(pl.col("group").cast(rows.schema["group"]))
    rows = rows.join(_spans_frame(), on="influencer_pk", how="left").join(
        outside, on=["influencer_pk"] if per_creator else ["group", "influencer_pk"],
        how="left")
    first, last = pl.col("first"), pl.col("last")
    if by == "month":
        month_start = (pl.col("group") + "-01").str.to_date("%Y-%m-%d")
        first = pl.max_horizontal(first, month_start)
        last = pl.min_horizontal(last, month_start.dt.month_end())
    if selection.start is not None:
        first = pl.max_horizontal(first, pl.lit(selection.start, dtype=pl.Date))
    if selection.end is not None:
        last = pl.min_horizontal(last, pl.lit(selection.end, dtype=pl.Date))
    days_in_selection = ((last - first).dt.total_days() + 1).clip(lower_bound=0).fill_null(0)
    outside_days = pl.col("outside_days").fill_null(0)
    organic = pl.when(outside_days > 0).then(
        pl.col("outside_revenue").fill_null(0.0) / outside_days.cast(pl.Float64)
        * days_in_selection.cast(pl.Float64)).otherwise(selection.baseline * pl.col("revenue"))
    totals = rows.group_by("group").agg(organic.sum().alias("organic"))
    return dict(zip(totals["group"].to_list(), totals["organic"].to_list()))


def _organic_by_creator(selection, scope, groups):
    """_organic_revenue by creator within dates, as an array in the order of `groups`.

    The same arithmetic on arrays kept per creator: a creator is its own group, so no
    frame is joined or grouped. On 10,000 creators, 2 ms where the frames took 25."""
    rates = _creator_rates(columnar.snapshot())
    at = rates.position.get_indexer(groups["influencer_id"].to_numpy())
    outside = rates.outside_revenue(selection, scope)[at]
    # A creator the snapshot does not know (-1) has no day outside the windows.
    outside_days = np.where(at >= 0, rates.outside_days[at], 0)
    first, last = rates.first[at], rates.last[at]
    if selection.start is not None:
        first = np.maximum(first, columnar.day_number(selection.start))
    if selection.end is not None:
        last = np.minimum(last, columnar.day_number(selection.end))
    days_in_selection = np.clip(last.astype("int64") - first + 1, 0, None)
    revenue = groups["revenue"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        # Creators without a day outside every window (none at all, or no span) are
        # organic at the selection's baseline.
        return np.where(outside_days > 0,
                        outside / outside_days.astype("float64")
                        * days_in_selection.astype("float64"),
                        selection.baseline * revenue)


@dataclass(eq=False)
class _CreatorRates:
    """A snapshot's creators as arrays in one order: where each creator's key is, the
    first and last day of its dated facts (as day numbers), its days outside every post
    window, and, per brand set seen, its all-time revenue on those days. All time, so
    built once per data version and shared by every selection of dates."""

    position: pd.Index
    pks: pd.Index
    first: np.ndarray
    last: np.ndarray
    outside_days: np.ndarray

    def __post_init__(self):
        self._outside = {}
        self._lock = threading.Lock()

    def outside_revenue(self, selection, scope):
        """All-time revenue outside post windows per creator under the selection's brands
        and the scope (the creator filters only choose creators, so they play no part)."""
        all_time = replace(selection, start=None, end=None, platforms=frozenset(),
                           categories=frozenset(), tiers=frozenset(),
                           baseline=DEFAULT_BASELINE, notes=())
        key = (all_time.brands, None if scope is None else frozenset(scope))
        with self._lock:
            revenue = self._outside.get(key)
        if revenue is None:
            frame = _revenue_outside_windows_frame(all_time, "overall", scope)
            at = self.pks.get_indexer(frame["influencer_pk"].to_numpy())
            revenue = np.zeros(len(self.pks), dtype="float64")
            revenue[at[at >= 0]] = frame["outside_revenue"].to_numpy()[at >= 0]
            with self._lock:
                if len(self._outside) >= OUTSIDE_KEPT:
                    self._outside.pop(next(iter(self._outside)))
                self._outside[key] = revenue
        return revenue


_rates = weakref.WeakKeyDictionary()
_rates_lock = threading.Lock()


def _creator_rates(snap):
    with _rates_lock:
        rates = _rates.get(snap)
        if rates is None:
            creators = snap.creators
            pks = pd.Index(creators["influencer_pk"].to_numpy())
            spans = snap.spans
            at = pks.get_indexer(spans["influencer_pk"].to_numpy())
            known = at >= 0
            first = np.zeros(len(pks), dtype="int32")
            last = np.full(len(pks), -1, dtype="int32")
            outside_days = np.zeros(len(pks), dtype="int64")
            first[at[known]] = spans["first"].cast(pl.Int32).fill_null(0).to_numpy()[known]
            last[at[known]] = spans["last"].cast(pl.Int32).fill_null(-1).to_numpy()[known]
            outside_days[at[known]] = spans["outside_days"].fill_null(0).to_numpy()[known]
            rates = _rates[snap] = _CreatorRates(
                pd.Index(creators["influencer_key"].to_numpy()), pks, first, last,
                outside_days)
        return rates


def _spans_frame():
    """influencer_spans() as Polars: influencer_pk (Int64), first and last (dates),
    outside_days."""
    if columnar.enabled():
        return columnar.snapshot().spans.with_columns(
            pl.col("influencer_pk").cast(pl.Int64), pl.col("outside_days").cast(pl.Int64))
    span = influencer_spans()
    return pl.DataFrame({
        "influencer_pk": span["influencer_pk"].to_numpy(dtype="int64"),
        "first": pl.Series(span["first"].to_numpy().astype("datetime64[D]")).cast(pl.Date),
        "last": pl.Series(span["last"].to_numpy().astype("datetime64[D]")).cast(pl.Date),
        "outside_days": span["outside_days"].to_numpy(dtype="int64")})


def influencer_spans() -> pd.DataFrame:
    """Per creator: first and last dated fact, and the days between them outside every post
    window. All time and the same for every selection, so computed once per data version."""
    if columnar.enabled():
        # Part of the snapshot of this data version, built with it.
        span = columnar.as_pandas(columnar.snapshot().spans)
        span["influencer_pk"] = span["influencer_pk"].astype("int64")
        span["first"] = pd.to_datetime(span["first"])
        span["last"] = pd.to_datetime(span["last"])
        return span
    return cached("influencer_spans", None, None, _influencer_spans)


def _influencer_spans():
    span = pd.DataFrame(db.session.execute(
        select(DailyFact.influencer_pk, func.min(DailyFact.day), func.max(DailyFact.day))
        .where(DailyFact.day.is_not(None)).group_by(DailyFact.influencer_pk)).all(),
        columns=["influencer_pk", "first", "last"])
    span["influencer_pk"] = span["influencer_pk"].astype("int64")
    span["first"] = pd.to_datetime(span["first"])
    span["last"] = pd.to_datetime(span["last"])
    posts = pd.DataFrame(db.session.execute(
        select(Post.influencer_pk, Post.date).distinct()).all(),
        columns=["influencer_pk", "date"])
    # Every (creator, day) some post's window covers: the post's day and the six after.
    post_days = pd.to_datetime(posts["date"]).to_numpy().astype("datetime64[D]").astype("int64")
    covered = pd.DataFrame({
        "influencer_pk": np.repeat(posts["influencer_pk"].to_numpy(dtype="int64"),
                                   POST_WINDOW_DAYS),
        "day": (post_days[:, None] + np.arange(POST_WINDOW_DAYS)).ravel()}).drop_duplicates()
    covered = covered.merge(span, on="influencer_pk", how="inner")
    first_day = covered["first"].to_numpy().astype("datetime64[D]").astype("int64")
    last_day = covered["last"].to_numpy().astype("datetime64[D]").astype("int64")
    inside = covered[(covered["day"] >= first_day) & (covered["day"] <= last_day)]
    covered_days = inside.groupby("influencer_pk").size()
    span["outside_days"] = ((span["last"] - span["first"]).dt.days + 1 - span[
        "influencer_pk"].map(covered_days).fillna(0).astype("int64"))
    return span


def _revenue_outside_windows(selection, by, scope):
    """[group, influencer_pk, outside_revenue] as Polars: all-time revenue on days outside
    post windows (group only when the rate is per group). Dates play no part, so a change
    of dates reuses it: the snapshot holds it summed already, and the database's is cached."""
    all_time = replace(selection, start=None, end=None, baseline=DEFAULT_BASELINE, notes=())
    if columnar.enabled():
        # A group-by over the snapshot's small all-time table: quicker than a cache trip.
        return _revenue_outside_windows_frame(all_time, by, scope)
    return cached("revenue_outside_windows", all_time, scope,
                  lambda: _revenue_outside_windows_frame(all_time, by, scope), by)


def _revenue_outside_windows_frame(selection, by, scope):
    rate_by = "overall" if by in PER_CREATOR_RATE else by
    if columnar.enabled():
        snap = columnar.snapshot()
        facts = columnar.filtered(snap, selection, scope, dates=False, table=snap.outside)
        frame = columnar.grouped_frame(snap, facts, rate_by, ["revenue"], label="group",
                                       extra_keys=("influencer_pk",))
    else:
        frame = _as_polars(_sql_revenue(selection, rate_by, scope, dates=False, outside=True))
    frame = frame.select(
        "group", pl.col("influencer_pk").cast(pl.Int64),
        pl.col("revenue").cast(pl.Float64).fill_null(0.0).alias("outside_revenue"))
    if by in PER_CREATOR_RATE:
        return frame.select("influencer_pk", "outside_revenue")
    return frame


def _revenue_in_selection(selection, by, scope):
    """[group, influencer_pk, revenue] as Polars: revenue per (group, creator) inside the
    selection. (By creator within dates the columnar engine reads the creator metrics
    instead: _organic_by_creator.)"""
    if columnar.enabled():
        snap = columnar.snapshot()
        facts = columnar.rows_to_group(snap, selection, scope, by, per_creator=True).filter(
            pl.col("day").is_not_null())
        frame = columnar.grouped_frame(snap, facts, by, ["revenue"], label="group",
                                       extra_keys=("influencer_pk",))
    else:
        frame = _as_polars(_sql_revenue(selection, by, scope, dates=True, outside=False))
    return frame.select("group", pl.col("influencer_pk").cast(pl.Int64),
                        pl.col("revenue").cast(pl.Float64).fill_null(0.0))


def _as_polars(frame):
    """The database's [group, influencer_pk, revenue] rows as Polars."""
    return pl.DataFrame({
        "group": pl.Series(frame["group"].tolist(), dtype=pl.String),
        "influencer_pk": frame["influencer_pk"].to_numpy(dtype="int64"),
        "revenue": frame["revenue"].to_numpy(dtype="float64", na_value=np.nan)},
        nan_to_null=True)


def _sql_revenue(selection, by, scope, *, dates, outside):
    """The database's [group, influencer_pk, revenue] for the two frames above."""
    group = group_column(by)[1]
    conditions = [DailyFact.day.is_not(None), *fact_filters(selection, scope, dates=dates)]
    if outside:
        conditions.append(DailyFact.in_post_window == false())
    keys = ([group] if group is not None else []) + [DailyFact.influencer_pk]
    statement = select(*keys, cast(func.sum(DailyFact.revenue), Float)).select_from(
        facts_from(by, influencers=True)).where(*conditions).group_by(*keys)
    rows = [(("all",) if group is None else ()) + tuple(row)
            for row in db.session.execute(statement).all()]
    return pd.DataFrame(rows, columns=["group", "influencer_pk", "revenue"])
