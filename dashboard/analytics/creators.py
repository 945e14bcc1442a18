"""One creator's page and the payouts: attributes, profile, posts and payout reconciliation."""
import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Float, cast, func, or_, select

from dashboard.analytics.cache import cached
from dashboard.analytics.metrics import kpis, metrics, nulls_as_none, ratio, timeseries_frame
from dashboard.analytics.queries import fact_filters, influencers_in_scope
from dashboard.analytics.selection import Selection, effective_brands
from dashboard.extensions import db
from models import Brand, DailyFact, Influencer, Payout, Post

# What a brand-limited user reads beside payout figures (payouts_in_scope).
PAYOUT_SHARE_NOTE = ("Payouts are shared across brands; you see the part booked to your "
                     "brands.")
# What grids and exports show of a creator beside the metrics.
CREATOR_ATTRIBUTES = ("tier", "platform", "category", "gender", "follower_count")


def with_creator_attributes(creators: pd.DataFrame) -> pd.DataFrame:
    """`creators` (rows keyed by influencer_id) with the creators' own attributes added.

    The metrics stay exactly METRICS.md's columns; grids and exports add these for reading.
    """
    missing = [column for column in CREATOR_ATTRIBUTES if column not in creators.columns]
    if creators.empty or not missing:
        return creators
    keys = sorted(set(creators["influencer_id"]))
    rows = db.session.execute(
        select(Influencer.influencer_key.label("influencer_id"),
               *(getattr(Influencer, column) for column in missing))
        .where(Influencer.influencer_key.in_(keys))).all()
    attributes = pd.DataFrame(rows, columns=["influencer_id", *missing])
    return creators.merge(attributes, on="influencer_id", how="left")


def influencer_profile(influencer_key, selection, *, scope) -> dict | None:
    """One creator's card, metrics, posts, timeseries and payouts; None if out of reach."""
    influencer = db.session.execute(select(Influencer).where(
        Influencer.influencer_key == str(influencer_key))).scalar()
    if influencer is None:
        return None
    if scope is not None:
        visible = db.session.execute(influencers_in_scope(scope).where(
            DailyFact.influencer_pk == influencer.id).limit(1)).first()
        if visible is None:
            return None
    return cached("influencer_profile", selection, scope,
                  lambda: _influencer_profile(influencer, selection, scope),
                  influencer.influencer_key)


def _influencer_profile(influencer, selection, scope):
    everyone = metrics(selection, "influencer", scope=scope)
    own = everyone[everyone["influencer_id"] == influencer.influencer_key]
    if len(own):
        row = own.iloc[0].to_dict()
    else:
        row = {"influencer_id": influencer.influencer_key, "name": influencer.name,
               "performance_score": None}
        row.update(kpis(own.iloc[0:0]))
        row.pop("key", None)
    return {
        "profile": {"influencer_id": influencer.influencer_key, "name": influencer.name,
                    "category": influencer.category, "gender": influencer.gender,
                    "follower_count": int(influencer.follower_count),
                    "platform": influencer.platform, "tier": influencer.tier},
        "metrics": row,
        "posts": _posts_frame(influencer, selection, scope),
        # Days unless the trend step is chosen: a creator's orders are few a day.
        "timeseries": timeseries_frame(
            selection, scope, "day" if selection.freq == "auto" else selection.freq,
            influencer_pk=influencer.id),
        "payouts": reconciliation_frame(influencer_pks=[influencer.id], scope=scope),
    }


def _posts_frame(influencer, selection, scope):
    conditions = [Post.influencer_pk == influencer.id]
    if selection.start is not None:
        conditions.append(Post.date >= selection.start)
    if selection.end is not None:
        conditions.append(Post.date <= selection.end)
    brands = effective_brands(selection, scope)
    if brands is not None:
        conditions.append(or_(Post.brand_id.is_(None), Brand.name.in_(sorted(brands))))
    statement = select(
        Post.post_id, Post.date, Post.url, Post.caption, Brand.name.label("brand"),
        Post.reach, Post.likes, Post.comments,
    ).select_from(Post.__table__.outerjoin(Brand.__table__, Brand.id == Post.brand_id)).where(
        *conditions).order_by(Post.date, Post.url)
    frame = pd.DataFrame(db.session.execute(statement).all(),
                         columns=[c.name for c in statement.selected_columns])
    frame["engagement_rate"] = ratio(frame["likes"] + frame["comments"], frame["reach"])
    return nulls_as_none(frame, ["engagement_rate"])


