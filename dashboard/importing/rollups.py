"""Derived tables (daily facts with time-phased spend), rebuilt inside import transactions."""
from sqlalchemy import (BigInteger, Column, Date, Float, Integer, MetaData, Table, and_, case,
                        cast, delete, exists, false, func, literal, literal_column, null, or_, select,
                        text, true, union_all)
from sqlalchemy.schema import CreateTable

from dashboard.extensions import index_build_cache
from models import Brand, Campaign, DailyFact, Influencer, Order, Payout, Post
from models.catalogue import UNATTRIBUTED

# Days 0..6 after a post are its window: the measured baseline leaves them out.
POST_WINDOW_DAYS = 7
# Above this many influencers a rebuild works through them in slices, so an IN list
# never approaches a driver's bound-parameter limit.
INFLUENCERS_PER_STATEMENT = 2000

FACT_COLUMNS = ("tracking_rows", "orders", "revenue", "spend_events", "spend",
                "posts", "reach", "likes", "comments")
FLOAT_FACTS = ("revenue", "spend")

# Scratch tables of one rebuild, private to its connection and dropped before it returns.
# The orders are read once, into order_groups; everything else about them (all-time
# totals, revenue shares) comes from that much smaller table.
_scratch = MetaData()
ORDER_GROUPS = Table(
    "rollup_order_groups", _scratch,
    Column("influencer_pk", Integer), Column("day", Date), Column("brand_id", Integer),
    Column("campaign_id", Integer), Column("tracking_rows", BigInteger),
    Column("orders", BigInteger), Column("revenue", Float), prefixes=["TEMPORARY"])
PAIR_REVENUE = Table(
    "rollup_pair_revenue", _scratch,
    Column("influencer_pk", Integer), Column("brand_id", Integer),
    Column("campaign_id", Integer), Column("orders", BigInteger), Column("revenue", Float),
    prefixes=["TEMPORARY"])
INFLUENCER_TOTALS = Table(
    "rollup_influencer_totals", _scratch,
    Column("influencer_pk", Integer), Column("all_orders", BigInteger),
    Column("all_revenue", Float), prefixes=["TEMPORARY"])
REVENUE_SPLIT = Table(
    "rollup_revenue_split", _scratch,
    Column("influencer_pk", Integer), Column("brand_id", Integer),
    Column("campaign_id", Integer), Column("share", Float), prefixes=["TEMPORARY"])
POST_DAYS = Table(
    "rollup_post_days", _scratch,
    Column("influencer_pk", Integer), Column("day", Date), Column("posts", BigInteger),
    prefixes=["TEMPORARY"])
SCRATCH_TABLES = (ORDER_GROUPS, PAIR_REVENUE, INFLUENCER_TOTALS, REVENUE_SPLIT, POST_DAYS)


def rebuild(session, influencer_pks=None):
    """Rebuild derived rows for these influencers (None: all), in the caller's transaction.

    Spend of an influencer depends only on that influencer's own orders, posts and
    payouts, so rebuilding a subset leaves every other row correct.
    """
    session.flush()
    slices = _influencer_slices(session, influencer_pks)
    if not slices:
        return
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    if dialect == "sqlite":
        _hold_transaction(connection)
    for influencer_slice in slices:
        if influencer_slice is None and dialect == "sqlite":
            _rebuild_everything_on_sqlite(session, connection)
            continue
        session.execute(delete(DailyFact).where(
            _only(DailyFact.influencer_pk, influencer_slice)))
        _insert_facts(session, connection, dialect, influencer_slice)


def _hold_transaction(connection):
    """pysqlite opens its transaction only at the first INSERT, UPDATE or DELETE, so DDL
    before one would commit on its own and survive a rollback: open it now."""
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _rebuild_everything_on_sqlite(session, connection):
    """Full rebuild on SQLite: a new, unindexed table filled then indexed once.

    Dropping the table frees its pages at once, where DELETE (with foreign keys on)
    visits every row; building each index once after the inserts is about three times
    faster than updating it row by row. (Not on Postgres, where DROP would lock readers
    out until the import commits.)
    """
    facts = DailyFact.__table__
    facts.drop(connection)
    connection.execute(CreateTable(facts))
    _insert_facts(session, connection, "sqlite", None)
    with index_build_cache(connection):
        for index in facts.indexes:
            index.create(connection)


def _influencer_slices(session, influencer_pks):
    """[None] for every influencer, else lists of ids small enough for one statement."""
    if influencer_pks is None:
        return [None]
    wanted = sorted({int(i) for i in influencer_pks})
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


