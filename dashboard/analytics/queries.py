"""The SQL of the metrics: filters on daily_facts for a selection and scope, grouped sums."""
from datetime import date

import pandas as pd
from sqlalchemy import BigInteger, Float, and_, cast, false, func, or_, select, true

from dashboard.analytics import columnar
from dashboard.analytics.cache import cached
from dashboard.analytics.selection import DIMENSIONS, Selection, effective_brands
from dashboard.extensions import db
from models import Brand, Campaign, DailyFact, Influencer

# The summed columns of daily_facts; the metrics are these sums and their ratios.
SUM_COLUMNS = ["tracking_rows", "orders", "revenue", "spend_events", "spend", "posts",
               "reach", "likes", "comments"]
FLOAT_SUMS = ("revenue", "spend")
# Dimensions that are a column of influencers; a selection filters on the same three.
CREATOR_COLUMNS = ("platform", "category", "tier")


def group_column(by):
    """(label of the key column, SQL expression) for a dimension; None groups nothing."""
    if by == "overall":
        return "key", None
    if by == "influencer":
        return "influencer_id", Influencer.influencer_key
    if by in CREATOR_COLUMNS:
        return by, getattr(Influencer, by)
    if by == "brand":
        return "brand", Brand.name
    if by == "campaign":
        return "campaign", Campaign.name
    if by == "month":
        return "month", DailyFact.month
    if by == "day":
        return "period", DailyFact.day
    raise ValueError(f"Unknown dimension {by!r}: choose one of {', '.join(DIMENSIONS)}.")


def fact_filters(selection, scope, *, influencer_pk=None, dates=True):
    """WHERE conditions on daily_facts (joined to influencers) for a selection and scope."""
    conditions = []
    if dates and selection.dated:
        conditions.append(DailyFact.day.is_not(None))
        if selection.start is not None:
            conditions.append(DailyFact.day >= selection.start)
        if selection.end is not None:
            conditions.append(DailyFact.day <= selection.end)
    brands = effective_brands(selection, scope)
    if brands is not None:
        if not brands:
            return [false()]
        # Posts without a brand (brand_id NULL) stay outside the brand filter (METRICS.md);
        # for a brand-limited user, only those of creators who work with the user's brands.
        unbranded = DailyFact.brand_id.is_(None)
        if scope is not None:
            unbranded = and_(unbranded, DailyFact.influencer_pk.in_(influencers_in_scope(scope)))
        conditions.append(or_(unbranded, DailyFact.brand_id.in_(
            select(Brand.id).where(Brand.name.in_(sorted(brands))).scalar_subquery())))
    for attribute, wanted in zip(CREATOR_COLUMNS, (selection.platforms, selection.categories,
                                                   selection.tiers)):
        if wanted:
            conditions.append(getattr(Influencer, attribute).in_(sorted(wanted)))
    if influencer_pk is not None:
        conditions.append(DailyFact.influencer_pk == influencer_pk)
    return conditions


def influencers_in_scope(scope):
    """SELECT of influencer ids with business in the scope's brands (None: everyone).

    Unbranded posts pass the brand filter (METRICS.md), but a brand-limited user sees them
    only for these creators: they never make another brand's creator visible.
    """
    if scope is None:
        return select(Influencer.id)
    return select(DailyFact.influencer_pk).where(DailyFact.brand_id.in_(
        select(Brand.id).where(Brand.name.in_(sorted(scope))).scalar_subquery())).distinct()


def facts_from(by, *, influencers):
    """daily_facts joined to the table `by` groups on, and to influencers when asked."""
    from_clause = DailyFact.__table__
    if influencers:
        from_clause = from_clause.join(Influencer.__table__,
                                       Influencer.id == DailyFact.influencer_pk)
    if by == "brand":
        from_clause = from_clause.join(Brand.__table__, Brand.id == DailyFact.brand_id)
    if by == "campaign":
        from_clause = from_clause.join(Campaign.__table__,
                                       Campaign.id == DailyFact.campaign_id)
    return from_clause


def _needs_influencers(selection, by):
    return bool(selection.platforms or selection.categories or selection.tiers) or (
        by == "influencer" or by in CREATOR_COLUMNS)


def sum_columns():
    columns = []
    for name in SUM_COLUMNS:
        column = getattr(DailyFact, name)
        total = func.sum(column)
        columns.append(cast(total, Float if name in FLOAT_SUMS else BigInteger).label(name))
    return columns


def grouped_sums(selection, by, scope, *, influencer_pk=None):
    """Summed fact columns per group, from the columnar snapshot or the database (no ratios
    yet): the groups with activity, typed, `name` last for creators."""
    key_label, key_column = group_column(by)
    if columnar.enabled():
        snap = columnar.snapshot()
        frame = columnar.grouped(snap, columnar.rows_to_group(
            snap, selection, scope, by, influencer_pk=influencer_pk), by, SUM_COLUMNS,
            label=key_label)
    else:
        frame = _sql_grouped_sums(selection, by, scope, influencer_pk)
    frame = with_activity(frame)
    if by == "influencer" and "name" in frame:
        frame = frame[[key_label] + SUM_COLUMNS + ["name"]]
    return typed_sums(frame.reset_index(drop=True))


def _sql_grouped_sums(selection, by, scope, influencer_pk):
    key_label, key_column = group_column(by)
    from_clause = facts_from(by, influencers=_needs_influencers(selection, by))
    conditions = fact_filters(selection, scope, influencer_pk=influencer_pk)
    if by in ("month", "day"):
        # Undated spend never belongs to a month or a day.
        conditions.append(DailyFact.day.is_not(None))
    key_columns = [] if key_column is None else [key_column.label(key_label)]
    if by == "influencer":
        key_columns += [Influencer.name.label("name")]
    statement = select(*key_columns, *sum_columns()).select_from(from_clause).where(
        and_(true(), *conditions))
    if key_column is not None:
        statement = statement.group_by(*[c for c in ([key_column] + (
            [Influencer.id, Influencer.name] if by == "influencer" else []))])
    rows = db.session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in statement.selected_columns])
    if key_column is None:
        frame = frame[frame["tracking_rows"].notna()]
        frame.insert(0, "key", "all")
    return frame


