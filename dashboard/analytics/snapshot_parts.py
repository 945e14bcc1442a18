"""The parts of a columnar snapshot, read from the database: the facts without post spend,
post spend per creator and day with each creator's pair shares, creators and their spans."""
import numpy as np
import polars as pl
from sqlalchemy import select

from dashboard.importing.rollups import POST_WINDOW_DAYS
from models import Influencer

SUM_COLUMNS = ["tracking_rows", "orders", "revenue", "spend_events", "spend", "posts",
               "reach", "likes", "comments"]
CREATOR_COLUMNS = ("platform", "category", "tier")
FETCH_ROWS = 100_000
# daily_facts' rows of basis-post spend (rollups._post_spend_rows): no orders, no posts, a day.
POST_SPEND_ROWS = "tracking_rows = 0 AND posts = 0 AND day IS NOT NULL"


def read_database(connection):
    """The snapshot's parts (PARTS) read through this connection."""
    if connection.dialect.name == "postgresql":
        day = "(day - DATE '1970-01-01')"
    else:
        day = "CAST(julianday(day) - 2440587.5 AS INTEGER)"
    columns = ", ".join(SUM_COLUMNS)
    facts = _fetch(connection, (
        f"SELECT influencer_pk, {day}, brand_id, campaign_id, in_post_window, {columns} "
        f"FROM daily_facts WHERE NOT ({POST_SPEND_ROWS})"), {
        "influencer_pk": pl.Int32, "day": pl.Int32, "brand_id": pl.Int32,
        "campaign_id": pl.Int32, "in_post_window": pl.Boolean,
        **{name: pl.Float64 if name in ("revenue", "spend") else pl.Int64
           for name in SUM_COLUMNS}})
    facts = facts.sort("day", nulls_last=False).with_columns(pl.col("day").cast(pl.Date))
    post_spend = _fetch(connection, (
        f"SELECT influencer_pk, {day}, SUM(spend), SUM(spend_events) FROM daily_facts "
        f"WHERE {POST_SPEND_ROWS} GROUP BY influencer_pk, day"), {
        "influencer_pk": pl.Int32, "day": pl.Int32, "spend": pl.Float64,
        "spend_events": pl.Int64})
    post_spend = post_spend.sort("day").with_columns(pl.col("day").cast(pl.Date))
    pairs = _pair_shares(_fetch(connection, (
        "SELECT influencer_pk, brand_id, campaign_id, SUM(spend), SUM(spend_events) "
        f"FROM daily_facts WHERE {POST_SPEND_ROWS} "
        "GROUP BY influencer_pk, brand_id, campaign_id"), {
        "influencer_pk": pl.Int32, "brand_id": pl.Int32, "campaign_id": pl.Int32,
        "spend": pl.Float64, "spend_events": pl.Int64}))
    creators = pl.DataFrame(
        connection.execute(select(Influencer.id, Influencer.influencer_key, Influencer.name,
                                  Influencer.platform, Influencer.category, Influencer.tier,
                                  Influencer.gender)).all(),
        schema={"influencer_pk": pl.Int32, "influencer_key": pl.String, "name": pl.String,
                "platform": pl.String, "category": pl.String, "tier": pl.String,
                "gender": pl.String}, orient="row")
    # The creators' own columns on every fact, as one-byte codes: grouping by platform (the
    # overview's cube) is then one pass over the facts, not a pass per creator and a join.
    codes = creators.select("influencer_pk", *(pl.col(name).cast(pl.Enum(
        creators[name].drop_nulls().unique().sort())) for name in CREATOR_COLUMNS))
    facts, post_spend = (frame.join(codes, on="influencer_pk", how="left",
                                    maintain_order="left") for frame in (facts, post_spend))
    creator_brands = pl.concat([
        frame.lazy().filter(pl.col("brand_id").is_not_null()).select("influencer_pk",
                                                                      "brand_id")
        for frame in (facts, pairs)]).unique().sort("influencer_pk", "brand_id").collect()
    return (facts, creators, _spans(connection, facts, post_spend), _outside_windows(facts),
            creator_brands, post_spend, pairs)


def _fetch(connection, statement, schema):
    """The rows of `statement` as a frame of `schema`, read in slices by the driver's own
    cursor: its plain tuples go into Polars without SQLAlchemy's rows around them, which
    took a third of the time at a million facts."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(statement)
        parts = []
        while rows := cursor.fetchmany(FETCH_ROWS):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
    finally:
        cursor.close()
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _pair_shares(pairs):
    """Each creator's brand x campaign pairs with their share of the creator's post spend
    and of its spend events. The shares are the same every day (rollups split each post's
    amount by all-time revenue), so they are read off the all-time sums; a creator whose
    post spend is all zero has spend shares in proportion to events, which only ever
    multiply zero."""
    spend_total = pl.col("spend").sum().over("influencer_pk")
    event_share = pl.col("spend_events") / pl.col("spend_events").sum().over("influencer_pk")
    return pairs.select(
        "influencer_pk", "brand_id", "campaign_id",
        pl.when(spend_total != 0).then(pl.col("spend") / spend_total).otherwise(event_share)
        .alias("spend_share"),
        event_share.alias("event_share")).sort("influencer_pk", "brand_id", "campaign_id")


def _outside_windows(facts):
    """All-time revenue on dated days outside post windows per creator, brand and campaign:
    what the measured baseline's organic rate reads, whatever the dates selected, in a
    table a few times the number of creators rather than one row per fact."""
    keys = ["influencer_pk", "brand_id", "campaign_id", *CREATOR_COLUMNS]
    return facts.lazy().filter(pl.col("day").is_not_null(), ~pl.col("in_post_window")).group_by(
        keys).agg(pl.col("revenue").sum()).sort(keys).collect()


def _spans(connection, facts, post_spend):
    """Per creator: first and last dated fact, and the days between them outside every
    post window (days 0..6 after a post). All time, the same for every selection."""
    span = pl.concat([frame.lazy().select("influencer_pk", "day")
                      for frame in (facts, post_spend)]).filter(
        pl.col("day").is_not_null()).group_by("influencer_pk").agg(
        pl.col("day").min().alias("first"), pl.col("day").max().alias("last")).collect()
    if connection.dialect.name == "postgresql":
        day = "(date - DATE '1970-01-01')"
    else:
        day = "CAST(julianday(date) - 2440587.5 AS INTEGER)"
    posts = connection.exec_driver_sql(
        f"SELECT DISTINCT influencer_pk, {day} FROM posts").fetchall()
    post_creators = np.array([row[0] for row in posts], dtype="int32")
    post_days = np.array([row[1] for row in posts], dtype="int32")
    covered = pl.DataFrame({
        "influencer_pk": np.repeat(post_creators, POST_WINDOW_DAYS),
        "day": (post_days[:, None] + np.arange(POST_WINDOW_DAYS, dtype="int32")).ravel(),
    }).lazy().unique().join(span.lazy(), on="influencer_pk", how="inner").filter(
        pl.col("day").is_between(pl.col("first").cast(pl.Int32), pl.col("last").cast(pl.Int32))
    ).group_by("influencer_pk").agg(pl.len().cast(pl.Int64).alias("covered")).collect()
    return span.join(covered, on="influencer_pk", how="left").select(
        "influencer_pk", "first", "last",
        ((pl.col("last") - pl.col("first")).dt.total_days() + 1
         - pl.col("covered").fill_null(0)).alias("outside_days"))
