"""Campaigns: the list of campaigns and one campaign's page (KPIs, creators, trend)."""
import pandas as pd
from sqlalchemy import and_, select, true

from dashboard.analytics.cache import cached
from dashboard.analytics.metrics import (
    _chart_freq, _finish, _timeseries_from_sums, kpis, metrics)
from dashboard.analytics.queries import (
    SUM_COLUMNS, fact_filters, facts_from, group_column, sum_columns, typed_sums,
    with_activity)
from dashboard.analytics.selection import Selection
from dashboard.extensions import db
from models import Brand, Campaign, DailyFact, Influencer


def campaign_list(selection, *, scope) -> pd.DataFrame:
    """metrics() by campaign, most revenue first: the campaigns page's table."""
    frame = metrics(selection, "campaign", scope=scope)
    return frame.sort_values(["revenue", "campaign"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


def campaign_profile(name, selection, *, scope) -> dict | None:
    """One campaign's KPIs (and those of the period it is compared with), its creators,
    its trend and its brands; None when there is no such campaign in the scope's brands.

    The scope is checked here, in the data layer: a campaign whose rows all belong to
    other brands does not exist for this viewer, whatever the link says.
    """
    campaign = db.session.execute(select(Campaign).where(Campaign.name == str(name))).scalar()
    if campaign is None:
        return None
    visible = db.session.execute(select(DailyFact.id).select_from(
        facts_from("overall", influencers=False)).where(
        DailyFact.campaign_id == campaign.id,
        *fact_filters(Selection(), scope, dates=False)).limit(1)).first()
    if visible is None:
        return None
    return cached("campaign_profile", selection, scope,
                  lambda: _campaign_profile(campaign, selection, scope), campaign.name)


def _campaign_profile(campaign, selection, scope):
    def overall(chosen):
        return kpis(_finish(_sums(chosen, "overall", scope, campaign.id), "overall",
                            chosen.baseline))

    previous = selection.comparison_period()
    freq = _chart_freq(selection, scope)
    by_day = _sums(selection, "month" if freq == "month" else "day", scope, campaign.id)
    brands = db.session.execute(select(Brand.name).where(Brand.id.in_(
        select(DailyFact.brand_id).where(DailyFact.campaign_id == campaign.id,
                                         *fact_filters(selection, scope)).distinct()))
    ).scalars().all()
    return {
        "campaign": campaign.name,
        "brands": sorted(brands),
        "kpis": overall(selection),
        "previous_kpis": None if previous is None else overall(previous),
        "creators": _finish(_sums(selection, "influencer", scope, campaign.id), "influencer",
                            selection.baseline),
        "timeseries": _timeseries_from_sums(by_day, freq, selection.baseline),
    }


def _sums(selection, by, scope, campaign_id):
    """queries.grouped_sums for the facts of one campaign."""
    key_label, key_column = group_column(by)
    conditions = fact_filters(selection, scope) + [DailyFact.campaign_id == campaign_id]
    if by in ("month", "day"):
        conditions.append(DailyFact.day.is_not(None))
    keys = [] if key_column is None else [key_column.label(key_label)]
    group_by = [] if key_column is None else [key_column]
    if by == "influencer":
        keys.append(Influencer.name.label("name"))
        group_by += [Influencer.id, Influencer.name]
    statement = select(*keys, *sum_columns()).select_from(
        facts_from(by, influencers=True)).where(and_(true(), *conditions))
    if group_by:
        statement = statement.group_by(*group_by)
    frame = pd.DataFrame(db.session.execute(statement).all(),
                         columns=[c.name for c in statement.selected_columns])
    if key_column is None:
        frame = frame[frame["tracking_rows"].notna()]
        frame.insert(0, "key", "all")
    frame = with_activity(frame)
    if by == "influencer":
        frame = frame[[key_label] + SUM_COLUMNS + ["name"]]
    return typed_sums(frame.reset_index(drop=True))
