"""Derived tables (daily facts with time-phased spend), rebuilt inside import transactions."""
from sqlalchemy import (BigInteger, Date, Float, Integer, and_, case, cast, delete, exists,
                        func, insert, literal, literal_column, null, or_, select, true,
                        union_all)

from models import Brand, Campaign, DailyFact, Influencer, Order, Payout, Post
from models.catalogue import UNATTRIBUTED

# Days 0..6 after a post are its window: the measured baseline leaves them out.
POST_WINDOW_DAYS = 7
# Above this many influencers a rebuild works through them in slices, so an IN list
# never approaches a driver's bound-parameter limit.
INFLUENCERS_PER_STATEMENT = 2000

FACT_COLUMNS = ("tracking_rows", "orders", "revenue", "spend_events", "spend",
                "posts", "reach", "likes", "comments")


def rebuild(session, influencer_ids=None):
    """Rebuild derived rows for these influencers (None: all), in the caller's transaction.

    Spend of an influencer depends only on that influencer's own orders, posts and
    payouts, so rebuilding a subset leaves every other row correct.
    """
    session.flush()
    slices = _influencer_slices(session, influencer_ids)
    dialect = session.get_bind().dialect.name
    for influencer_slice in slices:
        if influencer_slice is None and dialect == "sqlite":
            _rebuild_without_indexes(session, dialect)
            continue
        if influencer_slice is None:
            session.execute(delete(DailyFact))
        else:
            session.execute(delete(DailyFact).where(
                DailyFact.influencer_id.in_(influencer_slice)))
        session.execute(_insert_order_facts(dialect, influencer_slice))
        unattributed = _unattributed_ids(session, influencer_slice)
        session.execute(_insert_post_facts(dialect, influencer_slice, unattributed))


def _rebuild_without_indexes(session, dialect):
    """Full rebuild on SQLite: filling an unindexed table then indexing it once is about
    three times faster than updating the indexes row by row. (Not on Postgres, where
    DROP INDEX would lock readers out until the import commits.)"""
    connection = session.connection()
    indexes = list(DailyFact.__table__.indexes)
    for index in indexes:
        index.drop(connection)
    # With foreign keys on, SQLite deletes row by row; without indexes that is cheap.
    session.execute(delete(DailyFact))
    session.execute(_insert_order_facts(dialect, None))
    session.execute(_insert_post_facts(dialect, None, _unattributed_ids(session, None)))
    for index in indexes:
        index.create(connection)


def _influencer_slices(session, influencer_ids):
    """[None] for every influencer, else lists of ids small enough for one statement."""
    if influencer_ids is None:
        return [None]
    wanted = sorted({int(i) for i in influencer_ids})
    if not wanted:
        return []
    if len(wanted) > INFLUENCERS_PER_STATEMENT:
        # A near-full rebuild is faster as one scan than as thousands of index lookups.
        everyone = session.execute(select(func.count()).select_from(Influencer)).scalar_one()
        if len(wanted) >= everyone:
            return [None]
    return [wanted[i:i + INFLUENCERS_PER_STATEMENT]
            for i in range(0, len(wanted), INFLUENCERS_PER_STATEMENT)]


def _only(column, influencer_slice):
    return true() if influencer_slice is None else column.in_(influencer_slice)


def _unattributed_ids(session, influencer_slice):
    """(brand id, campaign id) of Unattributed, created only when some payout needs it."""
    revenue_exists = exists().where(Order.influencer_id == Payout.influencer_id,
                                    Order.revenue > 0)
    needed = session.execute(
        select(Payout.id).where(_only(Payout.influencer_id, influencer_slice),
                                ~revenue_exists).limit(1)).first()
    if needed is None:
        return None
    brand = session.execute(select(Brand).where(Brand.name == UNATTRIBUTED)).scalar()
    if brand is None:
        brand = Brand(name=UNATTRIBUTED)
        session.add(brand)
    campaign = session.execute(
        select(Campaign).where(Campaign.name == UNATTRIBUTED)).scalar()
    if campaign is None:
        campaign = Campaign(name=UNATTRIBUTED)
        session.add(campaign)
    session.flush()
    return brand.id, campaign.id


def _zero():
    return literal_column("0")


