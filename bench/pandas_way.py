"""The numbers of the overview and the ROI view the quick-script way, to time and to check.

The script a dashboard replaces reads every row into pandas, merges and groups again for
each view. These recomputes follow METRICS.md on their own, so they also check the engine:
the bench reports whether both give the same numbers.
"""
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import text

from dashboard import demo

# KPIs compared between the engine and the pandas recompute (relative tolerance).
COMPARED_KPIS = ("revenue", "orders", "spend", "posts", "reach", "likes", "comments")
ROI_COMPARED = ("revenue", "orders", "spend", "measured_baseline_share")
AGREEMENT_TOLERANCE = 1e-6
UNATTRIBUTED = "Unattributed"
POST_WINDOW_DAYS = 7


# ------------------------------------------------------------------------------ overview

def pandas_overview(engine, selection):
    """The overview's numbers the original brief's way: every row into pandas, then group.

    A fair version of it: rows are narrowed to the two periods as soon as the all-time
    totals that spread payouts over time (METRICS.md) are known.
    """
    with engine.connect() as connection:
        orders = pd.read_sql_query(text(
            "SELECT o.influencer_pk, o.date, o.orders, o.revenue, b.name AS brand, "
            "c.name AS campaign FROM orders o JOIN brands b ON b.id = o.brand_id "
            "JOIN campaigns c ON c.id = o.campaign_id"), connection)
        posts = pd.read_sql_query(text(
            "SELECT p.influencer_pk, p.date, p.reach, p.likes, p.comments, b.name AS brand "
            "FROM posts p LEFT JOIN brands b ON b.id = p.brand_id"), connection)
        influencers = pd.read_sql_query(text(
            "SELECT id AS influencer_pk, platform FROM influencers"), connection)
        payouts = pd.read_sql_query(text(
            "SELECT influencer_pk, basis, total_payout FROM payouts"), connection)
    orders["date"] = pd.to_datetime(orders["date"])
    posts["date"] = pd.to_datetime(posts["date"])

    spend_events = time_phased_spend(orders, posts, payouts, "influencer_pk")
    previous = selection.previous_period()
    first_day = pd.Timestamp(previous.start)
    orders = orders[orders["date"] >= first_day]
    posts = posts[posts["date"] >= first_day]
    spend_events = spend_events[spend_events["date"] >= first_day]
    platform_of = influencers.set_index("influencer_pk")["platform"]
    for frame in (orders, posts, spend_events):
        frame["platform"] = frame["influencer_pk"].map(platform_of)

    def in_period(period):
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        return [frame[(frame["date"] >= start) & (frame["date"] <= end)]
                for frame in (orders, spend_events, posts)]

    current = in_period(selection)
    overall = grouped(*current, [], selection.baseline)
    campaigns = grouped(*current, ["campaign"], selection.baseline, with_posts=False)
    return {
        "kpis": overall.iloc[0].to_dict() if len(overall) else None,
        "previous_kpis": grouped(*in_period(previous), [], selection.baseline).iloc[0].to_dict(),
        "timeseries": grouped(*current, ["date"], selection.baseline),
        "by_platform": grouped(*current, ["platform"], selection.baseline),
        "by_brand": grouped(*current, ["brand"], selection.baseline),
        "top_campaigns": campaigns.sort_values("revenue", ascending=False).head(10),
    }


