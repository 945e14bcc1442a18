"""METRICS.md's ROI metrics, summed in the database from daily_facts, cached per data version."""
import hashlib
import math
import threading
import time
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Float, and_, cast, false, func, or_, select, true

from dashboard.dates import parse_day
from dashboard.extensions import cache, db
from dashboard.rollups import POST_WINDOW_DAYS
from models import Brand, Campaign, DailyFact, DataState, Influencer, Payout, Post

DEFAULT_BASELINE = 0.20
# The baseline share a selection may have: the filter bar's slider and links alike.
BASELINE_MIN = 0.0
BASELINE_MAX = 0.5
BASELINE_STEP = 0.05
DIMENSIONS = ("overall", "influencer", "platform", "brand", "category", "tier", "campaign",
              "month")
METRIC_COLUMNS = ["revenue", "orders", "spend", "posts", "reach", "likes", "comments",
                  "roas", "incremental_roas", "cpo", "aov", "engagement_rate"]
RATIO_COLUMNS = ["roas", "incremental_roas", "cpo", "aov", "engagement_rate"]
SUM_COLUMNS = ["tracking_rows", "orders", "revenue", "spend_events", "spend", "posts",
               "reach", "likes", "comments"]
FLOAT_SUMS = ("revenue", "spend")
# Performance score weights (METRICS.md); cpo enters as 100 - scaled cpo.
SCORE_WEIGHTS = {"roas": 0.30, "engagement_rate": 0.25, "orders": 0.25, "cpo": 0.20}
# Overview charts switch from days to weeks above this many days.
DAILY_CHART_MAX_DAYS = 120
# How long a request waits for another one computing the same result before computing it
# itself (well under the database statement timeout).
COMPUTE_WAIT_SECONDS = 20
# Part of every cache key: bump it when a cached result changes shape or meaning, so a
# deploy never serves results computed by the previous code.
CACHE_FORMAT = "2"
# Re-entrant: a computation may ask for another cached result on the same stripe.
_COMPUTE_LOCKS = [threading.RLock() for _ in range(64)]
HITS_KEY = "analytics:stats:hits"
MISSES_KEY = "analytics:stats:misses"
# What a brand-limited user reads beside payout figures (payouts_in_scope).
PAYOUT_SHARE_NOTE = ("Payouts are shared across brands; you see the part booked to your "
                     "brands.")


@dataclass(frozen=True)
class Selection:
    """The filters of one request; empty sets mean every value."""

    start: date | None = None
    end: date | None = None
    brands: frozenset[str] = field(default_factory=frozenset)
    platforms: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)
    tiers: frozenset[str] = field(default_factory=frozenset)
    baseline: float = DEFAULT_BASELINE
    # Why parts of a link were left out, in plain words for the page. Not a filter: two
    # selections that differ only here are equal and share their cached results.
    notes: tuple[str, ...] = field(default=(), compare=False)

    def previous_period(self) -> "Selection | None":
        """The same number of days just before this range; None without both dates, or
        when those days would fall before the first day a date can hold."""
        if self.start is None or self.end is None:
            return None
        days = (self.end - self.start).days + 1
        try:
            return replace(self, start=self.start - timedelta(days=days),
                           end=self.start - timedelta(days=1), notes=())
        except OverflowError:
            return None

    def to_query(self) -> str:
        """URL query string with only the filters that are set, values sorted."""
        pairs = []
        if self.start is not None:
            pairs.append(("start", self.start.isoformat()))
        if self.end is not None:
            pairs.append(("end", self.end.isoformat()))
        for name, values in (("brand", self.brands), ("platform", self.platforms),
                             ("category", self.categories), ("tier", self.tiers)):
            pairs += [(name, value) for value in sorted(values)]
        if self.baseline != DEFAULT_BASELINE:
            pairs.append(("baseline", repr(float(self.baseline))))
        return urlencode(pairs)

    @classmethod
    def from_query(cls, query: str) -> "Selection":
        """Inverse of to_query; a bad date or baseline is left out with a note saying so."""
        values = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
        return cls.from_values(
            start=values.get("start", []), end=values.get("end", []),
            brands=values.get("brand", []), platforms=values.get("platform", []),
            categories=values.get("category", []), tiers=values.get("tier", []),
            baseline=values.get("baseline", []))

    @classmethod
    def from_values(cls, *, start=None, end=None, brands=None, platforms=None,
                    categories=None, tiers=None, baseline=None) -> "Selection":
        """The Selection of a link's or the filter bar's values, whatever their shape.

        One place for the rules both follow: dates within dates.FIRST_DAY..last_day(), a
        baseline within the slider's bounds, a list sent as one string is one value.
        Each argument may be one value or a list of them (a link may repeat a parameter);
        the first usable one counts, and every bad one leaves a note.
        """
        notes = []

        def first_usable(given, parse):
            for value in _as_list(given):
                if value is None or value == "":
                    continue
                parsed = parse(value)
                if parsed is not None:
                    return parsed
            return None

        def day(label):
            def parse(value):
                parsed, why = parse_day(value)
                if why:
                    notes.append(f"The {label} date {_shown(value)} in the link {why}, so "
                                 "it was left out.")
                return parsed
            return parse

        def baseline_share(value):
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if BASELINE_MIN <= number <= BASELINE_MAX:
                return number
            notes.append(f"The baseline share {_shown(value)} in the link is not between "
                         f"{BASELINE_MIN:.0%} and {BASELINE_MAX:.0%}, so the usual "
                         f"{DEFAULT_BASELINE:.0%} was used.")
            return None

        chosen_start = first_usable(start, day("start"))
        chosen_end = first_usable(end, day("end"))
        chosen_baseline = first_usable(baseline, baseline_share)
        return cls(start=chosen_start, end=chosen_end,
                   brands=_text_values(brands), platforms=_text_values(platforms),
                   categories=_text_values(categories), tiers=_text_values(tiers),
                   baseline=DEFAULT_BASELINE if chosen_baseline is None else chosen_baseline,
                   notes=tuple(notes))

    def cache_key(self) -> str:
        parts = []
        for item in fields(self):
            if not item.compare:
                continue
            value = getattr(self, item.name)
            if isinstance(value, frozenset):
                value = sorted(value)
            parts.append(f"{item.name}={value!r}")
        return "&".join(parts)

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None