def reconciliation_frame(*, scope, influencer_pks=None) -> pd.DataFrame:
    """Each payout against rate x units: posts for basis post, orders for basis order.

    Orders are the payout row's own `orders` when the file gave them, else every stored
    order of the influencer (all time, all brands), the count the payout was made on.
    Only scope None sees whole payouts; a brand-limited scope gets payouts_in_scope.
    """
    if scope is not None:
        return payouts_in_scope(scope, influencer_pks=influencer_pks)
    stored_orders = select(DailyFact.influencer_pk,
                           cast(func.sum(DailyFact.orders), BigInteger).label("orders")
                           ).group_by(DailyFact.influencer_pk).subquery()
    post_counts = select(Post.influencer_pk, func.count().label("posts")).group_by(
        Post.influencer_pk).subquery()
    statement = select(
        Influencer.influencer_key.label("influencer_id"), Influencer.name, Payout.basis,
        Payout.rate, Payout.orders.label("payout_orders"),
        stored_orders.c.orders.label("stored_orders"), post_counts.c.posts,
        Payout.total_payout,
    ).select_from(Payout.__table__.join(Influencer.__table__,
                                        Influencer.id == Payout.influencer_pk)
                  .outerjoin(stored_orders, stored_orders.c.influencer_pk == Payout.influencer_pk)
                  .outerjoin(post_counts, post_counts.c.influencer_pk == Payout.influencer_pk))
    if influencer_pks is not None:
        statement = statement.where(Payout.influencer_pk.in_(list(influencer_pks)))
    frame = pd.DataFrame(db.session.execute(statement).all(),
                         columns=[c.name for c in statement.selected_columns])
    posts = frame["posts"].fillna(0).astype("int64")
    orders = frame["payout_orders"].where(frame["payout_orders"].notna(),
                                          frame["stored_orders"]).fillna(0).astype("int64")
    frame["units"] = posts.where(frame["basis"] == "post", orders)
    frame["units_source"] = np.where(
        frame["basis"] == "post", "posts",
        np.where(frame["payout_orders"].notna(), "orders in payouts file", "stored orders"))
    frame["rate"] = frame["rate"].astype("float64")
    frame["total_payout"] = frame["total_payout"].astype("float64")
    frame["expected"] = frame["rate"] * frame["units"]
    frame["difference"] = frame["total_payout"] - frame["expected"]
    frame = frame.sort_values(["influencer_id", "basis"], key=lambda keys: keys.astype(str))
    return frame[["influencer_id", "name", "basis", "rate", "units", "units_source",
                  "expected", "total_payout", "difference"]].reset_index(drop=True)


def payouts_in_scope(scope, *, influencer_pks=None) -> pd.DataFrame:
    """Per paid creator, only the spend, orders and posts booked to the scope's brands.

    A payout carries no brand: its total, rate x units and difference would show the
    creator's business with other brands, so a brand-limited user sees none of them. The
    sums are all time, under the same brand rule as every other view of this scope.
    """
    in_scope = select(
        DailyFact.influencer_pk,
        cast(func.sum(DailyFact.orders), BigInteger).label("orders"),
        cast(func.sum(DailyFact.posts), BigInteger).label("posts"),
        cast(func.sum(DailyFact.spend), Float).label("spend"),
    ).where(*fact_filters(Selection(), scope)).group_by(DailyFact.influencer_pk).subquery()
    statement = select(
        Influencer.influencer_key.label("influencer_id"), Influencer.name, Payout.basis,
        in_scope.c.orders, in_scope.c.posts, in_scope.c.spend,
    ).select_from(Payout.__table__.join(Influencer.__table__,
                                        Influencer.id == Payout.influencer_pk)
                  .join(in_scope, in_scope.c.influencer_pk == Payout.influencer_pk))
    if influencer_pks is not None:
        statement = statement.where(Payout.influencer_pk.in_(list(influencer_pks)))
    paid = pd.DataFrame(db.session.execute(statement).all(),
                        columns=[c.name for c in statement.selected_columns])
    # One row per creator: the in-scope spend mixes both bases, so a row per payout would
    # count it twice.
    frame = paid.groupby(["influencer_id", "name"], as_index=False, sort=False).agg(
        basis=("basis", lambda bases: " and ".join(sorted(bases))),
        orders=("orders", "first"), posts=("posts", "first"), spend=("spend", "first"))
    frame = frame.astype({"orders": "int64", "posts": "int64", "spend": "float64"})
    frame["note"] = PAYOUT_SHARE_NOTE
    frame = frame.sort_values("influencer_id", key=lambda keys: keys.astype(str))
    return frame[["influencer_id", "name", "basis", "orders", "posts", "spend",
                  "note"]].reset_index(drop=True)