def _insert_facts(session, connection, dialect, influencer_slice):
    """Fill the scratch tables for a slice, then write its order, spend and post rows."""
    # On an error the caller rolls back, which takes the scratch tables with it.
    for table in SCRATCH_TABLES:
        table.create(connection)
    _fill_scratch_tables(connection, dialect, influencer_slice)
    unattributed = _unattributed_ids(session, influencer_slice)
    _fill(connection, dialect, REVENUE_SPLIT, _revenue_split(influencer_slice, unattributed))
    for rows in (_order_rows(dialect), _post_spend_rows(), _undated_rows(),
                 _post_rows(influencer_slice)):
        connection.execute(_insert(dialect, rows))
    for table in reversed(SCRATCH_TABLES):
        table.drop(connection)


def _fill_scratch_tables(connection, dialect, influencer_slice):
    orders, posts = Order.__table__, Post.__table__
    # Grouped in the order of the orders index on (influencer_pk, date): with brand_id,
    # campaign_id, orders and revenue in that index too, this is a scan with no sort.
    order_keys = (orders.c.influencer_pk, orders.c.date, orders.c.brand_id,
                  orders.c.campaign_id)
    _fill(connection, dialect, ORDER_GROUPS, select(
        *order_keys, func.count(), func.sum(orders.c.orders), func.sum(orders.c.revenue),
    ).where(_only(orders.c.influencer_pk, influencer_slice)).group_by(*order_keys))
    groups = ORDER_GROUPS.c
    _fill(connection, dialect, PAIR_REVENUE, select(
        groups.influencer_pk, groups.brand_id, groups.campaign_id, func.sum(groups.orders),
        func.sum(groups.revenue),
    ).group_by(groups.influencer_pk, groups.brand_id, groups.campaign_id))
    pairs = PAIR_REVENUE.c
    _fill(connection, dialect, INFLUENCER_TOTALS, select(
        pairs.influencer_pk, func.sum(pairs.orders), func.sum(pairs.revenue),
    ).group_by(pairs.influencer_pk))
    _fill(connection, dialect, POST_DAYS, select(
        posts.c.influencer_pk, posts.c.date, func.count(),
    ).where(_only(posts.c.influencer_pk, influencer_slice)).group_by(
        posts.c.influencer_pk, posts.c.date))


def _fill(connection, dialect, table, rows):
    connection.execute(table.insert().from_select([c.name for c in table.columns], rows))
    if dialect == "postgresql":
        # Temporary tables get no statistics from autovacuum; without them the planner
        # guesses row counts and may pick nested loops over large joins.
        connection.execute(text(f"ANALYZE {table.name}"))


def _unattributed_ids(session, influencer_slice):
    """(brand id, campaign id) of Unattributed, created only when some payout needs it."""
    totals = INFLUENCER_TOTALS.c
    needed = session.execute(
        select(Payout.id).select_from(Payout.__table__.outerjoin(
            INFLUENCER_TOTALS, totals.influencer_pk == Payout.influencer_pk)).where(
            _only(Payout.influencer_pk, influencer_slice),
            func.coalesce(totals.all_revenue, 0) == 0).limit(1)).first()
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


def _revenue_split(influencer_slice, unattributed):
    """Where a payout's money goes when it is split by all-time revenue: each (brand,
    campaign) pair's share, or all of it to Unattributed when there is no revenue."""
    pairs, totals = PAIR_REVENUE.c, INFLUENCER_TOTALS.c
    split_parts = [select(
        pairs.influencer_pk, pairs.brand_id, pairs.campaign_id,
        cast(pairs.revenue, Float) / totals.all_revenue,
    ).select_from(PAIR_REVENUE.join(
        INFLUENCER_TOTALS, totals.influencer_pk == pairs.influencer_pk)).where(
        totals.all_revenue != 0)]
    if unattributed is not None:
        brand_id, campaign_id = unattributed
        split_parts.append(select(
            Influencer.id, cast(literal(brand_id), Integer),
            cast(literal(campaign_id), Integer), cast(literal_column("1.0"), Float),
        ).select_from(Influencer.__table__.outerjoin(
            INFLUENCER_TOTALS, totals.influencer_pk == Influencer.id)).where(
            _only(Influencer.id, influencer_slice),
            func.coalesce(totals.all_revenue, 0) == 0))
    return union_all(*split_parts) if len(split_parts) > 1 else split_parts[0]


def _post_counts():
    """All-time posts per influencer of the slice (N_i of METRICS.md)."""
    post_days = POST_DAYS.c
    return select(post_days.influencer_pk,
                  cast(func.sum(post_days.posts), Float).label("post_count"),
                  ).group_by(post_days.influencer_pk).subquery("post_counts")


def _fact_row(influencer_pk, day, brand_id, campaign_id, in_post_window, **values):
    """A SELECT list in daily_facts' column order, zero where the source has nothing."""
    columns = [influencer_pk.label("influencer_pk"), day.label("day"),
               brand_id.label("brand_id"), campaign_id.label("campaign_id")]
    for name in FACT_COLUMNS:
        value = values.get(name)
        if value is None:
            value = literal_column("0")
        columns.append(cast(value, Float if name in FLOAT_FACTS else BigInteger).label(name))
    columns.append(in_post_window.label("in_post_window"))
    return columns