def _as_list(value):
    """A parameter's values: one value alone is a list of one, never its characters."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _text_values(value):
    """A list filter's values as a set of strings; anything that is not text is dropped."""
    return frozenset(item for item in _as_list(value) if isinstance(item, str) and item)


def _shown(value):
    """A value from a link, quoted and cut short, for a note that repeats it."""
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


# ---------------------------------------------------------------- data version and cache

def data_identity() -> str | None:
    """Which database and which state of its data a cached result belongs to.

    The database's random id keeps two databases with the same version apart in one
    shared cache; the time of the last import tells apart copies of one database file
    that were imported into separately. None (nothing may be cached) before the first
    import, or when the id is missing: `dashboard init-db` writes it.
    """
    state = db.session.execute(
        select(DataState.database_id, DataState.version, DataState.updated_at)
        .order_by(DataState.version.desc()).limit(1)).first()
    if state is None or not state.database_id:
        return None
    updated = state.updated_at.isoformat() if state.updated_at else "-"
    return f"{state.database_id}:{state.version}:{updated}"


def cache_stats() -> dict:
    """Hits and misses of the analytics cache for this database, counted in the cache
    itself (all workers)."""
    identity = data_identity()
    if identity is None:
        return {"hits": 0, "misses": 0}
    return {"hits": int(cache.get(_counter_key(HITS_KEY, identity)) or 0),
            "misses": int(cache.get(_counter_key(MISSES_KEY, identity)) or 0)}


def _counter_key(counter_key, identity):
    # Per database (not per version): staging and production on one Redis count apart.
    return f"{counter_key}:{identity.split(':', 1)[0]}"


def _scope_key(scope):
    return "all" if scope is None else "|".join(sorted(scope))


