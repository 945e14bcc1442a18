"""Response curves per creator learned from daily facts, shrunk toward similar creators."""
import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Float, and_, cast, func, select

from dashboard import analytics
from dashboard.extensions import db
from dashboard.importing.rollups import POST_WINDOW_DAYS
from models import DailyFact, Influencer, Post

# Half-saturation candidates (posts in a period) the fit chooses from, and how far a
# creator's own value may stray from its platform's (sd of the log).
POSTS_SCALE_GRID = np.exp(np.linspace(np.log(0.25), np.log(20.0), 36))
POSTS_SCALE_PRIOR_SD = 0.5
# A group's mean counts as this many creators when blended with its parent group's.
GROUP_PSEUDO_CREATORS = 2.0
# With no quiet day to measure a creator's organic sales, this share of revenue is taken
# as organic (the dashboard's assumed baseline).
ASSUMED_BASELINE = analytics.DEFAULT_BASELINE
CURVE_COLUMNS = ["influencer_id", "name", "platform", "tier", "category", "cost_per_post",
                 "posts_scale", "return_per_rupee", "return_sd", "raw_return",
                 "noise_variance_per_rupee", "max_posts", "current_spend", "current_posts",
                 "periods", "posts_in_history", "organic_per_day"]


def history(selection, scope, *, as_of=None):
    """Daily revenue, orders, spend and posts per creator, creators, and their post days.

    Only brands and platforms of the selection apply (a plan is for whole periods); as_of
    drops every day after it, as if the data ended there.
    """
    daily_filter = analytics.Selection(brands=selection.brands, platforms=selection.platforms)
    conditions = [DailyFact.day.is_not(None),
                  *analytics.fact_filters(daily_filter, scope, dates=False)]
    if as_of is not None:
        conditions.append(DailyFact.day <= as_of)
    statement = (
        select(DailyFact.influencer_pk, DailyFact.day, DailyFact.in_post_window,
               cast(func.sum(DailyFact.revenue), Float), cast(func.sum(DailyFact.orders),
                                                              BigInteger),
               cast(func.sum(DailyFact.spend), Float), cast(func.sum(DailyFact.posts),
                                                            BigInteger))
        .select_from(DailyFact.__table__.join(Influencer.__table__,
                                              Influencer.id == DailyFact.influencer_pk))
        .where(and_(*conditions))
        .group_by(DailyFact.influencer_pk, DailyFact.day, DailyFact.in_post_window))
    daily = pd.DataFrame(db.session.execute(statement).all(),
                         columns=["creator", "day", "in_window", "revenue", "orders", "spend",
                                  "posts"])
    daily["day"] = pd.to_datetime(daily["day"])
    ids = sorted(set(daily["creator"]))
    creators = pd.DataFrame(db.session.execute(
        select(Influencer.id, Influencer.influencer_key, Influencer.name, Influencer.platform,
               Influencer.tier, Influencer.category).where(Influencer.id.in_(ids))).all(),
        columns=["creator", "influencer_id", "name", "platform", "tier", "category"])
    post_statement = select(Post.influencer_pk, Post.date).where(Post.influencer_pk.in_(ids))
    if as_of is not None:
        post_statement = post_statement.where(Post.date <= as_of)
    post_days = pd.DataFrame(db.session.execute(post_statement).all(),
                             columns=["creator", "day"])
    post_days["day"] = pd.to_datetime(post_days["day"])
    return daily, creators, post_days