def _fact_row(influencer_id, day, brand_id, campaign_id, **values):
    """A SELECT list in daily_facts' column order, zero where the source has nothing."""
    columns = [influencer_id.label("influencer_id"), day.label("day"),
               brand_id.label("brand_id"), campaign_id.label("campaign_id")]
    for name in FACT_COLUMNS:
        value = values.get(name)
        if value is None:
            value = cast(_zero(), Float if name in ("revenue", "spend") else BigInteger)
        elif name in ("revenue", "spend"):
            value = cast(value, Float)
        else:
            value = cast(value, BigInteger)
        columns.append(value.label(name))
    return columns


def _insert_order_facts(dialect, influencer_slice):
    """Orders per influencer x day x brand x campaign, with basis-order spend on the same row.

    One sort of the orders does it all: the window sum gives each influencer's all-time
    orders O_i, so spend = total_payout x orders / O_i needs no second pass.
    """
    orders, payouts, posts = Order.__table__, Payout.__table__, Post.__table__
    order_groups = select(
        orders.c.influencer_id, orders.c.date.label("day"), orders.c.brand_id,
        orders.c.campaign_id, func.count().label("tracking_rows"),
        func.sum(orders.c.orders).label("orders"),
        func.sum(orders.c.revenue).label("revenue"),
        cast(func.sum(func.sum(orders.c.orders)).over(partition_by=orders.c.influencer_id),
             Float).label("all_orders"),
    ).where(_only(orders.c.influencer_id, influencer_slice)).group_by(
        orders.c.influencer_id, orders.c.date, orders.c.brand_id, orders.c.campaign_id,
    ).subquery("order_groups")
    paid_by_order = and_(payouts.c.id.is_not(None), order_groups.c.all_orders > 0)
    window_post = posts.alias("window_post")
    in_window = exists().where(
        window_post.c.influencer_id == order_groups.c.influencer_id,
        window_post.c.date <= order_groups.c.day,
        window_post.c.date >= _days_before(dialect, order_groups.c.day, POST_WINDOW_DAYS - 1))
    rows = select(
        order_groups.c.influencer_id, order_groups.c.day,
        _month(dialect, order_groups.c.day), order_groups.c.brand_id,
        order_groups.c.campaign_id, order_groups.c.tracking_rows, order_groups.c.orders,
        cast(order_groups.c.revenue, Float),
        case((paid_by_order, order_groups.c.tracking_rows), else_=0),
        case((paid_by_order, payouts.c.total_payout * cast(order_groups.c.orders, Float)
              / order_groups.c.all_orders), else_=0.0),
        literal_column("0"), literal_column("0"), literal_column("0"), literal_column("0"),
        in_window,
    ).select_from(order_groups.outerjoin(
        payouts, and_(payouts.c.influencer_id == order_groups.c.influencer_id,
                      payouts.c.basis == "order")))
    return insert(DailyFact).from_select(
        ["influencer_id", "day", "month", "brand_id", "campaign_id", *FACT_COLUMNS,
         "in_post_window"], rows)