def _cached(name, selection, scope, compute, *arguments, use_cache=True):
    """compute() once per (database, function, selection, scope, data version, arguments)."""
    identity = data_identity() if use_cache else None
    if identity is None:
        return compute()
    description = "\n".join([CACHE_FORMAT, name, selection.cache_key() if selection else "-",
                             _scope_key(scope), identity, repr(arguments)])
    key = "analytics:" + name + ":" + hashlib.sha256(description.encode()).hexdigest()[:40]
    hits, misses = _counter_key(HITS_KEY, identity), _counter_key(MISSES_KEY, identity)
    value = cache.get(key)
    if value is not None:
        _count(hits)
        return value
    # Many users open the same view at once: one request computes, the others wait for its
    # result instead of running the same heavy queries side by side. Threads of a worker
    # queue on a lock; workers and hosts on a marker in the shared cache.
    with _COMPUTE_LOCKS[int(key[-8:], 16) % len(_COMPUTE_LOCKS)]:
        value = cache.get(key)
        if value is not None:
            _count(hits)
            return value
        computing_key = key + ":computing"
        if not cache.add(computing_key, 1, timeout=COMPUTE_WAIT_SECONDS):
            deadline = time.monotonic() + COMPUTE_WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.05)
                value = cache.get(key)
                if value is not None:
                    _count(hits)
                    return value
        _count(misses)
        try:
            value = compute()
            cache.set(key, value)
        finally:
            cache.delete(computing_key)
        return value


def cached(name, selection, scope, compute, *arguments):
    """compute() cached like every aggregate here: per selection, scope and data version.

    For results built on top of these functions, such as a view's rendered page body.
    """
    return _cached(name, selection, scope, compute, *arguments)


def _count(counter_key):
    # The backend's inc is atomic on Redis, so every worker adds to the same counter.
    try:
        cache.cache.inc(counter_key)
    except Exception:  # a counter must never break a page
        pass


# ------------------------------------------------------------------------ query building

def effective_brands(selection, scope):
    """None: no brand filter; else the brand names rows must carry (maybe none at all)."""
    if scope is None:
        return frozenset(selection.brands) if selection.brands else None
    if selection.brands:
        return frozenset(selection.brands) & frozenset(scope)
    return frozenset(scope)


def _group_column(by):
    """(label of the key column, SQL expression, tables to join) for a dimension."""
    if by == "overall":
        return "key", None
    if by == "influencer":
        return "influencer_id", Influencer.influencer_key
    if by in ("platform", "category", "tier"):
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


def _fact_filters(selection, scope, *, influencer_id=None, dates=True):
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
            unbranded = and_(unbranded, DailyFact.influencer_id.in_(influencers_in_scope(scope)))
        conditions.append(or_(unbranded, DailyFact.brand_id.in_(
            select(Brand.id).where(Brand.name.in_(sorted(brands))).scalar_subquery())))
    for attribute, wanted in (("platform", selection.platforms),
                              ("category", selection.categories),
                              ("tier", selection.tiers)):
        if wanted:
            conditions.append(getattr(Influencer, attribute).in_(sorted(wanted)))
    if influencer_id is not None:
        conditions.append(DailyFact.influencer_id == influencer_id)
    return conditions


def influencers_in_scope(scope):
    """SELECT of influencer ids with business in the scope's brands (None: everyone).

    Unbranded posts pass the brand filter (METRICS.md), but a brand-limited user sees them
    only for these creators: they never make another brand's creator visible.
    """
    if scope is None:
        return select(Influencer.id)
    return select(DailyFact.influencer_id).where(DailyFact.brand_id.in_(
        select(Brand.id).where(Brand.name.in_(sorted(scope))).scalar_subquery())).distinct()


def _needs_influencers(selection, by):
    return bool(selection.platforms or selection.categories or selection.tiers) or by in (
        "influencer", "platform", "category", "tier")


def _sum_columns():
    columns = []
    for name in SUM_COLUMNS:
        column = getattr(DailyFact, name)
        total = func.sum(column)
        columns.append(cast(total, Float if name in FLOAT_SUMS else BigInteger).label(name))
    return columns