def fit_curves(daily, creators, post_days, *, days=30, as_of=None) -> pd.DataFrame:
    """One row per creator (CURVE_COLUMNS): the learned curve and what history supports.

    incremental revenue of n posts in a period = cost_per_post x return_per_rupee x
    (1 - exp(-n / posts_scale)); docs/planner.md explains every step.
    """
    if daily.empty:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    last_day = pd.Timestamp(as_of) if as_of is not None else daily["day"].max()
    daily = daily[daily["day"] <= last_day]
    creators = creators.set_index("creator").sort_index()
    index = creators.index
    first_day = daily.groupby("creator")["day"].min().reindex(index)
    first_post = post_days.groupby("creator")["day"].min().reindex(index)
    first_day = pd.concat([first_day, first_post], axis=1).min(axis=1).fillna(last_day)
    span_days = ((last_day - first_day).dt.days + 1).to_numpy(float)
    organic_per_day = _organic_per_day(daily, post_days, index, first_day, span_days, last_day)

    grids = [_periods(daily, index, first_day, last_day, days, calendar=False)]
    if 28 <= days <= 31:
        # Sales may follow calendar months rather than periods counted back from the last
        # day; the grid that explains the data better (smaller error) is used.
        grids.append(_periods(daily, index, first_day, last_day, days, calendar=True))
    all_orders = daily.groupby("creator")["orders"].sum().reindex(index, fill_value=0)
    all_revenue = daily.groupby("creator")["revenue"].sum().reindex(index, fill_value=0.0)
    order_value = (all_revenue / all_orders.where(all_orders > 0)).fillna(
        all_revenue.sum() / max(1, all_orders.sum())).to_numpy(float)
    fits = []
    for grid in grids:
        observed, posts = grid["observed"], grid["posts"]
        lift = np.where(observed, grid["revenue"] - organic_per_day[:, None] * grid["days"],
                        0.0)
        # Poisson-like noise: a period's revenue varies by about its size x an order's value.
        level = np.maximum(np.where(observed, grid["revenue"], 0).sum(axis=1)
                           / np.maximum(observed.sum(axis=1), 1), order_value)
        fits.append((_fit_shapes(lift, posts, observed, level * order_value,
                                 creators["platform"].to_numpy()), grid))
    fit, grid = min(fits, key=lambda pair: pair[0]["error"])
    observed, posts, spend = grid["observed"], grid["posts"], grid["spend"]
    dated_posts = (posts * observed).sum(axis=1)
    cost_per_post = np.where(dated_posts > 0, (spend * observed).sum(axis=1)
                             / np.maximum(dated_posts, 1), 0.0)
    shrunk = _shrink(fit["saturation"] / np.maximum(cost_per_post, 1e-9),
                     fit["saturation_var"] / np.maximum(cost_per_post, 1e-9) ** 2,
                     creators, usable=(dated_posts > 0) & (cost_per_post > 0))
    latest = daily[daily["day"] > last_day - pd.Timedelta(days=days)].groupby("creator")[
        ["spend", "posts"]].sum().reindex(index, fill_value=0)
    max_posts = np.where(dated_posts > 0, np.maximum(1, (posts * observed).max(axis=1)), 0)
    return pd.DataFrame({
        "influencer_id": creators["influencer_id"].to_numpy(),
        "name": creators["name"].to_numpy(), "platform": creators["platform"].to_numpy(),
        "tier": creators["tier"].to_numpy(), "category": creators["category"].to_numpy(),
        "cost_per_post": cost_per_post, "posts_scale": fit["posts_scale"],
        "return_per_rupee": shrunk["mean"], "return_sd": shrunk["sd"],
        "raw_return": shrunk["raw"],
        "noise_variance_per_rupee": fit["noise_scale"] * order_value,
        "max_posts": max_posts, "current_spend": latest["spend"].to_numpy(float),
        "current_posts": latest["posts"].to_numpy(float),
        "periods": observed.sum(axis=1), "posts_in_history": dated_posts,
        "organic_per_day": organic_per_day,
    })


