"""METRICS.md in plain pandas from the four CSV frames, and a loader writing those frames to the DB.

The oracle follows the spec's wording event by event (one spend event per tracking row,
per post and pair, per undated pair) so it shares no shortcut with the SQL engine.
"""
import math

import numpy as np
import pandas as pd

UNATTRIBUTED = "Unattributed"
METRIC_COLUMNS = ["revenue", "orders", "spend", "posts", "reach", "likes", "comments",
                  "roas", "incremental_roas", "cpo", "aov", "engagement_rate"]
KEY_COLUMNS = {"overall": "key", "influencer": "influencer_id", "month": "month"}


def tier(follower_count):
    for limit, name in ((10_000, "nano"), (100_000, "micro"), (500_000, "mid"),
                        (1_000_000, "macro")):
        if follower_count < limit:
            return name
    return "mega"


def read_csv_frames(folder):
    """The four datasets of a fixture folder, influencer ids as strings."""
    frames = {}
    for name in ("influencers", "posts", "tracking_data", "payouts"):
        frame = pd.read_csv(f"{folder}/{name}.csv", dtype={"influencer_id": str, "ID": str})
        frames[name] = frame.rename(columns={"ID": "influencer_id", "URL": "url"})
    return frames


def spend_events(frames):
    """Every spend event: influencer_id, date (None = undated), brand, campaign, amount."""
    tracking, posts = frames["tracking_data"], frames["posts"]
    events = []
    for payout in frames["payouts"].itertuples(index=False):
        who = str(payout.influencer_id)
        rows = tracking[tracking["influencer_id"].astype(str) == who]
        own_posts = posts[posts["influencer_id"].astype(str) == who]
        pair_revenue = rows.groupby(["brand", "campaign"], sort=True)["revenue"].sum()
        all_revenue = float(rows["revenue"].sum())

        def split(amount, when):
            if all_revenue == 0:
                return [(who, when, UNATTRIBUTED, UNATTRIBUTED, amount)]
            return [(who, when, brand, campaign, amount * (revenue / all_revenue))
                    for (brand, campaign), revenue in pair_revenue.items()]

        total = float(payout.total_payout)
        if payout.basis == "order":
            all_orders = float(rows["orders"].sum())
            if all_orders == 0:
                events += split(total, None)
            else:
                events += [(who, _day(r.date), r.brand, r.campaign,
                            total * r.orders / all_orders) for r in rows.itertuples()]
        else:
            if len(own_posts) == 0:
                events += split(total, None)
            else:
                for post in own_posts.itertuples():
                    events += split(total / len(own_posts), _day(post.date))
    return pd.DataFrame(events, columns=["influencer_id", "date", "brand", "campaign", "amount"])


def _day(value):
    return pd.Timestamp(value).date()


def metrics(frames, by, start=None, end=None, brands=(), platforms=(), categories=(),
            tiers=(), baseline=0.20, scope=None):
    """One row per group, as the spec defines it; None for undefined values.

    `scope` (a user's brands): unbranded posts count only for creators with any branded
    row (order, spend or post, all time) in those brands.
    """
    influencers = frames["influencers"].copy()
    influencers["influencer_id"] = influencers["influencer_id"].astype(str)
    influencers["tier"] = influencers["follower_count"].map(tier)
    attributes = influencers.set_index("influencer_id")

    records = []
    for row in frames["tracking_data"].itertuples(index=False):
        records.append(dict(influencer_id=str(row.influencer_id), date=_day(row.date),
                            brand=row.brand, campaign=row.campaign, tracking=1,
                            orders=row.orders, revenue=float(row.revenue)))
    for event in spend_events(frames).itertuples(index=False):
        records.append(dict(influencer_id=event.influencer_id, date=event.date,
                            brand=event.brand, campaign=event.campaign, events=1,
                            spend=event.amount))
    posts = frames["posts"]
    for post in posts.itertuples(index=False):
        brand = getattr(post, "brand", None) if "brand" in posts.columns else None
        if brand is not None and not isinstance(brand, str) and math.isnan(brand):
            brand = None
        records.append(dict(influencer_id=str(post.influencer_id), date=_day(post.date),
                            brand=brand, campaign=None, posts=1, reach=post.reach,
                            likes=post.likes, comments=post.comments))
    columns = ["influencer_id", "date", "brand", "campaign", "tracking", "orders", "revenue",
               "events", "spend", "posts", "reach", "likes", "comments"]
    table = pd.DataFrame.from_records(records, columns=columns)
    for name in columns[4:]:
        table[name] = table[name].fillna(0)

    keep = pd.Series(True, index=table.index)
    if start is not None or end is not None:
        keep &= table["date"].notna()
        if start is not None:
            keep &= table["date"].map(lambda d: d is not None and d >= start)
        if end is not None:
            keep &= table["date"].map(lambda d: d is not None and d <= end)
    if scope is not None:
        in_scope = set(table.loc[table["brand"].isin(list(scope)), "influencer_id"])
        keep &= table["brand"].notna() | table["influencer_id"].isin(in_scope)
    if brands:
        # Posts without a brand are outside the brand filter.
        keep &= table["brand"].isna() | table["brand"].isin(list(brands))
    for attribute, wanted in (("platform", platforms), ("category", categories),
                              ("tier", tiers)):
        if wanted:
            keep &= table["influencer_id"].map(attributes[attribute]).isin(list(wanted))
    table = table[keep].copy()

    if by == "overall":
        table["group"] = "all"
    elif by == "influencer":
        table["group"] = table["influencer_id"]
    elif by in ("platform", "category", "tier"):
        table["group"] = table["influencer_id"].map(attributes[by])
    elif by == "brand":
        table = table[table["brand"].notna()].copy()
        table["group"] = table["brand"]
    elif by == "campaign":
        table = table[table["campaign"].notna()].copy()
        table["group"] = table["campaign"]
    elif by == "month":
        table = table[table["date"].notna()].copy()
        table["group"] = table["date"].map(lambda d: d.strftime("%Y-%m"))
    else:
        raise ValueError(by)

    key = KEY_COLUMNS.get(by, by)
    rows = []
    for group, part in sorted(table.groupby("group"), key=lambda item: str(item[0])):
        revenue, spend = part["revenue"].sum(), part["spend"].sum()
        orders, reach = part["orders"].sum(), part["reach"].sum()
        likes, comments = part["likes"].sum(), part["comments"].sum()
        rows.append({
            key: group, "revenue": revenue, "orders": orders, "spend": spend,
            "posts": part["posts"].sum(), "reach": reach, "likes": likes,
            "comments": comments,
            "roas": revenue / spend if spend != 0 else None,
            "incremental_roas": revenue * (1 - baseline) / spend if spend != 0 else None,
            "cpo": spend / orders if orders != 0 else None,
            "aov": revenue / orders if orders != 0 else None,
            "engagement_rate": (likes + comments) / reach if reach != 0 else None,
        })
    result = pd.DataFrame(rows, columns=[key] + METRIC_COLUMNS)
    if by == "influencer":
        result["name"] = result[key].map(attributes["name"])
        result["performance_score"] = performance_scores(rows)
    return result


