"""Measured baseline: the organic share of revenue, read from days outside post windows."""
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Float, cast, false, func, select

from dashboard.analytics.cache import cached
from dashboard.analytics.metrics import metrics, nulls_as_none, ratio
from dashboard.analytics.queries import as_date, fact_filters, facts_from, group_column
from dashboard.extensions import db
from dashboard.importing.rollups import POST_WINDOW_DAYS
from models import DailyFact, Post


def measured_baseline(selection, by, *, scope) -> pd.DataFrame:
    """Organic share of revenue measured from days outside post windows (docs/metrics.md)."""
    group_column(by)
    return cached("measured_baseline", selection, scope,
                  lambda: _measured_baseline(selection, by, scope), by)


def _measured_baseline(selection, by, scope):
    groups = metrics(selection, by, scope=scope)
    key = groups.columns[0]
    spans = _influencer_spans()
    rates = _revenue_outside_windows(selection, by, scope)
    expected = {}
    for row in _revenue_in_selection(selection, by, scope).itertuples(index=False):
        span = spans.get(row.influencer_pk)
        outside_revenue = rates.get((None if by in ("overall", "month") else row.group,
                                     row.influencer_pk), 0.0)
        if span is None or span[2] == 0:
            # Every active day lies in a post window: nothing to measure, assume b.
            organic_revenue = selection.baseline * row.revenue
        else:
            first, last, outside_days = span
            if by == "month":
                month_start = date.fromisoformat(row.group + "-01")
                first, last = max(first, month_start), min(last, _month_end(month_start))
            first = max(first, selection.start or first)
            last = min(last, selection.end or last)
            days_in_selection = max(0, (last - first).days + 1)
            organic_revenue = outside_revenue / outside_days * days_in_selection
        expected[row.group] = expected.get(row.group, 0.0) + organic_revenue
    frame = groups[[key, "revenue", "spend"]].copy()
    organic_revenue = frame[key].map(expected).fillna(0.0).astype("float64")
    revenue = frame["revenue"].astype("float64")
    share = (organic_revenue / revenue.where(revenue > 0)).clip(upper=1.0)
    frame["measured_baseline_share"] = share
    frame["measured_incremental_roas"] = ratio(revenue * (1 - share), frame["spend"])
    frame["assumed_incremental_roas"] = ratio(revenue * (1 - selection.baseline),
                                              frame["spend"])
    return nulls_as_none(frame, ["measured_baseline_share", "measured_incremental_roas",
                                 "assumed_incremental_roas"])


def _month_end(month_start):
    following = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _influencer_spans():
    """influencer id -> (first day, last day, days in that span outside every post window)."""
    first_last = db.session.execute(
        select(DailyFact.influencer_pk, func.min(DailyFact.day), func.max(DailyFact.day))
        .where(DailyFact.day.is_not(None)).group_by(DailyFact.influencer_pk)).all()
    post_days = pd.DataFrame(db.session.execute(select(Post.influencer_pk, Post.date)).all(),
                             columns=["influencer_pk", "date"])
    windows = {}
    for influencer_pk, dates in post_days.groupby("influencer_pk")["date"]:
        windows[influencer_pk] = sorted({as_date(d) for d in dates})
    spans = {}
    for influencer_pk, first, last in first_last:
        first, last = as_date(first), as_date(last)
        covered = _covered_days(windows.get(influencer_pk, []), first, last)
        spans[influencer_pk] = (first, last, (last - first).days + 1 - covered)
    return spans


def _covered_days(post_dates, first, last):
    """Days of [first, last] inside some post's window (days 0..6 after it)."""
    covered, reach_end = 0, None
    for posted in post_dates:
        start = max(posted, first)
        end = min(posted + timedelta(days=POST_WINDOW_DAYS - 1), last)
        if reach_end is not None and start <= reach_end:
            start = reach_end + timedelta(days=1)
        if end >= start:
            covered += (end - start).days + 1
        reach_end = max(reach_end or end, end)
    return covered


def _baseline_query(selection, by, scope, *, dates):
    """FROM and WHERE shared by the two measured-baseline queries."""
    from_clause = facts_from(by, influencers=True)
    conditions = [DailyFact.day.is_not(None),
                  *fact_filters(selection, scope, dates=dates)]
    return from_clause, conditions


def _revenue_outside_windows(selection, by, scope):
    """(group or None, influencer id) -> all-time revenue on days outside post windows."""
    group = None if by in ("overall", "month") else group_column(by)[1]
    from_clause, conditions = _baseline_query(selection, by, scope, dates=False)
    keys = ([group] if group is not None else []) + [DailyFact.influencer_pk]
    statement = select(*keys, cast(func.sum(DailyFact.revenue), Float)).select_from(
        from_clause).where(*conditions, DailyFact.in_post_window == false()).group_by(*keys)
    rates = {}
    for row in db.session.execute(statement).all():
        if group is None:
            rates[(None, row[0])] = float(row[1] or 0.0)
        else:
            rates[(row[0], row[1])] = float(row[2] or 0.0)
    return rates


def _revenue_in_selection(selection, by, scope):
    """Revenue per (group, influencer) inside the selection."""
    group = group_column(by)[1]
    from_clause, conditions = _baseline_query(selection, by, scope, dates=True)
    keys = ([group] if group is not None else []) + [DailyFact.influencer_pk]
    statement = select(*keys, cast(func.sum(DailyFact.revenue), Float)).select_from(
        from_clause).where(*conditions).group_by(*keys)
    rows = [(("all",) if group is None else ()) + tuple(row)
            for row in db.session.execute(statement).all()]
    return pd.DataFrame(rows, columns=["group", "influencer_pk", "revenue"])
