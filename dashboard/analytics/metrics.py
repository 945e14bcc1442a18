"""METRICS.md's ROI metrics from the grouped sums: ratios, score, timeseries, overview, brands."""
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from sqlalchemy import Float, and_, cast, func, select, true

from dashboard.analytics.cache import cached
from dashboard.analytics.queries import (
    ACTIVITY_SUMS, FLOAT_SUMS, SUM_COLUMNS, brand_grouped_sums, date_span, fact_filters,
    facts_from, group_column, grouped_sums, platform_brand_campaign_cube, typed_sums,
    with_activity)
from dashboard.extensions import db
from models import Brand, DailyFact, Influencer

# The columns of every metrics frame after its key, in order: sums, then ratios of sums.
RATIO_COLUMNS = ["roas", "incremental_roas", "cpo", "aov", "engagement_rate"]
METRIC_COLUMNS = ["revenue", "orders", "spend", "posts", "reach", "likes", "comments",
                  *RATIO_COLUMNS]
# Performance score weights (METRICS.md); cpo enters as 100 - scaled cpo.
SCORE_WEIGHTS = {"roas": 0.30, "engagement_rate": 0.25, "orders": 0.25, "cpo": 0.20}
# Overview charts switch from days to weeks above this many days.
DAILY_CHART_MAX_DAYS = 120


def with_ratios(sums, baseline):
    """METRIC_COLUMNS from summed columns: ratios of sums, None where undefined."""
    frame = sums.copy()
    for name, values in _ratios(frame, baseline).items():
        frame[name] = values
    return frame


def _ratios(columns, baseline):
    """RATIO_COLUMNS as float64 arrays (NaN where undefined) from the summed columns."""
    revenue = np.asarray(columns["revenue"], dtype="float64")
    spend, orders = columns["spend"], columns["orders"]
    return {"roas": ratio(revenue, spend),
            "incremental_roas": ratio(revenue * (1 - baseline), spend),
            "cpo": ratio(spend, orders),
            "aov": ratio(revenue, orders),
            "engagement_rate": ratio(np.asarray(columns["likes"]) + np.asarray(
                columns["comments"]), columns["reach"])}


def ratio(numerator, denominator):
    """numerator / denominator as float64, NaN where the denominator is zero; a Series
    when the numerator is one, an array otherwise."""
    top = np.asarray(numerator, dtype="float64")
    bottom = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(bottom != 0, top / bottom, np.nan)
    if isinstance(numerator, pd.Series):
        return pd.Series(values, index=numerator.index, dtype="float64")
    return values


def nulls_as_none(frame, columns):
    """NaN in these columns as None: an undefined ratio is null in every output."""
    for name in columns:
        if name in frame:
            frame[name] = objects_with_none(frame[name].to_numpy())
    return frame


def objects_with_none(values):
    """An array as Python objects, None where it is null."""
    objects = values.astype(object)
    objects[pd.isna(values)] = None
    return objects


def performance_scores(frame) -> pd.Series:
    """METRICS.md's score per influencer row (NaN without spend): min-max scaled parts."""
    return pd.Series(_scores(frame), index=frame.index, dtype="float64")


def _scores(columns):
    """The scores as a float64 array from the spend, orders and ratio columns."""
    spend = np.asarray(columns["spend"], dtype="float64")
    scored = spend > 0
    scores = np.full(len(spend), np.nan)
    if not scored.any():
        return scores
    engagement = np.asarray(columns["engagement_rate"], dtype="float64")[scored]
    engagement = np.where(np.isnan(engagement), 0.0, engagement)
    cpo = np.asarray(columns["cpo"], dtype="float64")[scored]
    defined = ~np.isnan(cpo)
    if defined.any():
        cpo = _min_max(np.where(defined, cpo, cpo[defined].max()))
    else:
        cpo = np.full(len(cpo), 50.0)
    scores[scored] = (
        SCORE_WEIGHTS["roas"] * _min_max(np.asarray(columns["roas"], dtype="float64")[scored])
        + SCORE_WEIGHTS["engagement_rate"] * _min_max(engagement)
        + SCORE_WEIGHTS["orders"] * _min_max(
            np.asarray(columns["orders"], dtype="float64")[scored])
        + SCORE_WEIGHTS["cpo"] * (100 - cpo))
    return scores


def _min_max(values):
    # NaN is skipped, as pandas' min and max do.
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(values), np.nanmax(values)
    if high == low:
        return np.full(len(values), 50.0)
    return (values - low) / (high - low) * 100


def _metrics_frame(selection, by, scope, *, influencer_pk=None):
    return _finish(grouped_sums(selection, by, scope, influencer_pk=influencer_pk), by,
                   selection.baseline)


def _finish(sums, by, baseline):
    """Summed groups -> the metrics frame: ratios, score, sorted by key, None for null."""
    key = sums.columns[0]
    return _finish_columns(key, sums[key].array, {name: sums[name].to_numpy()
                                                  for name in FINISHED_SUMS},
                           sums["name"].array if by == "influencer" else None, by, baseline)


