"""daily_facts: time-phased, undated and Unattributed spend, post windows, partial rebuilds."""
import pandas as pd
import pytest
from sqlalchemy import select, text

from dashboard import demo
from dashboard import importing
from dashboard.importing import rollups
from dashboard.extensions import db
from models import Brand, Campaign, DailyFact, Influencer
from models.catalogue import UNATTRIBUTED
from tests import oracle
from tests.helpers import TINY, import_tiny

COLUMNS = ["influencer_pk", "day", "brand_id", "campaign_id", "tracking_rows", "orders",
           "revenue", "spend_events", "spend", "posts", "reach", "in_post_window"]
# A fact's key in the words of the CSV files, and what is summed under it.
KEY = ["influencer", "day", "brand", "campaign"]
SUMS = ["tracking_rows", "orders", "revenue", "spend_events", "spend", "posts", "reach",
        "likes", "comments"]


def facts():
    frame = pd.read_sql(select(DailyFact), db.engine)[COLUMNS]
    return frame.sort_values(COLUMNS[:4], na_position="first").reset_index(drop=True)


def stored_facts():
    """daily_facts keyed by influencer id, day, brand and campaign names, rows of a key summed."""
    query = (select(Influencer.influencer_key.label("influencer"), DailyFact.day,
                    Brand.name.label("brand"), Campaign.name.label("campaign"),
                    *[getattr(DailyFact, name) for name in SUMS], DailyFact.in_post_window)
             .join(Influencer, Influencer.id == DailyFact.influencer_pk)
             .outerjoin(Brand, Brand.id == DailyFact.brand_id)
             .outerjoin(Campaign, Campaign.id == DailyFact.campaign_id))
    frame = pd.read_sql(query, db.engine)
    # Only order rows say whether their day is in a post's window.
    frame["in_post_window"] = frame["in_post_window"].astype(bool) & (frame["tracking_rows"] > 0)
    return _summed(frame)


def facts_from_csvs(folder):
    """The same table from the CSV files alone, by the definitions in docs/metrics.md.

    Shares no code with dashboard/importing/rollups.py: tracking rows and posts are grouped by
    pandas, and spend comes from the oracle's one-event-per-row reading of the payouts.
    """
    frames = oracle.read_csv_frames(folder)
    tracking, posts = frames["tracking_data"].copy(), frames["posts"].copy()
    tracking["day"] = pd.to_datetime(tracking["date"]).dt.date
    posts["day"] = pd.to_datetime(posts["date"]).dt.date
    order_rows = pd.DataFrame({
        "influencer": tracking["influencer_id"], "day": tracking["day"],
        "brand": tracking["brand"], "campaign": tracking["campaign"], "tracking_rows": 1,
        "orders": tracking["orders"], "revenue": tracking["revenue"].astype(float)})
    post_days = posts.groupby("influencer_id")["day"].apply(list).to_dict()
    order_rows["in_post_window"] = [
        any(0 <= (day - posted).days <= 6 for posted in post_days.get(who, []))
        for who, day in zip(order_rows["influencer"], order_rows["day"])]
    post_rows = pd.DataFrame({
        "influencer": posts["influencer_id"], "day": posts["day"],
        "brand": posts["brand"] if "brand" in posts.columns else None, "campaign": None,
        "posts": 1, "reach": posts["reach"], "likes": posts["likes"],
        "comments": posts["comments"]})
    events = oracle.spend_events(frames)
    spend_rows = pd.DataFrame({
        "influencer": events["influencer_id"], "day": events["date"], "brand": events["brand"],
        "campaign": events["campaign"], "spend_events": 1, "spend": events["amount"]})
    return _summed(pd.concat([order_rows, post_rows, spend_rows], ignore_index=True))


def _summed(frame):
    frame = frame.copy()
    for name in SUMS:
        frame[name] = frame[name].fillna(0) if name in frame else 0
    frame["in_post_window"] = frame["in_post_window"].fillna(False).astype(bool)
    frame["day"] = frame["day"].map(lambda day: None if pd.isna(day) else str(day))
    for name in KEY:
        frame[name] = frame[name].map(lambda value: "" if value is None or pd.isna(value)
                                      else str(value))
    summed = frame.groupby(KEY, sort=True).agg(
        {**{name: "sum" for name in SUMS}, "in_post_window": "any"})
    summed[SUMS] = summed[SUMS].astype(float)
    return summed