def time_phased_spend(orders, posts, payouts, creator="influencer_id"):
    """Dated spend events per METRICS.md (undated ones never count in a dated selection).

    `creator` names the column that tells creators apart: the CSV key or the database's.
    """
    orders_of = orders.groupby(creator)["orders"].sum()
    by_order = payouts[payouts["basis"] == "order"][[creator, "total_payout"]]
    order_spend = orders.merge(by_order, on=creator)
    all_orders = order_spend[creator].map(orders_of)
    order_spend = order_spend[all_orders > 0].assign(
        amount=lambda frame: frame["total_payout"] * frame["orders"]
        / frame[creator].map(orders_of))

    revenue_pairs = orders.groupby([creator, "brand", "campaign"],
                                   as_index=False)["revenue"].sum()
    revenue_of = revenue_pairs.groupby(creator)["revenue"].transform("sum")
    revenue_pairs = revenue_pairs[revenue_of > 0].assign(
        share=lambda frame: frame["revenue"] / revenue_of[revenue_of > 0])
    by_post = payouts[payouts["basis"] == "post"][[creator, "total_payout"]]
    post_spend = posts[[creator, "date"]].merge(by_post, on=creator)
    post_spend["amount"] = post_spend["total_payout"] / post_spend[creator].map(
        posts.groupby(creator).size())
    post_spend = post_spend.merge(revenue_pairs[[creator, "brand", "campaign", "share"]],
                                  on=creator, how="left")
    post_spend["amount"] *= post_spend["share"].fillna(1.0)
    post_spend[["brand", "campaign"]] = post_spend[["brand", "campaign"]].fillna(UNATTRIBUTED)
    columns = [creator, "date", "brand", "campaign", "amount"]
    return pd.concat([order_spend[columns], post_spend[columns]], ignore_index=True)


def grouped(orders, spend_events, posts, keys, baseline, with_posts=True):
    """METRICS.md's sums and ratios per group of `keys` ([] for overall)."""
    parts = [orders.groupby(keys or (lambda _: "all"))[["revenue", "orders"]].sum(),
             spend_events.groupby(keys or (lambda _: "all"))[["amount"]].sum()
             .rename(columns={"amount": "spend"})]
    if with_posts:
        # Posts without a brand stay out of brand groups.
        counted = posts.dropna(subset=keys) if keys else posts
        parts.append(counted.groupby(keys or (lambda _: "all")).agg(
            posts=("date", "size"), reach=("reach", "sum"), likes=("likes", "sum"),
            comments=("comments", "sum")))
    frame = pd.concat(parts, axis=1, sort=True).fillna(0)
    for column in ("posts", "reach", "likes", "comments"):
        if column not in frame:
            frame[column] = 0
    spend = frame["spend"].where(frame["spend"] != 0)
    orders_count = frame["orders"].where(frame["orders"] != 0)
    frame["roas"] = frame["revenue"] / spend
    frame["incremental_roas"] = frame["revenue"] * (1 - baseline) / spend
    frame["cpo"] = frame["spend"] / orders_count
    frame["aov"] = frame["revenue"] / orders_count
    frame["engagement_rate"] = ((frame["likes"] + frame["comments"])
                                / frame["reach"].where(frame["reach"] != 0))
    return frame.reset_index()


def overviews_agree(engine_overview, recomputed):
    """True when the KPIs of both periods and the per-platform revenue match."""
    for name in ("kpis", "previous_kpis"):
        engine_kpis, pandas_kpis = engine_overview[name], recomputed[name]
        if engine_kpis is None or pandas_kpis is None:
            if engine_kpis != pandas_kpis:
                return False
            continue
        for kpi in COMPARED_KPIS:
            if not np.isclose(float(engine_kpis[kpi] or 0), float(pandas_kpis[kpi]),
                              rtol=AGREEMENT_TOLERANCE, atol=1e-6):
                return False
    engine_platforms = engine_overview["by_platform"].set_index("platform")["revenue"]
    pandas_platforms = recomputed["by_platform"].set_index("platform")["revenue"]
    return bool(np.allclose(engine_platforms.sort_index(), pandas_platforms.sort_index(),
                            rtol=AGREEMENT_TOLERANCE))


# ----------------------------------------------------------------------------------- ROI