# The summed columns a metrics frame keeps, in its order.
FINISHED_SUMS = ("revenue", "orders", "spend", "posts", "reach", "likes", "comments")


def _finish_columns(key, keys, sums, names, by, baseline):
    """_finish from arrays: the group keys (a pandas array, whose dtype the frame keeps),
    FINISHED_SUMS by name, and the creators' names for `influencer`.

    Column by column in numpy, one frame built at the end: the views ask for it on every
    cold filter change, and pandas' per-operation cost was most of its time.
    """
    text_keys = pd.Series(keys, copy=False).astype(str)
    # The columnar engine hands creators over in key order already.
    order = np.arange(len(keys)) if text_keys.is_monotonic_increasing else np.argsort(
        text_keys.to_numpy(dtype=str), kind="stable")
    columns = {key: keys.take(order)}
    for name in FINISHED_SUMS:
        columns[name] = np.asarray(sums[name])[order]
    ratios = _ratios(columns, baseline)
    columns.update(ratios)
    if by == "influencer":
        columns["name"] = names.take(order)
        columns["performance_score"] = _scores(columns)
    for name in RATIO_COLUMNS + ["performance_score"]:
        if name in columns:
            columns[name] = objects_with_none(columns[name])
    # The arrays are this frame's own: no copy into pandas' blocks.
    return pd.DataFrame(columns, copy=False)


def _rolled_up(cube, by, baseline):
    """The metrics frame of `by` from the cube's rows: its groups that appear, with
    activity (queries.with_activity), summed in numpy. The cube is a few hundred rows, where
    pandas' group-by, and a frame per step, cost more in bookkeeping than the sums."""
    if by == "overall":
        label = "key"
        codes = np.zeros(len(cube), dtype="intp")
        keys = pd.array(["all"] if len(cube) else [], dtype="str")
        rows = slice(None)
    else:
        label = by
        rows = cube[by].notna().to_numpy()
        codes, keys = pd.factorize(cube[by].to_numpy()[rows], sort=False)
        # The key's own dtype, as a pandas group-by keeps it.
        keys = pd.array(keys, dtype=cube[by].dtype)
    sums = {}
    for name in dict.fromkeys([*FINISHED_SUMS, *ACTIVITY_SUMS]):
        values = cube[name].to_numpy()[rows]
        total = np.zeros(len(keys), dtype="float64" if name in FLOAT_SUMS else "int64")
        np.add.at(total, codes, values)
        sums[name] = total
    active = np.zeros(len(keys), dtype=bool)
    for name in ACTIVITY_SUMS:
        active |= sums[name] > 0
    return _finish_columns(label, keys[active], {name: sums[name][active]
                                                 for name in FINISHED_SUMS}, None, by, baseline)


# ------------------------------------------------------------------------------ the API

def metrics(selection, by, *, scope, use_cache=True) -> pd.DataFrame:
    """One row per group of `by` under the selection and scope, sorted by key."""
    group_column(by)
    return cached("metrics", selection, scope,
                  lambda: _metrics_frame(selection, by, scope), by, use_cache=use_cache)


def timeseries(selection, *, scope, freq="day", use_cache=True) -> pd.DataFrame:
    """Metrics per day, week (starting Monday) or month; undated spend is left out.

    `period` is 'YYYY-MM-DD' (the first day) for day and week, 'YYYY-MM' for month.
    """
    if freq not in ("day", "week", "month"):
        raise ValueError(f"Unknown frequency {freq!r}: choose day, week or month.")
    return cached("timeseries", selection, scope,
                  lambda: timeseries_frame(selection, scope, freq), freq,
                  use_cache=use_cache)


def timeseries_frame(selection, scope, freq, influencer_pk=None):
    by = "month" if freq == "month" else "day"
    sums = grouped_sums(selection, by, scope, influencer_pk=influencer_pk)
    return _timeseries_from_sums(sums, freq, selection.baseline)


def _timeseries_from_sums(sums, freq, baseline):
    """The timeseries frame from summed day (or month) groups."""
    sums = sums.rename(columns={sums.columns[0]: "period"})
    if freq != "month":
        days = pd.to_datetime(sums["period"])
        if freq == "week":
            days = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
        sums["period"] = days.dt.strftime("%Y-%m-%d")
        sums = sums.groupby("period", as_index=False, sort=True)[SUM_COLUMNS].sum()
    frame = with_ratios(sums.sort_values("period"), baseline)
    frame = frame[["period"] + METRIC_COLUMNS].reset_index(drop=True)
    return nulls_as_none(frame, RATIO_COLUMNS)