def assert_facts_match(stored, expected):
    assert list(stored.index) == list(expected.index), (
        f"keys differ:\nonly stored {sorted(set(stored.index) - set(expected.index))}"
        f"\nonly expected {sorted(set(expected.index) - set(stored.index))}")
    pd.testing.assert_frame_equal(stored[SUMS], expected[SUMS], rtol=1e-9, check_exact=False)
    assert stored["in_post_window"].tolist() == expected["in_post_window"].tolist()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """A small generated data set: many creators, both payout bases, branded posts."""
    folder = tmp_path_factory.mktemp("demo")
    demo.write_demo(folder, scale=3000, seed=5)
    return folder


def test_spend_is_conserved_and_undated_spend_has_no_day(app):
    import_tiny(app)
    with app.app_context():
        rows = facts()
        assert rows["spend"].sum() == pytest.approx(3000 + 3000 + 800 + 2000)
        undated = rows[rows["day"].isna()]
        assert undated["spend"].tolist() == [2000.0]
        assert rows["tracking_rows"].sum() == 7 and rows["posts"].sum() == 4


def test_facts_match_a_plain_reading_of_the_csvs(app):
    import_tiny(app)
    with app.app_context():
        assert_facts_match(stored_facts(), facts_from_csvs(TINY))


def test_facts_of_generated_data_match_a_plain_reading_of_the_csvs(sqlite_app, demo_folder):
    with sqlite_app.app_context():
        result = importing.import_paths([str(demo_folder)],
                                        limits=importing.ImportLimits.from_app(sqlite_app),
                                        username="test")
        assert not result.errors, [str(error) for error in result.errors[:5]]
        assert_facts_match(stored_facts(), facts_from_csvs(demo_folder))


def test_rebuild_of_some_influencers_or_all_matches_the_csvs(app):
    import_tiny(app)
    expected = facts_from_csvs(TINY)
    with app.app_context():
        with db.transaction() as session:
            rollups.rebuild(session, [1, 3])
        assert_facts_match(stored_facts(), expected)
        with db.transaction() as session:
            rollups.rebuild(session)
        assert_facts_match(stored_facts(), expected)


@pytest.mark.parametrize("wrong", [
    "UPDATE daily_facts SET spend = spend + 0.01 WHERE id = (SELECT MAX(id) FROM daily_facts)",
    "UPDATE daily_facts SET spend_events = spend_events + 1 WHERE spend > 0",
    "DELETE FROM daily_facts WHERE id = (SELECT MIN(id) FROM daily_facts WHERE posts > 0)",
    "UPDATE daily_facts SET in_post_window = NOT in_post_window WHERE tracking_rows > 0",
    "UPDATE daily_facts SET day = NULL WHERE tracking_rows > 0",
])
def test_the_comparison_catches_wrong_facts(sqlite_app, wrong):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        with db.transaction() as session:
            session.execute(text(wrong))
        with pytest.raises(AssertionError):
            assert_facts_match(stored_facts(), facts_from_csvs(TINY))


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
        own = rows[rows["influencer_pk"] == esha]
        assert own[["brand_id", "campaign_id", "spend"]].values.tolist() == [
            [brand, campaign, 700.0]]
        assert own["day"].isna().all()


def test_post_windows_cover_days_zero_to_six(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        rows = facts()
        orders = rows[rows["tracking_rows"] > 0].set_index(["influencer_pk", "day"])
        # Asha posted on Jan 5 and Feb 10: her Jan 6/7 and Feb 11 orders are in windows.
        assert orders.loc[(1, pd.Timestamp("2025-01-06").date()), "in_post_window"].all()
        # Bilal posted Jan 20; his Feb 2 order is 13 days later.
        assert not orders.loc[(2, pd.Timestamp("2025-02-02").date()), "in_post_window"].any()
        # Dev never posted.
        assert not orders.loc[4, "in_post_window"].any()