def _grouped_sums(selection, by, scope, *, influencer_id=None):
    """Summed fact columns per group, straight from the database (no ratios yet)."""
    key_label, key_column = _group_column(by)
    from_clause = DailyFact.__table__
    if _needs_influencers(selection, by):
        from_clause = from_clause.join(Influencer.__table__,
                                       Influencer.id == DailyFact.influencer_id)
    if by == "brand":
        from_clause = from_clause.join(Brand.__table__, Brand.id == DailyFact.brand_id)
    if by == "campaign":
        from_clause = from_clause.join(Campaign.__table__,
                                       Campaign.id == DailyFact.campaign_id)
    conditions = _fact_filters(selection, scope, influencer_id=influencer_id)
    if by in ("month", "day"):
        # Undated spend never belongs to a month or a day.
        conditions.append(DailyFact.day.is_not(None))
    key_columns = [] if key_column is None else [key_column.label(key_label)]
    if by == "influencer":
        key_columns += [Influencer.name.label("name")]
    statement = select(*key_columns, *_sum_columns()).select_from(from_clause).where(
        and_(true(), *conditions))
    if key_column is not None:
        statement = statement.group_by(*[c for c in ([key_column] + (
            [Influencer.id, Influencer.name] if by == "influencer" else []))])
    rows = db.session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in statement.selected_columns])
    if key_column is None:
        frame = frame[frame["tracking_rows"].notna()]
        frame.insert(0, "key", "all")
    frame = frame[(frame["tracking_rows"] > 0) | (frame["spend_events"] > 0)
                  | (frame["posts"] > 0)]
    if by == "influencer" and "name" in frame:
        frame = frame[[key_label] + SUM_COLUMNS + ["name"]]
    return _typed(frame.reset_index(drop=True))


def _typed(frame):
    for name in SUM_COLUMNS:
        if name in frame:
            frame[name] = frame[name].astype("float64" if name in FLOAT_SUMS else "int64")
    return frame


def with_ratios(sums, baseline):
    """METRIC_COLUMNS from summed columns: ratios of sums, None where undefined."""
    frame = sums.copy()
    spend, orders, reach = frame["spend"], frame["orders"], frame["reach"]
    frame["roas"] = _ratio(frame["revenue"], spend)
    frame["incremental_roas"] = _ratio(frame["revenue"] * (1 - baseline), spend)
    frame["cpo"] = _ratio(spend, orders)
    frame["aov"] = _ratio(frame["revenue"], orders)
    frame["engagement_rate"] = _ratio(frame["likes"] + frame["comments"], reach)
    return frame


def _ratio(numerator, denominator):
    values = numerator.astype("float64") / denominator.where(denominator != 0)
    return values.astype("float64")


def _nulls_as_none(frame, columns):
    for name in columns:
        if name in frame:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def performance_scores(frame) -> pd.Series:
    """METRICS.md's score per influencer row (NaN without spend): min-max scaled parts."""
    scored = frame["spend"] > 0
    scores = pd.Series(np.nan, index=frame.index, dtype="float64")
    if not scored.any():
        return scores
    part = frame.loc[scored]
    engagement = part["engagement_rate"].fillna(0.0)
    if part["cpo"].notna().any():
        cpo = _min_max(part["cpo"].fillna(part["cpo"].max()))
    else:
        cpo = pd.Series(50.0, index=part.index)
    scores.loc[scored] = (
        SCORE_WEIGHTS["roas"] * _min_max(part["roas"])
        + SCORE_WEIGHTS["engagement_rate"] * _min_max(engagement)
        + SCORE_WEIGHTS["orders"] * _min_max(part["orders"].astype("float64"))
        + SCORE_WEIGHTS["cpo"] * (100 - cpo))
    return scores


def _min_max(values):
    low, high = values.min(), values.max()
    if high == low:
        return pd.Series(50.0, index=values.index)
    return (values - low) / (high - low) * 100


def _metrics_frame(selection, by, scope, *, influencer_id=None):
    return _finish(_grouped_sums(selection, by, scope, influencer_id=influencer_id), by,
                   selection.baseline)


def _finish(sums, by, baseline):
    """Summed groups -> the metrics frame: ratios, score, sorted by key, None for null."""
    key = sums.columns[0]
    frame = with_ratios(sums, baseline)
    frame = frame.sort_values(key, key=lambda keys: keys.astype(str), kind="stable")
    columns = [key] + METRIC_COLUMNS
    if by == "influencer":
        frame["performance_score"] = performance_scores(frame)
        columns += ["name", "performance_score"]
    frame = frame[columns].reset_index(drop=True)
    return _nulls_as_none(frame, RATIO_COLUMNS + ["performance_score"])