def brand_summaries(selection, *, scope, freq="week", use_cache=True) -> list[dict]:
    """For each brand of metrics(selection, "brand"): its row, its timeseries and its
    creators' metrics, each equal to what metrics() and timeseries() give for the
    selection narrowed to that brand, from three queries instead of one plus two a brand.
    """
    return cached("brand_summaries", selection, scope,
                  lambda: _brand_summaries(selection, scope, freq, use_cache), freq,
                  use_cache=use_cache)


def _brand_summaries(selection, scope, freq, use_cache):
    brands = metrics(selection, "brand", scope=scope, use_cache=use_cache)
    if brands.empty:
        return []
    narrowed = replace(selection, brands=frozenset(brands["brand"]))
    by_day = brand_grouped_sums(narrowed, scope, "month" if freq == "month" else "day")
    by_creator = brand_grouped_sums(narrowed, scope, "influencer")
    ids = dict(db.session.execute(select(Brand.name, Brand.id)).all())
    summaries = []
    for row in brands.to_dict("records"):
        brand_id = ids[row["brand"]]
        summaries.append({
            "brand": row,
            "timeseries": _timeseries_from_sums(
                _one_brand(by_day, brand_id, ["period"]), freq, selection.baseline),
            "creators": _finish(_one_brand(by_creator, brand_id, ["influencer_id", "name"]),
                                "influencer", selection.baseline),
        })
    return summaries


def _one_brand(sums, brand_id, keys):
    """One brand's groups: its own rows plus the unbranded ones, summed per key, keeping
    the groups grouped_sums keeps."""
    rows = sums[(sums["brand_id"] == brand_id) | sums["brand_id"].isna()]
    frame = typed_sums(rows.groupby(keys, as_index=False, sort=False, dropna=False)[
        SUM_COLUMNS].sum())
    frame = with_activity(frame)
    return frame[[keys[0]] + SUM_COLUMNS + keys[1:]].reset_index(drop=True)


def overview(selection, *, scope) -> dict:
    """Everything the overview page shows for one selection, cached as one object."""
    return cached("overview", selection, scope, lambda: _overview(selection, scope))


def _overview(selection, scope):
    cube = platform_brand_campaign_cube(selection, scope)
    previous = selection.comparison_period()
    previous_kpis = None
    # Its parts are computed here rather than through the cache: the overview is cached as
    # one object, and a cache trip per part cost more than these small sums.
    if previous is not None:
        previous_kpis = kpis(_metrics_frame(previous, "overall", scope))
    campaigns = _rolled_up(cube, "campaign", selection.baseline)
    # A "top" list of campaigns that sold nothing would only list ₹0 rows.
    top_campaigns = campaigns[campaigns["revenue"] > 0].sort_values(
        ["revenue", "campaign"], ascending=[False, True], kind="stable").head(10)
    freq = _chart_freq(selection, scope)
    return {
        "kpis": kpis(_rolled_up(cube, "overall", selection.baseline)),
        "previous_kpis": previous_kpis,
        "timeseries": timeseries_frame(selection, scope, freq),
        "timeseries_freq": freq,
        "by_platform": _rolled_up(cube, "platform", selection.baseline),
        "by_brand": _rolled_up(cube, "brand", selection.baseline),
        "top_campaigns": top_campaigns.reset_index(drop=True),
    }


def kpis(overall):
    """The overall row as a dict; zeros and None when the selection holds nothing."""
    if len(overall):
        return overall.iloc[0].to_dict()
    nothing = {"key": "all"}
    for name in METRIC_COLUMNS:
        nothing[name] = None if name in RATIO_COLUMNS else 0
    return nothing


def _chart_freq(selection, scope):
    if selection.freq != "auto":
        return selection.freq
    start, end = selection.start, selection.end
    if start is None or end is None:
        first, last = date_span(scope)
        start, end = start or first, end or last
    if start is None or end is None:
        return "day"
    return "day" if (end - start).days + 1 <= DAILY_CHART_MAX_DAYS else "week"


def category_gender_roas(selection, *, scope) -> pd.DataFrame:
    """Revenue, spend and ROAS per (category, gender) for the heatmap."""
    return cached("category_gender_roas", selection, scope,
                  lambda: _category_gender_roas(selection, scope))


def _category_gender_roas(selection, scope):
    statement = select(
        Influencer.category, Influencer.gender,
        cast(func.sum(DailyFact.revenue), Float).label("revenue"),
        cast(func.sum(DailyFact.spend), Float).label("spend"),
    ).select_from(facts_from("category", influencers=True)).where(
        and_(true(), *fact_filters(selection, scope))).group_by(
        Influencer.category, Influencer.gender)
    frame = pd.DataFrame(db.session.execute(statement).all(),
                         columns=["category", "gender", "revenue", "spend"])
    frame["revenue"] = frame["revenue"].astype("float64")
    frame["spend"] = frame["spend"].astype("float64")
    frame["roas"] = ratio(frame["revenue"], frame["spend"])
    frame = frame.sort_values(["category", "gender"], key=lambda keys: keys.astype(str))
    return nulls_as_none(frame.reset_index(drop=True), ["roas"])