# A group with none of these is left out of every list: no tracking row, spend or post.
ACTIVITY_SUMS = ("tracking_rows", "spend_events", "posts")


def with_activity(sums):
    """The groups that hold tracking rows, spend or posts: the only ones the views list."""
    active = sums[ACTIVITY_SUMS[0]] > 0
    for name in ACTIVITY_SUMS[1:]:
        active |= sums[name] > 0
    return sums[active]


def typed_sums(frame):
    """Sums as float64 for money, int64 for counts, whatever the database returned."""
    for name in SUM_COLUMNS:
        wanted = "float64" if name in FLOAT_SUMS else "int64"
        # Most frames are typed already; assigning a column anyway costs a copy.
        if name in frame and frame[name].dtype != wanted:
            frame[name] = frame[name].astype(wanted)
    return frame


def platform_brand_campaign_cube(selection, scope):
    """Sums per (platform, brand, campaign) in one scan: overall, platform, brand and
    campaign groups are all sums of its rows, so the overview reads the facts once."""
    if columnar.enabled():
        snap = columnar.snapshot()
        rows = columnar.rows_to_group(snap, selection, scope, "platform")
        cube = columnar.grouped(snap, rows, "platform", SUM_COLUMNS, label="platform",
                                extra_keys=("brand_id", "campaign_id"))
        return _named(typed_sums(cube), snap.brand_names, snap.campaign_names)
    from_clause = facts_from("platform", influencers=True)
    keys = [Influencer.platform.label("platform"), DailyFact.brand_id.label("brand_id"),
            DailyFact.campaign_id.label("campaign_id")]
    statement = select(*keys, *sum_columns()).select_from(from_clause).where(
        and_(true(), *fact_filters(selection, scope))).group_by(
        Influencer.platform, DailyFact.brand_id, DailyFact.campaign_id)
    cube = typed_sums(pd.DataFrame(db.session.execute(statement).all(),
                                   columns=[c.name for c in statement.selected_columns]))
    brand_names = dict(db.session.execute(select(Brand.id, Brand.name)).all())
    campaign_ids = [int(i) for i in cube["campaign_id"].dropna().unique()]
    campaign_names = dict(db.session.execute(select(Campaign.id, Campaign.name).where(
        Campaign.id.in_(campaign_ids))).all()) if campaign_ids else {}
    return _named(cube, brand_names, campaign_names)


def _named(cube, brand_names, campaign_names):
    cube["brand"] = cube["brand_id"].map(brand_names)
    cube["campaign"] = cube["campaign_id"].map(campaign_names)
    return cube


def brand_grouped_sums(selection, scope, by):
    """Sums per (brand_id, group of `by`); brand_id is None for unbranded posts, which the
    brand filter lets through for every brand (METRICS.md)."""
    key_label, key_column = group_column(by)
    key_label = "period" if by in ("day", "month") else key_label
    if columnar.enabled():
        snap = columnar.snapshot()
        frame = columnar.grouped(snap, columnar.rows_to_group(snap, selection, scope, by), by,
                                 SUM_COLUMNS, label=key_label, extra_keys=("brand_id",))
        columns = ["brand_id", key_label, *SUM_COLUMNS]
        return frame[columns + (["name"] if by == "influencer" else [])]
    from_clause = facts_from(by, influencers=_needs_influencers(selection, by))
    conditions = fact_filters(selection, scope)
    if by in ("month", "day"):
        conditions.append(DailyFact.day.is_not(None))
    keys = [DailyFact.brand_id.label("brand_id"), key_column.label(key_label)]
    group_by = [DailyFact.brand_id, key_column]
    if by == "influencer":
        keys.append(Influencer.name.label("name"))
        group_by += [Influencer.id, Influencer.name]
    statement = select(*keys, *sum_columns()).select_from(from_clause).where(
        and_(true(), *conditions)).group_by(*group_by)
    return pd.DataFrame(db.session.execute(statement).all(),
                        columns=[c.name for c in statement.selected_columns])


def filter_options(*, scope) -> dict:
    """Values the filter bar offers, limited to what the scope can see."""
    return cached("filter_options", None, scope, lambda: _filter_options(scope))


def _filter_options(scope):
    attributes = db.session.execute(
        select(Influencer.platform, Influencer.category, Influencer.tier).where(
            Influencer.id.in_(influencers_in_scope(scope))).distinct()).all()
    brands = db.session.execute(select(Brand.name).where(Brand.id.in_(
        select(DailyFact.brand_id).where(*fact_filters(Selection(), scope)).distinct()))
    ).scalars().all()
    first, last = date_span(scope)
    return {
        "brands": sorted(brands),
        "platforms": sorted({row.platform for row in attributes}),
        "categories": sorted({row.category for row in attributes}),
        "tiers": sorted({row.tier for row in attributes}),
        "min_date": first,
        "max_date": last,
    }


def date_span(scope):
    """First and last dated fact the scope can see (None, None when there is none)."""
    if columnar.enabled():
        return columnar.date_span(columnar.snapshot(), scope)
    first, last = db.session.execute(select(func.min(DailyFact.day), func.max(DailyFact.day))
                                     .where(*fact_filters(Selection(), scope))).one()
    return as_date(first), as_date(last)


def as_date(value):
    """A day as a date, whether the database returned a date or text (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
