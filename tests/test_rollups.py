"""daily_facts: time-phased, undated and Unattributed spend, post windows, partial rebuilds."""
import pandas as pd
import pytest
from sqlalchemy import select

from dashboard import rollups
from dashboard.extensions import db
from models import Brand, Campaign, DailyFact, Influencer
from models.catalogue import UNATTRIBUTED
from tests import oracle
from tests.conftest import TINY, import_tiny

COLUMNS = ["influencer_id", "day", "brand_id", "campaign_id", "tracking_rows", "orders",
           "revenue", "spend_events", "spend", "posts", "reach", "in_post_window"]


def facts():
    frame = pd.read_sql(select(DailyFact), db.engine)[COLUMNS]
    return frame.sort_values(COLUMNS[:4], na_position="first").reset_index(drop=True)


def test_spend_is_conserved_and_undated_spend_has_no_day(app):
    import_tiny(app)
    with app.app_context():
        rows = facts()
        assert rows["spend"].sum() == pytest.approx(3000 + 3000 + 800 + 2000)
        undated = rows[rows["day"].isna()]
        assert undated["spend"].tolist() == [2000.0]
        assert rows["tracking_rows"].sum() == 7 and rows["posts"].sum() == 4


def test_rebuild_of_some_influencers_equals_full_rebuild(app):
    import_tiny(app)
    with app.app_context():
        full = facts()
        with db.transaction() as session:
            rollups.rebuild(session, [1, 3])
        pd.testing.assert_frame_equal(facts(), full)
        with db.transaction() as session:
            rollups.rebuild(session)
        pd.testing.assert_frame_equal(facts(), full)


def test_payout_without_revenue_goes_to_unattributed(sqlite_app):
    frames = oracle.read_csv_frames(TINY)
    frames["influencers"].loc[len(frames["influencers"])] = ["5", "Esha", "Health", "F", 500,
                                                             "Twitter"]
    frames["payouts"].loc[len(frames["payouts"])] = ["5", "order", 100.0, None, 700.0]
    with sqlite_app.app_context():
        with db.transaction() as session:
            oracle.write_frames(session, frames)
        esha = db.session.execute(
            select(Influencer.id).where(Influencer.influencer_key == "5")).scalar_one()
        brand = db.session.execute(select(Brand.id).where(Brand.name == UNATTRIBUTED)).scalar()
        campaign = db.session.execute(
            select(Campaign.id).where(Campaign.name == UNATTRIBUTED)).scalar()
        rows = facts()
        own = rows[rows["influencer_id"] == esha]
        assert own[["brand_id", "campaign_id", "spend"]].values.tolist() == [
            [brand, campaign, 700.0]]
        assert own["day"].isna().all()


def test_post_windows_cover_days_zero_to_six(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        rows = facts()
        orders = rows[rows["tracking_rows"] > 0].set_index(["influencer_id", "day"])
        # Asha posted on Jan 5 and Feb 10: her Jan 6/7 and Feb 11 orders are in windows.
        assert orders.loc[(1, pd.Timestamp("2025-01-06").date()), "in_post_window"].all()
        # Bilal posted Jan 20; his Feb 2 order is 13 days later.
        assert not orders.loc[(2, pd.Timestamp("2025-02-02").date()), "in_post_window"].any()
        # Dev never posted.
        assert not orders.loc[4, "in_post_window"].any()