def _platform_brand_campaign_cube(selection, scope):
    """Sums per (platform, brand, campaign) in one scan: overall, platform, brand and
    campaign groups are all sums of its rows, so the overview reads the facts once."""
    from_clause = DailyFact.__table__.join(Influencer.__table__,
                                           Influencer.id == DailyFact.influencer_id)
    keys = [Influencer.platform.label("platform"), DailyFact.brand_id.label("brand_id"),
            DailyFact.campaign_id.label("campaign_id")]
    statement = select(*keys, *_sum_columns()).select_from(from_clause).where(
        and_(true(), *_fact_filters(selection, scope))).group_by(
        Influencer.platform, DailyFact.brand_id, DailyFact.campaign_id)
    cube = _typed(pd.DataFrame(db.session.execute(statement).all(),
                               columns=[c.name for c in statement.selected_columns]))
    brand_names = dict(db.session.execute(select(Brand.id, Brand.name)).all())
    campaign_ids = [int(i) for i in cube["campaign_id"].dropna().unique()]
    campaign_names = dict(db.session.execute(select(Campaign.id, Campaign.name).where(
        Campaign.id.in_(campaign_ids))).all()) if campaign_ids else {}
    cube["brand"] = cube["brand_id"].map(brand_names)
    cube["campaign"] = cube["campaign_id"].map(campaign_names)
    return cube


def _roll_up(cube, by):
    """The summed groups of `by` from the cube, keeping only groups that appear."""
    if by == "overall":
        sums = cube[SUM_COLUMNS].sum().to_frame().T if len(cube) else cube[SUM_COLUMNS]
        sums.insert(0, "key", "all")
    else:
        present = cube[cube[by].notna()]
        sums = present.groupby(by, as_index=False, sort=False)[SUM_COLUMNS].sum()
    sums = sums[(sums["tracking_rows"] > 0) | (sums["spend_events"] > 0) | (sums["posts"] > 0)]
    return _typed(sums.reset_index(drop=True))


# ------------------------------------------------------------------------------ the API

def metrics(selection, by, *, scope, use_cache=True) -> pd.DataFrame:
    """One row per group of `by` under the selection and scope, sorted by key."""
    _group_column(by)
    return _cached("metrics", selection, scope,
                   lambda: _metrics_frame(selection, by, scope), by, use_cache=use_cache)


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


def timeseries(selection, *, scope, freq="day", use_cache=True) -> pd.DataFrame:
    """Metrics per day, week (starting Monday) or month; undated spend is left out.

    `period` is 'YYYY-MM-DD' (the first day) for day and week, 'YYYY-MM' for month.
    """
    if freq not in ("day", "week", "month"):
        raise ValueError(f"Unknown frequency {freq!r}: choose day, week or month.")
    return _cached("timeseries", selection, scope,
                   lambda: _timeseries_frame(selection, scope, freq), freq,
                   use_cache=use_cache)


def _timeseries_frame(selection, scope, freq, influencer_id=None):
    by = "month" if freq == "month" else "day"
    sums = _grouped_sums(selection, by, scope, influencer_id=influencer_id)
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
    return _nulls_as_none(frame, RATIO_COLUMNS)


def brand_summaries(selection, *, scope, freq="week", use_cache=True) -> list[dict]:
    """For each brand of metrics(selection, "brand"): its row, its timeseries and its
    creators' metrics, each equal to what metrics() and timeseries() give for the
    selection narrowed to that brand, from three queries instead of one plus two a brand.
    """
    return _cached("brand_summaries", selection, scope,
                   lambda: _brand_summaries(selection, scope, freq, use_cache), freq,
                   use_cache=use_cache)


def _brand_summaries(selection, scope, freq, use_cache):
    brands = metrics(selection, "brand", scope=scope, use_cache=use_cache)
    if brands.empty:
        return []
    narrowed = replace(selection, brands=frozenset(brands["brand"]))
    by_day = _brand_grouped_sums(narrowed, scope, "month" if freq == "month" else "day")
    by_creator = _brand_grouped_sums(narrowed, scope, "influencer")
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


def _brand_grouped_sums(selection, scope, by):
    """Sums per (brand_id, group of `by`); brand_id is None for unbranded posts, which the
    brand filter lets through for every brand (METRICS.md)."""
    key_label, key_column = _group_column(by)
    key_label = "period" if by in ("day", "month") else key_label
    from_clause = DailyFact.__table__
    if _needs_influencers(selection, by):
        from_clause = from_clause.join(Influencer.__table__,
                                       Influencer.id == DailyFact.influencer_id)
    conditions = _fact_filters(selection, scope)
    if by in ("month", "day"):
        conditions.append(DailyFact.day.is_not(None))
    keys = [DailyFact.brand_id.label("brand_id"), key_column.label(key_label)]
    group_by = [DailyFact.brand_id, key_column]
    if by == "influencer":
        keys.append(Influencer.name.label("name"))
        group_by += [Influencer.id, Influencer.name]
    statement = select(*keys, *_sum_columns()).select_from(from_clause).where(
        and_(true(), *conditions)).group_by(*group_by)
    return pd.DataFrame(db.session.execute(statement).all(),
                        columns=[c.name for c in statement.selected_columns])