def _insert(dialect, rows):
    """INSERT … SELECT of fact rows, with the month derived from the day."""
    rows = rows.subquery("fact_rows")
    names = ["influencer_pk", "day", "brand_id", "campaign_id", *FACT_COLUMNS,
             "in_post_window"]
    return DailyFact.__table__.insert().from_select(
        [*names, "month"],
        select(*[rows.c[name] for name in names], _month(dialect, rows.c.day)))


def _order_rows(dialect):
    """Order groups, with basis-order spend on the same row: total_payout x orders / O_i."""
    groups, totals, payouts = ORDER_GROUPS.c, INFLUENCER_TOTALS.c, Payout.__table__
    paid_by_order = and_(payouts.c.id.is_not(None), totals.all_orders > 0)
    window_post = Post.__table__.alias("window_post")
    in_window = exists().where(
        window_post.c.influencer_pk == groups.influencer_pk,
        window_post.c.date <= groups.day,
        window_post.c.date >= _days_before(dialect, groups.day, POST_WINDOW_DAYS - 1))
    return select(*_fact_row(
        groups.influencer_pk, groups.day, groups.brand_id, groups.campaign_id, in_window,
        tracking_rows=groups.tracking_rows, orders=groups.orders, revenue=groups.revenue,
        spend_events=case((paid_by_order, groups.tracking_rows), else_=0),
        spend=case((paid_by_order, payouts.c.total_payout * cast(groups.orders, Float)
                    / cast(totals.all_orders, Float)), else_=0.0),
    )).select_from(ORDER_GROUPS.join(
        INFLUENCER_TOTALS, totals.influencer_pk == groups.influencer_pk).outerjoin(
        payouts, and_(payouts.c.influencer_pk == groups.influencer_pk,
                      payouts.c.basis == "order")))


def _post_spend_rows():
    """Basis-post spend: total_payout / N_i per post, split by revenue share.

    One row per (influencer, day, pair), so several posts on a day share it: k posts
    are k events of the same amount.
    """
    post_days, split, payouts = POST_DAYS.c, REVENUE_SPLIT.c, Payout.__table__
    post_counts = _post_counts()
    return select(*_fact_row(
        post_days.influencer_pk, post_days.day, split.brand_id, split.campaign_id, true(),
        spend_events=post_days.posts,
        spend=payouts.c.total_payout / post_counts.c.post_count * split.share
        * post_days.posts,
    )).select_from(POST_DAYS.join(
        payouts, and_(payouts.c.influencer_pk == post_days.influencer_pk,
                      payouts.c.basis == "post")).join(
        post_counts, post_counts.c.influencer_pk == post_days.influencer_pk).join(
        REVENUE_SPLIT, split.influencer_pk == post_days.influencer_pk))


def _undated_rows():
    """A payout with nothing to date it by (no orders for basis order, no posts for basis
    post) as one undated amount split by revenue; both payouts of one influencer fold
    into one row per pair."""
    split, totals, payouts = REVENUE_SPLIT.c, INFLUENCER_TOTALS.c, Payout.__table__
    post_counts = _post_counts()
    nothing_to_date = or_(
        and_(payouts.c.basis == "order", func.coalesce(totals.all_orders, 0) == 0),
        and_(payouts.c.basis == "post", func.coalesce(post_counts.c.post_count, 0) == 0))
    return select(*_fact_row(
        payouts.c.influencer_pk, cast(null(), Date), split.brand_id, split.campaign_id,
        false(),
        spend_events=func.count(), spend=func.sum(payouts.c.total_payout * split.share),
    )).select_from(Payout.__table__.join(
        REVENUE_SPLIT, split.influencer_pk == payouts.c.influencer_pk).outerjoin(
        INFLUENCER_TOTALS, totals.influencer_pk == payouts.c.influencer_pk).outerjoin(
        post_counts, post_counts.c.influencer_pk == payouts.c.influencer_pk)).where(
        nothing_to_date).group_by(payouts.c.influencer_pk, split.brand_id, split.campaign_id)


def _post_rows(influencer_slice):
    """Posts per influencer x day x brand; no campaign, no brand when posts.csv had none."""
    posts = Post.__table__
    return select(*_fact_row(
        posts.c.influencer_pk, posts.c.date, posts.c.brand_id, cast(null(), Integer), true(),
        posts=func.count(), reach=func.sum(posts.c.reach), likes=func.sum(posts.c.likes),
        comments=func.sum(posts.c.comments),
    )).where(_only(posts.c.influencer_pk, influencer_slice)).group_by(
        posts.c.influencer_pk, posts.c.date, posts.c.brand_id)


def _month(dialect, day):
    """'YYYY-MM' of a date column, NULL for NULL."""
    if dialect == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.substr(day, 1, 7)


def _days_before(dialect, day, days):
    if dialect == "postgresql":
        return day - days
    return func.date(day, f"-{days} days")