def _insert_post_facts(dialect, influencer_slice, unattributed):
    """Posts, basis-post spend and undated spend, read from the order rows just written."""
    posts, payouts, facts = Post.__table__, Payout.__table__, DailyFact.__table__

    pair_revenue = select(
        facts.c.influencer_id, facts.c.brand_id, facts.c.campaign_id,
        cast(func.sum(facts.c.revenue), Float).label("revenue"),
        cast(func.sum(func.sum(facts.c.revenue)).over(partition_by=facts.c.influencer_id),
             Float).label("all_revenue"),
        cast(func.sum(func.sum(facts.c.orders)).over(partition_by=facts.c.influencer_id),
             Float).label("all_orders"),
    ).where(_only(facts.c.influencer_id, influencer_slice),
            facts.c.tracking_rows > 0).group_by(
        facts.c.influencer_id, facts.c.brand_id, facts.c.campaign_id).cte("pair_revenue")
    totals = select(pair_revenue.c.influencer_id,
                    func.max(pair_revenue.c.all_revenue).label("all_revenue"),
                    func.max(pair_revenue.c.all_orders).label("all_orders"),
                    ).group_by(pair_revenue.c.influencer_id).cte("influencer_totals")
    post_counts = select(
        posts.c.influencer_id, cast(func.count(), Float).label("post_count"),
    ).where(_only(posts.c.influencer_id, influencer_slice)).group_by(
        posts.c.influencer_id).cte("post_counts")

    # Where a payout's money goes when it is split by all-time revenue.
    split_parts = [select(
        pair_revenue.c.influencer_id, pair_revenue.c.brand_id, pair_revenue.c.campaign_id,
        (pair_revenue.c.revenue / pair_revenue.c.all_revenue).label("share"),
    ).where(pair_revenue.c.all_revenue > 0)]
    if unattributed is not None:
        brand_id, campaign_id = unattributed
        split_parts.append(select(
            Influencer.id.label("influencer_id"),
            cast(literal(brand_id), Integer).label("brand_id"),
            cast(literal(campaign_id), Integer).label("campaign_id"),
            cast(literal_column("1.0"), Float).label("share"),
        ).select_from(Influencer.__table__.outerjoin(
            totals, totals.c.influencer_id == Influencer.id)).where(
            _only(Influencer.id, influencer_slice),
            func.coalesce(totals.c.all_revenue, 0) == 0))
    revenue_split = (union_all(*split_parts) if len(split_parts) > 1
                     else split_parts[0]).cte("revenue_split")

    post_spend_rows = select(*_fact_row(
        posts.c.influencer_id, posts.c.date, revenue_split.c.brand_id,
        revenue_split.c.campaign_id, spend_events=literal_column("1"),
        spend=payouts.c.total_payout / post_counts.c.post_count * revenue_split.c.share,
    )).select_from(posts.join(
        payouts, and_(payouts.c.influencer_id == posts.c.influencer_id,
                      payouts.c.basis == "post")).join(
        post_counts, post_counts.c.influencer_id == posts.c.influencer_id).join(
        revenue_split, revenue_split.c.influencer_id == posts.c.influencer_id)).where(
        _only(posts.c.influencer_id, influencer_slice))

    nothing_to_date = or_(
        and_(payouts.c.basis == "order", func.coalesce(totals.c.all_orders, 0) == 0),
        and_(payouts.c.basis == "post", func.coalesce(post_counts.c.post_count, 0) == 0))
    undated_rows = select(*_fact_row(
        payouts.c.influencer_id, cast(null(), Date), revenue_split.c.brand_id,
        revenue_split.c.campaign_id, spend_events=literal_column("1"),
        spend=payouts.c.total_payout * revenue_split.c.share,
    )).select_from(payouts.join(
        revenue_split, revenue_split.c.influencer_id == payouts.c.influencer_id).outerjoin(
        totals, totals.c.influencer_id == payouts.c.influencer_id).outerjoin(
        post_counts, post_counts.c.influencer_id == payouts.c.influencer_id)).where(
        _only(payouts.c.influencer_id, influencer_slice), nothing_to_date)

    post_rows = select(*_fact_row(
        posts.c.influencer_id, posts.c.date, posts.c.brand_id, cast(null(), Integer),
        posts=func.count(), reach=func.sum(posts.c.reach), likes=func.sum(posts.c.likes),
        comments=func.sum(posts.c.comments),
    )).where(_only(posts.c.influencer_id, influencer_slice)).group_by(
        posts.c.influencer_id, posts.c.date, posts.c.brand_id)

    # Several posts on one day share a key; fold them into one row.
    every_row = union_all(post_spend_rows, undated_rows, post_rows).subquery("every_row")
    key = (every_row.c.influencer_id, every_row.c.day, every_row.c.brand_id,
           every_row.c.campaign_id)
    consolidated = select(
        *key, _month(dialect, every_row.c.day).label("month"),
        *[cast(func.sum(every_row.c[name]),
               Float if name in ("revenue", "spend") else BigInteger).label(name)
          for name in FACT_COLUMNS],
        # A post's own day is always in its window; undated spend never is.
        every_row.c.day.is_not(None).label("in_post_window"),
    ).group_by(*key)
    return insert(DailyFact).from_select(
        ["influencer_id", "day", "brand_id", "campaign_id", "month", *FACT_COLUMNS,
         "in_post_window"], consolidated)


def _month(dialect, day):
    """'YYYY-MM' of a date column, NULL for NULL."""
    if dialect == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.substr(day, 1, 7)


def _days_before(dialect, day, days):
    if dialect == "postgresql":
        return day - days
    return func.date(day, f"-{days} days")
