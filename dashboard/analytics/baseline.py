"""Measured baseline: the organic share of revenue, read from days outside post windows."""
from dataclasses import replace

import numpy as np
import pandas as pd
import polars as pl
from sqlalchemy import Float, cast, false, func, select

from dashboard.analytics import columnar
from dashboard.analytics.cache import cached
from dashboard.analytics.metrics import metrics, nulls_as_none, ratio
from dashboard.analytics.queries import fact_filters, facts_from, group_column
from dashboard.analytics.selection import DEFAULT_BASELINE
from dashboard.extensions import db
from dashboard.importing.rollups import POST_WINDOW_DAYS
from models import DailyFact, Post

# Groups whose all-time organic rate is the creator's own, whatever the group: a month
# does not narrow which facts count as organic, only which days are in the selection.
PER_CREATOR_RATE = ("overall", "month")


def measured_baseline(selection, by, *, scope) -> pd.DataFrame:
    """Organic share of revenue measured from days outside post windows (docs/metrics.md)."""
    group_column(by)
    return cached("measured_baseline", selection, scope,
                  lambda: _measured_baseline(selection, by, scope), by)


def _measured_baseline(selection, by, scope):
    groups = metrics(selection, by, scope=scope)
    key = groups.columns[0]
    expected = _organic_revenue(selection, by, scope)
    frame = groups[[key, "revenue", "spend"]].copy()
    organic_revenue = frame[key].map(expected).astype("float64").fillna(0.0)
    revenue = frame["revenue"].astype("float64")
    share = (organic_revenue / revenue.where(revenue > 0)).clip(upper=1.0)
    frame["measured_baseline_share"] = share
    frame["measured_incremental_roas"] = ratio(revenue * (1 - share), frame["spend"])
    frame["assumed_incremental_roas"] = ratio(revenue * (1 - selection.baseline),
                                              frame["spend"])
    return nulls_as_none(frame, ["measured_baseline_share", "measured_incremental_roas",
                                 "assumed_incremental_roas"])


def _organic_revenue(selection, by, scope):
    """Expected organic revenue by group: each creator's all-time revenue per day outside
    post windows, times that creator's days in the selection (and the month, by month);
    a creator with no such day is assumed to be organic at the selection's baseline."""
    rows = _revenue_in_selection(selection, by, scope)
    if rows.empty:
        return pd.Series(dtype="float64")
    rows = rows.merge(influencer_spans(), on="influencer_pk", how="left")
    outside = _revenue_outside_windows(selection, by, scope)
    rows = rows.merge(outside, on=["influencer_pk"] if by in PER_CREATOR_RATE
                      else ["group", "influencer_pk"], how="left")
    first, last = rows["first"], rows["last"]
    if by == "month":
        month_start = pd.to_datetime(rows["group"] + "-01")
        first = first.where(first > month_start, month_start)
        month_end = month_start + pd.offsets.MonthEnd(0)
        last = last.where(last < month_end, month_end)
    if selection.start is not None:
        start = pd.Timestamp(selection.start)
        first = first.where(first > start, start)
    if selection.end is not None:
        end = pd.Timestamp(selection.end)
        last = last.where(last < end, end)
    days_in_selection = ((last - first).dt.days + 1).clip(lower=0)
    outside_days = rows["outside_days"].fillna(0)
    measured = outside_days.to_numpy() > 0
    organic = np.where(
        measured,
        rows["outside_revenue"].fillna(0.0).to_numpy()
        / np.where(measured, outside_days.to_numpy(), 1.0) * days_in_selection.fillna(0)
        .to_numpy(),
        selection.baseline * rows["revenue"].to_numpy())
    return pd.Series(organic, index=rows.index).groupby(rows["group"], sort=False).sum()


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
    """[group, influencer_pk, outside_revenue]: all-time revenue on days outside post windows
    (group only when the rate is per group). Dates play no part, so a change of dates
    reuses it."""
    all_time = replace(selection, start=None, end=None, baseline=DEFAULT_BASELINE, notes=())
    return cached("revenue_outside_windows", all_time, scope,
                  lambda: _revenue_outside_windows_frame(all_time, by, scope), by)


def _revenue_outside_windows_frame(selection, by, scope):
    rate_by = "overall" if by in PER_CREATOR_RATE else by
    if columnar.enabled():
        snap = columnar.snapshot()
        # The snapshot's all-time summary of these facts: dates play no part here.
        facts = columnar.filtered(snap, selection, scope, dates=False, table=snap.outside)
        frame = columnar.grouped(snap, facts, rate_by, ["revenue"], label="group",
                                 extra_keys=("influencer_pk",))
    else:
        frame = _sql_revenue(selection, rate_by, scope, dates=False, outside=True)
    frame = frame.rename(columns={"revenue": "outside_revenue"})
    frame["influencer_pk"] = frame["influencer_pk"].astype("int64")
    frame["outside_revenue"] = frame["outside_revenue"].fillna(0.0).astype("float64")
    if by in PER_CREATOR_RATE:
        return frame[["influencer_pk", "outside_revenue"]]
    return frame[["group", "influencer_pk", "outside_revenue"]]


def _revenue_in_selection(selection, by, scope):
    """[group, influencer_pk, revenue]: revenue per (group, creator) inside the selection."""
    if columnar.enabled():
        snap = columnar.snapshot()
        facts = columnar.filtered(snap, selection, scope).filter(pl.col("day").is_not_null())
        frame = columnar.grouped(snap, facts, by, ["revenue"], label="group",
                                 extra_keys=("influencer_pk",))
    else:
        frame = _sql_revenue(selection, by, scope, dates=True, outside=False)
    frame["influencer_pk"] = frame["influencer_pk"].astype("int64")
    frame["revenue"] = frame["revenue"].fillna(0.0).astype("float64")
    return frame[["group", "influencer_pk", "revenue"]]


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