def _one_brand(sums, brand_id, keys):
    """One brand's groups: its own rows plus the unbranded ones, summed per key, keeping
    the groups _grouped_sums keeps."""
    rows = sums[(sums["brand_id"] == brand_id) | sums["brand_id"].isna()]
    frame = _typed(rows.groupby(keys, as_index=False, sort=False, dropna=False)[
        SUM_COLUMNS].sum())
    frame = frame[(frame["tracking_rows"] > 0) | (frame["spend_events"] > 0)
                  | (frame["posts"] > 0)]
    return frame[[keys[0]] + SUM_COLUMNS + keys[1:]].reset_index(drop=True)


def overview(selection, *, scope) -> dict:
    """Everything the overview page shows for one selection, cached as one object."""
    return _cached("overview", selection, scope, lambda: _overview(selection, scope))


def _overview(selection, scope):
    cube = _platform_brand_campaign_cube(selection, scope)
    previous = selection.previous_period()
    previous_kpis = None
    if previous is not None:
        previous_kpis = _kpis(metrics(previous, "overall", scope=scope))
    campaigns = _finish(_roll_up(cube, "campaign"), "campaign", selection.baseline)
    top_campaigns = campaigns.sort_values(
        ["revenue", "campaign"], ascending=[False, True], kind="stable").head(10)
    return {
        "kpis": _kpis(_finish(_roll_up(cube, "overall"), "overall", selection.baseline)),
        "previous_kpis": previous_kpis,
        "timeseries": timeseries(selection, scope=scope, freq=_chart_freq(selection, scope)),
        "by_platform": _finish(_roll_up(cube, "platform"), "platform", selection.baseline),
        "by_brand": _finish(_roll_up(cube, "brand"), "brand", selection.baseline),
        "top_campaigns": top_campaigns.reset_index(drop=True),
    }


def _kpis(overall):
    """The overall row as a dict; zeros and None when the selection holds nothing."""
    if len(overall):
        return overall.iloc[0].to_dict()
    kpis = {"key": "all"}
    for name in METRIC_COLUMNS:
        kpis[name] = None if name in RATIO_COLUMNS else 0
    return kpis


def _chart_freq(selection, scope):
    start, end = selection.start, selection.end
    if start is None or end is None:
        first, last = _date_span(scope)
        start, end = start or first, end or last
    if start is None or end is None:
        return "day"
    return "day" if (end - start).days + 1 <= DAILY_CHART_MAX_DAYS else "week"


def filter_options(*, scope) -> dict:
    """Values the filter bar offers, limited to what the scope can see."""
    return _cached("filter_options", None, scope, lambda: _filter_options(scope))


def _filter_options(scope):
    attributes = db.session.execute(
        select(Influencer.platform, Influencer.category, Influencer.tier).where(
            Influencer.id.in_(influencers_in_scope(scope))).distinct()).all()
    brands = db.session.execute(select(Brand.name).where(Brand.id.in_(
        select(DailyFact.brand_id).where(*_fact_filters(Selection(), scope)).distinct()))
    ).scalars().all()
    first, last = _date_span(scope)
    return {
        "brands": sorted(brands),
        "platforms": sorted({row.platform for row in attributes}),
        "categories": sorted({row.category for row in attributes}),
        "tiers": sorted({row.tier for row in attributes}),
        "min_date": first,
        "max_date": last,
    }


def _date_span(scope):
    """First and last dated fact the scope can see (None, None when there is none)."""
    first, last = db.session.execute(select(func.min(DailyFact.day), func.max(DailyFact.day))
                                     .where(*_fact_filters(Selection(), scope))).one()
    return _as_date(first), _as_date(last)