def _periods(daily, index, first_day, last_day, days, calendar):
    """Revenue, spend and posts per creator and period, and each period's days in use.

    Periods are `days` long counted back from the last day, or calendar months (the
    latest one ending on the last day). A period counts for a creator when at least half
    of it lies in the creator's active span.
    """
    if calendar:
        month = daily["day"].dt.year * 12 + daily["day"].dt.month
        latest = last_day.year * 12 + last_day.month
        period = (latest - month).to_numpy()
        count = int(period.max()) + 1
        starts = pd.to_datetime([f"{(latest - p - 1) // 12}-{(latest - p - 1) % 12 + 1:02d}-01"
                                 for p in range(count)])
        ends = np.minimum((starts + pd.offsets.MonthEnd(0)).to_numpy(),
                          np.datetime64(last_day))
        lengths = (starts + pd.offsets.MonthEnd(0)).day.to_numpy(float)
    else:
        count = max(1, int((last_day - daily["day"].min()).days + 1) // days)
        period = ((last_day - daily["day"]).dt.days // days).to_numpy()
        ends = (last_day - pd.to_timedelta(np.arange(count) * days, unit="D")).to_numpy()
        starts = pd.DatetimeIndex(ends - np.timedelta64(days - 1, "D"))
        lengths = np.full(count, float(days))
    inside = period < count
    sums = daily[inside].assign(period=period[inside]).groupby(["creator", "period"])[
        ["revenue", "spend", "posts"]].sum()
    grid = pd.MultiIndex.from_product([index, range(count)], names=["creator", "period"])
    sums = sums.reindex(grid, fill_value=0)
    shape = (len(index), count)
    # Days of each period inside the creator's active span: periods before it say nothing.
    in_span = np.clip((ends[None, :] - np.maximum(
        starts.to_numpy()[None, :], first_day.to_numpy()[:, None])
    ).astype("timedelta64[D]").astype(float) + 1, 0, None)
    return {"revenue": sums["revenue"].to_numpy(float).reshape(shape),
            "spend": sums["spend"].to_numpy(float).reshape(shape),
            "posts": sums["posts"].to_numpy(float).reshape(shape),
            "days": in_span, "observed": in_span >= lengths[None, :] / 2}


def _organic_per_day(daily, post_days, index, first_day, span_days, last_day):
    """Revenue per day on days outside every post window (docs/metrics.md)."""
    outside_revenue = daily.loc[~daily["in_window"].astype(bool)].groupby("creator")[
        "revenue"].sum().reindex(index, fill_value=0.0).to_numpy(float)
    windows = pd.DataFrame({
        "creator": np.repeat(post_days["creator"].to_numpy(), POST_WINDOW_DAYS),
        "day": np.repeat(post_days["day"].to_numpy(), POST_WINDOW_DAYS)
        + np.tile(np.arange(POST_WINDOW_DAYS), len(post_days)).astype("timedelta64[D]"),
    }).drop_duplicates()
    windows = windows[(windows["day"] <= last_day)
                      & (windows["day"] >= windows["creator"].map(first_day))]
    covered = windows.groupby("creator").size().reindex(index, fill_value=0).to_numpy(float)
    outside_days = span_days - covered
    total = daily.groupby("creator")["revenue"].sum().reindex(index, fill_value=0.0)
    assumed = ASSUMED_BASELINE * total.to_numpy(float) / np.maximum(span_days, 1)
    return np.where(outside_days > 0, outside_revenue / np.maximum(outside_days, 1), assumed)


def _fit_shapes(lift, posts, observed, noise_unit, platforms):
    """Per creator: saturation (least squares), its variance, and the posts scale.

    The posts scale is chosen per creator on a grid, pulled toward the value that fits
    the creator's platform best (a normal prior on its log), so one creator's few busy
    months cannot bend the curve on their own.
    """
    scales = POSTS_SCALE_GRID
    shape = 1.0 - np.exp(-posts[:, :, None] / scales[None, None, :]) * 1.0
    shape = np.where(observed[:, :, None], shape, 0.0)
    shape_squares = (shape ** 2).sum(axis=1)
    saturation = (shape * lift[:, :, None]).sum(axis=1) / np.maximum(shape_squares, 1e-12)
    residual = lift[:, :, None] - saturation[:, None, :] * shape
    squared_error = (np.where(observed[:, :, None], residual, 0.0) ** 2).sum(axis=1)
    degrees = observed.sum(axis=1) - 1
    informative = (degrees > 0) & (shape_squares[:, 0] > 0)
    # How much noisier than Poisson the periods are, one number for the whole data set.
    ratio = squared_error.min(axis=1) / np.maximum(degrees, 1) / np.maximum(noise_unit, 1e-9)
    noise_scale = float(np.mean(ratio[informative])) if informative.any() else 1.0
    noise_scale = max(noise_scale, 1e-6)
    scaled_error = squared_error / (noise_scale * np.maximum(noise_unit, 1e-9))[:, None]

    chosen = np.zeros(len(lift), dtype=int)
    for platform in set(platforms):
        members = platforms == platform
        platform_best = int(np.argmin(scaled_error[members & informative].sum(axis=0))) \
            if (members & informative).any() else len(scales) // 2
        penalty = ((np.log(scales) - np.log(scales[platform_best])) ** 2
                   / POSTS_SCALE_PRIOR_SD ** 2)
        chosen[members] = np.argmin(scaled_error[members] + penalty[None, :], axis=1)
    rows = np.arange(len(lift))
    pick_squares = shape_squares[rows, chosen]
    variance = np.where(pick_squares > 0, noise_scale * noise_unit
                        / np.maximum(pick_squares, 1e-12), np.inf)
    error = (squared_error[rows, chosen] / np.maximum(noise_unit, 1e-9)).sum() / max(
        1, observed.sum())
    return {"saturation": np.where(pick_squares > 0, saturation[rows, chosen], 0.0),
            "saturation_var": variance, "posts_scale": scales[chosen],
            "noise_scale": noise_scale, "error": float(error)}


def _shrink(raw, variance, creators, usable):
    """Empirical-Bayes shrinkage of return per rupee toward similar creators.

    Prior: normal around a mean built from the whole set, then platform, then platform and
    tier, then platform, tier and category, each level blended with its parent; its
    spread between creators is the DerSimonian-Laird estimate.
    """
    raw = np.where(usable, raw, 0.0)
    variance = np.where(usable & np.isfinite(variance), variance, np.inf)
    measured = usable & np.isfinite(variance)
    weights = np.where(measured, 1.0 / np.maximum(variance, 1e-18), 0.0)
    if measured.sum() >= 2:
        pooled = (weights * raw).sum() / weights.sum()
        q = (weights * (raw - pooled) ** 2).sum()
        denominator = weights.sum() - (weights ** 2).sum() / weights.sum()
        spread = max((q - (measured.sum() - 1)) / max(denominator, 1e-18),
                     1e-4 * max(pooled ** 2, 1e-12))
    else:
        pooled, spread = (float(raw[measured][0]) if measured.any() else 0.0), 1.0
    weights = np.where(measured, 1.0 / (np.where(measured, variance, 0.0) + spread), 0.0)
    prior = np.full(len(raw), pooled)
    frame = creators.reset_index()
    pull = GROUP_PSEUDO_CREATORS / spread
    for level in (["platform"], ["platform", "tier"], ["platform", "tier", "category"]):
        # Groups nest, so every member of a group shares its parent's mean.
        codes = frame.groupby(level, sort=False, dropna=False).ngroup().to_numpy()
        parent = np.zeros(codes.max() + 1)
        parent[codes] = prior
        blended = (np.bincount(codes, weights * raw) + pull * parent) / (
            np.bincount(codes, weights) + pull)
        prior = blended[codes]
    precision = np.where(measured, 1.0 / np.where(measured, variance, 1.0), 0.0) + 1.0 / spread
    mean = (np.where(measured, raw / np.where(measured, variance, 1.0), 0.0)
            + prior / spread) / precision
    mean = np.where(usable, np.maximum(mean, 0.0), 0.0)
    return {"mean": mean, "sd": np.where(usable, np.sqrt(1.0 / precision), 0.0),
            "raw": np.where(measured, raw, np.nan)}