def pandas_roi(folder, selection):
    """The ROI view's per-creator numbers from the four CSVs: read, merge, group.

    Per creator inside the selection: revenue, orders, spend and their ratios, and the
    measured baseline share (METRICS.md: all-time revenue on days outside every post's
    window, per outside day, times the creator's active days inside the selection).
    """
    def read(dataset, columns):
        return pd.read_csv(folder / demo.FILE_NAMES[dataset], usecols=columns,
                           dtype={"influencer_id": str})

    orders = read("tracking_data", ["influencer_id", "date", "orders", "revenue", "brand",
                                    "campaign"])
    posts = read("posts", ["influencer_id", "date", "brand"])
    payouts = read("payouts", ["influencer_id", "basis", "total_payout"])
    names = read("influencers", ["influencer_id", "name"]).set_index("influencer_id")["name"]
    orders["date"] = pd.to_datetime(orders["date"])
    posts["date"] = pd.to_datetime(posts["date"])
    spend_events = time_phased_spend(orders, posts, payouts)

    start, end = pd.Timestamp(selection.start), pd.Timestamp(selection.end)
    current = orders[(orders["date"] >= start) & (orders["date"] <= end)]
    spent = spend_events[(spend_events["date"] >= start) & (spend_events["date"] <= end)]
    creators = pd.concat([
        current.groupby("influencer_id")[["revenue", "orders"]].sum(),
        spent.groupby("influencer_id")[["amount"]].sum().rename(columns={"amount": "spend"}),
    ], axis=1).fillna(0.0)
    creators["name"] = creators.index.map(names)
    spend = creators["spend"].where(creators["spend"] != 0)
    order_count = creators["orders"].where(creators["orders"] != 0)
    creators["roas"] = creators["revenue"] / spend
    creators["incremental_roas"] = creators["revenue"] * (1 - selection.baseline) / spend
    creators["cpo"] = creators["spend"] / order_count
    creators["aov"] = creators["revenue"] / order_count

    organic = organic_revenue(orders, posts, start, end, selection.baseline,
                              current.groupby("influencer_id")["revenue"].sum())
    revenue = creators["revenue"].where(creators["revenue"] > 0)
    creators["measured_baseline_share"] = (
        organic.reindex(creators.index).fillna(0.0) / revenue).clip(upper=1.0)
    return creators


def organic_revenue(orders, posts, start, end, baseline, revenue_in_selection):
    """Expected organic revenue per creator inside [start, end] (the measured baseline)."""
    windows = posts[["influencer_id", "date"]].drop_duplicates()
    covered = pd.concat([windows.assign(date=windows["date"] + timedelta(days=offset))
                         for offset in range(POST_WINDOW_DAYS)]).drop_duplicates()
    dated = pd.concat([orders[["influencer_id", "date"]], posts[["influencer_id", "date"]]])
    span = dated.groupby("influencer_id")["date"].agg(["min", "max"])
    covered = covered.join(span, on="influencer_id")
    covered = covered[(covered["date"] >= covered["min"]) & (covered["date"] <= covered["max"])]
    outside_days = ((span["max"] - span["min"]).dt.days + 1).sub(
        covered.groupby("influencer_id").size(), fill_value=0)

    flagged = orders.merge(covered[["influencer_id", "date"]].assign(in_window=True),
                           on=["influencer_id", "date"], how="left")
    outside_revenue = flagged[flagged["in_window"].isna()].groupby(
        "influencer_id")["revenue"].sum().reindex(span.index, fill_value=0.0)
    days_in_selection = ((span["max"].clip(upper=end) - span["min"].clip(lower=start))
                         .dt.days + 1).clip(lower=0)
    expected = outside_revenue / outside_days.where(outside_days > 0) * days_in_selection
    # Every active day in some post's window: nothing to measure, assume the baseline.
    assumed = baseline * revenue_in_selection.reindex(span.index, fill_value=0.0)
    return expected.where(outside_days > 0, assumed)


def rois_agree(groups, baseline, recomputed):
    """True when the engine's ROI numbers per creator match the pandas recompute."""
    engine = groups.set_index("influencer_id")[["revenue", "orders", "spend"]].join(
        baseline.set_index("influencer_id")[["measured_baseline_share"]])
    # A creator in the view with nothing but posts in the selection has no row here.
    mine = recomputed.reindex(engine.index)
    mine[["revenue", "orders", "spend"]] = mine[["revenue", "orders", "spend"]].fillna(0.0)
    # Creators the recompute finds with money in the selection must all be in the view.
    active = recomputed[(recomputed["revenue"] != 0) | (recomputed["spend"] != 0)]
    if not set(active.index) <= set(engine.index):
        return False
    for column in ROI_COMPARED:
        theirs = engine[column].astype("float64").to_numpy()
        ours = mine[column].astype("float64").to_numpy()
        if not np.allclose(theirs, ours, rtol=AGREEMENT_TOLERANCE, atol=1e-6, equal_nan=True):
            return False
    return True