def _as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def influencer_profile(influencer_key, selection, *, scope) -> dict | None:
    """One creator's card, metrics, posts, timeseries and payouts; None if out of reach."""
    influencer = db.session.execute(select(Influencer).where(
        Influencer.influencer_key == str(influencer_key))).scalar()
    if influencer is None:
        return None
    if scope is not None:
        visible = db.session.execute(influencers_in_scope(scope).where(
            DailyFact.influencer_id == influencer.id).limit(1)).first()
        if visible is None:
            return None
    return _cached("influencer_profile", selection, scope,
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
        row.update(_kpis(own.iloc[0:0]))
        row.pop("key", None)
    return {
        "profile": {"influencer_id": influencer.influencer_key, "name": influencer.name,
                    "category": influencer.category, "gender": influencer.gender,
                    "follower_count": int(influencer.follower_count),
                    "platform": influencer.platform, "tier": influencer.tier},
        "metrics": row,
        "posts": _posts_frame(influencer, selection, scope),
        "timeseries": _timeseries_frame(selection, scope, "day", influencer_id=influencer.id),
        "payouts": reconciliation_frame(influencer_ids=[influencer.id], scope=scope),
    }


def _posts_frame(influencer, selection, scope):
    conditions = [Post.influencer_id == influencer.id]
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
    frame["engagement_rate"] = _ratio(frame["likes"] + frame["comments"], frame["reach"])
    return _nulls_as_none(frame, ["engagement_rate"])


def reconciliation_frame(*, influencer_ids=None, scope=None) -> pd.DataFrame:
    """Each payout against rate x units: posts for basis post, orders for basis order.

    Orders are the payout row's own `orders` when the file gave them, else every stored
    order of the influencer (all time, all brands), the count the payout was made on.
    Only scope None sees whole payouts; a brand-limited scope gets payouts_in_scope.
    """
    if scope is not None:
        return payouts_in_scope(scope, influencer_ids=influencer_ids)
    stored_orders = select(DailyFact.influencer_id,
                           cast(func.sum(DailyFact.orders), BigInteger).label("orders")
                           ).group_by(DailyFact.influencer_id).subquery()
    post_counts = select(Post.influencer_id, func.count().label("posts")).group_by(
        Post.influencer_id).subquery()
    statement = select(
        Influencer.influencer_key.label("influencer_id"), Influencer.name, Payout.basis,
        Payout.rate, Payout.orders.label("payout_orders"),
        stored_orders.c.orders.label("stored_orders"), post_counts.c.posts,
        Payout.total_payout,
    ).select_from(Payout.__table__.join(Influencer.__table__,
                                        Influencer.id == Payout.influencer_id)
                  .outerjoin(stored_orders, stored_orders.c.influencer_id == Payout.influencer_id)
                  .outerjoin(post_counts, post_counts.c.influencer_id == Payout.influencer_id))
    if influencer_ids is not None:
        statement = statement.where(Payout.influencer_id.in_(list(influencer_ids)))
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


def payouts_in_scope(scope, *, influencer_ids=None) -> pd.DataFrame:
    """Per paid creator, only the spend, orders and posts booked to the scope's brands.

    A payout carries no brand: its total, rate x units and difference would show the
    creator's business with other brands, so a brand-limited user sees none of them. The
    sums are all time, under the same brand rule as every other view of this scope.
    """
    in_scope = select(
        DailyFact.influencer_id,
        cast(func.sum(DailyFact.orders), BigInteger).label("orders"),
        cast(func.sum(DailyFact.posts), BigInteger).label("posts"),
        cast(func.sum(DailyFact.spend), Float).label("spend"),
    ).where(*_fact_filters(Selection(), scope)).group_by(DailyFact.influencer_id).subquery()
    statement = select(
        Influencer.influencer_key.label("influencer_id"), Influencer.name, Payout.basis,
        in_scope.c.orders, in_scope.c.posts, in_scope.c.spend,
    ).select_from(Payout.__table__.join(Influencer.__table__,
                                        Influencer.id == Payout.influencer_id)
                  .join(in_scope, in_scope.c.influencer_id == Payout.influencer_id))
    if influencer_ids is not None:
        statement = statement.where(Payout.influencer_id.in_(list(influencer_ids)))
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


def category_gender_roas(selection, *, scope) -> pd.DataFrame:
    """Revenue, spend and ROAS per (category, gender) for the heatmap."""
    return _cached("category_gender_roas", selection, scope,
                   lambda: _category_gender_roas(selection, scope))


def _category_gender_roas(selection, scope):
    from_clause = DailyFact.__table__.join(Influencer.__table__,
                                           Influencer.id == DailyFact.influencer_id)
    statement = select(
        Influencer.category, Influencer.gender,
        cast(func.sum(DailyFact.revenue), Float).label("revenue"),
        cast(func.sum(DailyFact.spend), Float).label("spend"),
    ).select_from(from_clause).where(and_(true(), *_fact_filters(selection, scope))).group_by(
        Influencer.category, Influencer.gender)
    frame = pd.DataFrame(db.session.execute(statement).all(),
                         columns=["category", "gender", "revenue", "spend"])
    frame["revenue"] = frame["revenue"].astype("float64")
    frame["spend"] = frame["spend"].astype("float64")
    frame["roas"] = _ratio(frame["revenue"], frame["spend"])
    frame = frame.sort_values(["category", "gender"], key=lambda keys: keys.astype(str))
    return _nulls_as_none(frame.reset_index(drop=True), ["roas"])


# ------------------------------------------------------------------- measured baseline

def measured_baseline(selection, by, *, scope) -> pd.DataFrame:
    """Organic share of revenue measured from days outside post windows (docs/metrics.md)."""
    _group_column(by)
    return _cached("measured_baseline", selection, scope,
                   lambda: _measured_baseline(selection, by, scope), by)


def _measured_baseline(selection, by, scope):
    groups = metrics(selection, by, scope=scope)
    key = groups.columns[0]
    spans = _influencer_spans()
    rates = _revenue_outside_windows(selection, by, scope)
    expected = {}
    for row in _revenue_in_selection(selection, by, scope).itertuples(index=False):
        span = spans.get(row.influencer_id)
        outside_revenue = rates.get((None if by in ("overall", "month") else row.group,
                                     row.influencer_id), 0.0)
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
    frame["measured_incremental_roas"] = _ratio(revenue * (1 - share), frame["spend"])
    frame["assumed_incremental_roas"] = _ratio(revenue * (1 - selection.baseline),
                                               frame["spend"])
    return _nulls_as_none(frame, ["measured_baseline_share", "measured_incremental_roas",
                                  "assumed_incremental_roas"])


def _month_end(month_start):
    following = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _influencer_spans():
    """influencer id -> (first day, last day, days in that span outside every post window)."""
    first_last = db.session.execute(
        select(DailyFact.influencer_id, func.min(DailyFact.day), func.max(DailyFact.day))
        .where(DailyFact.day.is_not(None)).group_by(DailyFact.influencer_id)).all()
    post_days = pd.DataFrame(db.session.execute(select(Post.influencer_id, Post.date)).all(),
                             columns=["influencer_id", "date"])
    windows = {}
    for influencer_id, dates in post_days.groupby("influencer_id")["date"]:
        windows[influencer_id] = sorted({_as_date(d) for d in dates})
    spans = {}
    for influencer_id, first, last in first_last:
        first, last = _as_date(first), _as_date(last)
        covered = _covered_days(windows.get(influencer_id, []), first, last)
        spans[influencer_id] = (first, last, (last - first).days + 1 - covered)
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
    from_clause = DailyFact.__table__.join(Influencer.__table__,
                                           Influencer.id == DailyFact.influencer_id)
    if by == "brand":
        from_clause = from_clause.join(Brand.__table__, Brand.id == DailyFact.brand_id)
    if by == "campaign":
        from_clause = from_clause.join(Campaign.__table__, Campaign.id == DailyFact.campaign_id)
    conditions = [DailyFact.day.is_not(None),
                  *_fact_filters(selection, scope, dates=dates)]
    return from_clause, conditions


def _revenue_outside_windows(selection, by, scope):
    """(group or None, influencer id) -> all-time revenue on days outside post windows."""
    group = None if by in ("overall", "month") else _group_column(by)[1]
    from_clause, conditions = _baseline_query(selection, by, scope, dates=False)
    keys = ([group] if group is not None else []) + [DailyFact.influencer_id]
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
    group = _group_column(by)[1]
    from_clause, conditions = _baseline_query(selection, by, scope, dates=True)
    keys = ([group] if group is not None else []) + [DailyFact.influencer_id]
    statement = select(*keys, cast(func.sum(DailyFact.revenue), Float)).select_from(
        from_clause).where(*conditions).group_by(*keys)
    rows = [(("all",) if group is None else ()) + tuple(row)
            for row in db.session.execute(statement).all()]
    return pd.DataFrame(rows, columns=["group", "influencer_id", "revenue"])