def performance_scores(rows):
    """The spec's weighted min-max score, None for influencers without spend."""
    scored = [row for row in rows if row["spend"] > 0]
    if not scored:
        return [None] * len(rows)
    cpos = [row["cpo"] for row in scored if row["cpo"] is not None]

    def scale(values):
        low, high = min(values), max(values)
        if high == low:
            return [50.0] * len(values)
        return [(value - low) / (high - low) * 100 for value in values]

    roas = scale([row["roas"] for row in scored])
    engagement = scale([row["engagement_rate"] or 0.0 for row in scored])
    orders = scale([float(row["orders"]) for row in scored])
    if cpos:
        cpo = scale([row["cpo"] if row["cpo"] is not None else max(cpos) for row in scored])
    else:
        cpo = [50.0] * len(scored)
    scores = {id(row): 0.30 * r + 0.25 * e + 0.25 * o + 0.20 * (100 - c)
              for row, r, e, o, c in zip(scored, roas, engagement, orders, cpo)}
    return [scores.get(id(row)) for row in rows]


def percentiles(scores):
    values = [s for s in scores if s is not None]
    if not values:
        return None, None
    return float(np.percentile(values, 25)), float(np.percentile(values, 75))


def write_frames(session, frames):
    """Write the four frames straight to the tables (no importer), then rebuild the facts."""
    from sqlalchemy import insert, select

    from dashboard.importing import rollups
    from models import Brand, Campaign, Influencer, Order, Payout, Post, Product

    def ids(model, names):
        existing = dict(session.execute(select(model.name, model.id)).all())
        for name in sorted(set(names) - set(existing)):
            session.add(model(name=name))
        session.flush()
        return dict(session.execute(select(model.name, model.id)).all())

    influencers = frames["influencers"]
    session.execute(insert(Influencer), [
        dict(influencer_key=str(r.influencer_id), name=r.name, category=r.category,
             gender=None if pd.isna(r.gender) else r.gender,
             follower_count=int(r.follower_count), platform=r.platform,
             tier=tier(int(r.follower_count)))
        for r in influencers.itertuples(index=False)])
    influencer_pks = dict(session.execute(select(Influencer.influencer_key, Influencer.id)).all())
    tracking, posts = frames["tracking_data"], frames["posts"]
    post_brands = ([b for b in posts["brand"] if isinstance(b, str)]
                   if "brand" in posts.columns else [])
    brand_ids = ids(Brand, list(tracking["brand"]) + post_brands)
    campaign_ids = ids(Campaign, tracking["campaign"])
    products = {}
    for product, brand in zip(tracking["product"], tracking["brand"]):
        products.setdefault(product, brand)
    existing_products = dict(session.execute(select(Product.name, Product.id)).all())
    for product, brand in products.items():
        if product not in existing_products:
            session.add(Product(name=product, brand_id=brand_ids[brand]))
    session.flush()
    product_ids = dict(session.execute(select(Product.name, Product.id)).all())
    if len(posts):
        session.execute(insert(Post), [
            dict(post_key=r.url, url=r.url, influencer_pk=influencer_pks[str(r.influencer_id)],
                 platform=r.platform, date=_day(r.date), caption=None, reach=int(r.reach),
                 likes=int(r.likes), comments=int(r.comments),
                 brand_id=brand_ids[r.brand] if isinstance(getattr(r, "brand", None), str)
                 else None)
            for r in posts.itertuples(index=False)])
    if len(tracking):
        session.execute(insert(Order), [
            dict(source=r.source, campaign_id=campaign_ids[r.campaign],
                 influencer_pk=influencer_pks[str(r.influencer_id)], user_id=str(r.user_id),
                 product_id=product_ids[r.product], brand_id=brand_ids[r.brand],
                 date=_day(r.date), orders=int(r.orders), revenue=float(r.revenue))
            for r in tracking.itertuples(index=False)])
    payouts = frames["payouts"]
    if len(payouts):
        session.execute(insert(Payout), [
            dict(influencer_pk=influencer_pks[str(r.influencer_id)], basis=r.basis,
                 rate=float(r.rate), orders=None if pd.isna(r.orders) else int(r.orders),
                 total_payout=float(r.total_payout))
            for r in payouts.itertuples(index=False)])
    rollups.rebuild(session)


__all__ = ["metrics", "percentiles", "read_csv_frames", "spend_events", "write_frames"]
