"""Analytics against the pandas oracle; selections, scope, cache and the measured baseline."""
import importlib
import math
import os
import shutil
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from dashboard import analytics
from dashboard.analytics import columnar
from dashboard.extensions import cache, db
from models import (Brand, Campaign, DailyFact, DataState, Influencer, Order, Payout, Post,
                    Product)
from tests import oracle
from tests.helpers import TEST_REDIS_URL, TINY, create_users, import_tiny, make_test_app

BRANDS = ["MuscleBlaze", "HKVitals", "Gritzo"]
CAMPAIGNS = ["MB_Jan", "HKV_Feb", "GZ_Feb"]
PLATFORMS = ["Instagram", "YouTube", "TikTok"]
CATEGORIES = ["Fitness", "Nutrition"]
FOLLOWERS = [5_000, 50_000, 300_000, 2_000_000]
FIRST_DAY = date(2025, 1, 1)


@pytest.fixture(params=["columnar", "sql"])
def analytics_engine(request):
    """Every test here runs on each query path, so a faster one never gives other numbers."""
    return request.param


@pytest.fixture
def app(database_url, tmp_path, analytics_engine):
    app = make_test_app(database_url, tmp_path, ANALYTICS_ENGINE=analytics_engine)
    yield app
    app.extensions["database_engine"].dispose()


@pytest.fixture
def sqlite_app(sqlite_url, tmp_path, analytics_engine):
    app = make_test_app(sqlite_url, tmp_path, ANALYTICS_ENGINE=analytics_engine)
    yield app
    app.extensions["database_engine"].dispose()


def clear_tables(session):
    for model in (DailyFact, Payout, Order, Post, Product, Campaign, Brand, Influencer):
        session.execute(delete(model))


@st.composite
def data_sets(draw):
    """Small random data sets covering the spec's corner cases."""
    count = draw(st.integers(1, 4))
    ids = [str(i) for i in range(1, count + 1)]
    influencers = pd.DataFrame({
        "influencer_id": ids, "name": [f"Creator {i}" for i in ids],
        "category": [draw(st.sampled_from(CATEGORIES)) for _ in ids],
        "gender": [draw(st.sampled_from(["F", "M", None])) for _ in ids],
        "follower_count": [draw(st.sampled_from(FOLLOWERS)) for _ in ids],
        "platform": [draw(st.sampled_from(PLATFORMS)) for _ in ids]})
    day = st.integers(0, 89).map(lambda n: (FIRST_DAY + timedelta(days=n)).isoformat())
    tracking = pd.DataFrame(draw(st.lists(st.fixed_dictionaries({
        "source": st.just("instagram"), "campaign": st.sampled_from(CAMPAIGNS),
        "influencer_id": st.sampled_from(ids), "user_id": st.just("u"),
        "product": st.sampled_from(["Whey", "Multivitamin"]),
        "brand": st.sampled_from(BRANDS), "date": day, "orders": st.integers(0, 5),
        "revenue": st.sampled_from([0.0, 0.0, 499.5, 1200.0, 3333.0])}), max_size=8)),
        columns=["source", "campaign", "influencer_id", "user_id", "product", "brand", "date",
                 "orders", "revenue"])
    # A product belongs to one brand, so each product name carries its brand.
    tracking["product"] = tracking["product"] + " " + tracking["brand"]
    posts = pd.DataFrame(draw(st.lists(st.fixed_dictionaries({
        "influencer_id": st.sampled_from(ids), "platform": st.just("Instagram"), "date": day,
        "reach": st.sampled_from([0, 1000, 25000]), "likes": st.integers(0, 900),
        "comments": st.integers(0, 90),
        "brand": st.sampled_from([None, None, *BRANDS])}), max_size=6)),
        columns=["influencer_id", "platform", "date", "reach", "likes", "comments", "brand"])
    posts["url"] = [f"https://example.com/p{i}" for i in range(len(posts))]
    payouts = []
    for influencer_id in ids:
        for basis in draw(st.sets(st.sampled_from(["post", "order"]), max_size=2)):
            payouts.append({"influencer_id": influencer_id, "basis": basis, "rate": 100.0,
                            "orders": None,
                            "total_payout": draw(st.sampled_from([0.0, 800.0, 2500.0]))})
    payouts = pd.DataFrame(payouts, columns=["influencer_id", "basis", "rate", "orders",
                                             "total_payout"])
    return {"influencers": influencers, "tracking_data": tracking, "posts": posts,
            "payouts": payouts}


@st.composite
def selections(draw):
    start = draw(st.one_of(st.none(), st.integers(0, 89)))
    end = draw(st.one_of(st.none(), st.integers(0, 89)))
    return analytics.Selection(
        start=None if start is None else FIRST_DAY + timedelta(days=start),
        end=None if end is None else FIRST_DAY + timedelta(days=end),
        brands=frozenset(draw(st.sets(st.sampled_from(BRANDS + ["Unattributed"]),
                                      max_size=2))),
        platforms=frozenset(draw(st.sets(st.sampled_from(PLATFORMS), max_size=2))),
        categories=frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=1))),
        tiers=frozenset(draw(st.sets(st.sampled_from(["nano", "micro", "mega"]),
                                     max_size=2))),
        baseline=draw(st.sampled_from([0.0, 0.2, 0.35])))


def assert_frames_match(actual, expected, where):
    assert list(actual.columns) == list(expected.columns), where
    assert len(actual) == len(expected), (
        f"{where}: {len(actual)} groups, oracle has {len(expected)}\n{actual}\n{expected}")
    for (_, got), (_, want) in zip(actual.iterrows(), expected.iterrows()):
        for column in expected.columns:
            a, b = got[column], want[column]
            a_null = a is None or (isinstance(a, float) and math.isnan(a))
            b_null = b is None or (isinstance(b, float) and math.isnan(b))
            assert a_null == b_null, f"{where} {column}: {a!r} vs oracle {b!r}"
            if a_null:
                continue
            if isinstance(b, str):
                assert a == b, f"{where} {column}: {a!r} vs oracle {b!r}"
            else:
                assert math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9), (
                    f"{where} {column}: {a!r} vs oracle {b!r}")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(frames=data_sets(), selection=selections(),
       scope=st.one_of(st.none(), st.sets(st.sampled_from(BRANDS), min_size=1).map(frozenset)))
def test_metrics_match_the_oracle_for_every_dimension(app, frames, selection, scope):
    with app.app_context():
        with db.transaction() as session:
            clear_tables(session)
            oracle.write_frames(session, frames)
        brands = analytics.effective_brands(selection, scope)
        for by in analytics.DIMENSIONS:
            actual = analytics.metrics(selection, by, scope=scope, use_cache=False)
            if brands is not None and not brands:
                assert actual.empty, f"{by}: scope and selection share no brand"
                continue
            expected = oracle.metrics(
                frames, by, start=selection.start, end=selection.end,
                brands=brands or (), platforms=selection.platforms,
                categories=selection.categories, tiers=selection.tiers,
                baseline=selection.baseline, scope=scope)
            assert_frames_match(actual, expected, by)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(frames=data_sets(), selection=selections(),
       scope=st.one_of(st.none(), st.sets(st.sampled_from(BRANDS), min_size=1).map(frozenset)),
       freq=st.sampled_from(["day", "week", "month"]))
def test_brand_summaries_equal_the_metrics_of_each_brand_alone(app, frames, selection, scope,
                                                               freq):
    with app.app_context():
        with db.transaction() as session:
            clear_tables(session)
            oracle.write_frames(session, frames)
        summaries = analytics.brand_summaries(selection, scope=scope, freq=freq,
                                              use_cache=False)
        brands = analytics.metrics(selection, "brand", scope=scope, use_cache=False)
        assert [summary["brand"]["brand"] for summary in summaries] == list(brands["brand"])
        for summary in summaries:
            name = summary["brand"]["brand"]
            alone = replace(selection, brands=frozenset([name]))
            assert_frames_match(summary["timeseries"], analytics.timeseries(
                alone, scope=scope, freq=freq, use_cache=False), f"{name} timeseries")
            assert_frames_match(summary["creators"], analytics.metrics(
                alone, "influencer", scope=scope, use_cache=False), f"{name} creators")


@pytest.mark.parametrize("scope", [None, frozenset({"MuscleBlaze"})])
def test_brand_summaries_of_tiny_keep_the_unbranded_posts(sqlite_app, scope):
    # Every post of the tiny set has no brand: each brand's creators must still show them.
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        for selection in (analytics.Selection(),
                          analytics.Selection(start=date(2025, 2, 1),
                                              platforms=frozenset({"Instagram"}))):
            summaries = analytics.brand_summaries(selection, scope=scope, use_cache=False)
            assert summaries
            for summary in summaries:
                alone = replace(selection, brands=frozenset([summary["brand"]["brand"]]))
                creators = analytics.metrics(alone, "influencer", scope=scope,
                                             use_cache=False)
                assert creators["posts"].sum() > 0
                assert_frames_match(summary["creators"], creators, "creators")
                assert_frames_match(summary["timeseries"], analytics.timeseries(
                    alone, scope=scope, freq="week", use_cache=False), "timeseries")


def test_rebuild_of_some_influencers_equals_full_rebuild(sqlite_app):
    from dashboard.importing import rollups

    import_tiny(sqlite_app)
    columns = ["influencer_pk", "day", "brand_id", "campaign_id", "tracking_rows", "orders",
               "revenue", "spend_events", "spend", "posts", "reach", "in_post_window"]

    def facts():
        frame = pd.read_sql(select(DailyFact), db.engine)[columns]
        return frame.sort_values(columns[:4], na_position="first").reset_index(drop=True)

    with sqlite_app.app_context():
        full = facts()
        with db.transaction() as session:
            rollups.rebuild(session, [1, 3])
        pd.testing.assert_frame_equal(facts(), full)


def test_selection_round_trips_through_the_query_string():
    selection = analytics.Selection(start=date(2025, 1, 1), end=date(2025, 1, 31),
                                    brands=frozenset({"HKVitals", "Gritzo"}),
                                    platforms=frozenset({"YouTube"}), baseline=0.3)
    query = selection.to_query()
    assert query.startswith("start=2025-01-01&end=2025-01-31&brand=Gritzo&brand=HKVitals")
    assert analytics.Selection.from_query(query) == selection
    assert analytics.Selection.from_query("start=soon&brand=Gritzo&baseline=lots") == \
        analytics.Selection(brands=frozenset({"Gritzo"}))
    # No dates is all time, said outright (a link without dates opens on the last 30 days).
    assert analytics.Selection().to_query() == "period=all"


def test_previous_period_has_the_same_length_just_before():
    january = analytics.Selection(start=date(2025, 1, 1), end=date(2025, 1, 31))
    previous = january.previous_period()
    assert (previous.start, previous.end) == (date(2024, 12, 1), date(2024, 12, 31))
    assert analytics.Selection(start=date(2025, 1, 1)).previous_period() is None


@pytest.mark.parametrize("start, why", [
    ("0001-01-01", "is not between 2000-01-01 and 2027-12-01"),
    ("9999-12-31", "is not between 2000-01-01 and 2027-12-01"),
    ("2025-02-30", "is not a date like 2025-01-31"),
    ("2024-03-01T25:00", "has a time of day that does not exist"),
    ("20250201", "is not a date like 2025-01-31"),
])
def test_a_bad_date_in_a_link_is_left_out_with_a_note(fixed_today, start, why):
    selection = analytics.Selection.from_query(f"start={start}&end=2025-03-01&brand=Gritzo")
    assert (selection.start, selection.end, selection.brands) == (
        None, date(2025, 3, 1), frozenset({"Gritzo"}))
    assert selection.notes == (
        f"The start date '{start}' in the link {why}, so it was left out.",)


def test_the_first_and_last_allowed_days_in_a_link_are_kept(fixed_today):
    selection = analytics.Selection.from_query("start=2000-01-01&end=2027-12-01")
    assert (selection.start, selection.end, selection.notes) == (
        date(2000, 1, 1), date(2027, 12, 1), ())


def test_a_link_baseline_has_the_sliders_bounds():
    assert analytics.Selection.from_query("baseline=0.5").baseline == analytics.BASELINE_MAX
    for text in ("0.8", "1", "-0.1", "nan", "lots"):
        selection = analytics.Selection.from_query(f"baseline={text}")
        assert selection.baseline == analytics.DEFAULT_BASELINE
        assert selection.notes == (
            f"The baseline share '{text}' in the link is not between 0% and 50%, so the "
            "usual 20% was used.",)
    from layouts import components

    bar = components.filter_bar("roi", {}, analytics.Selection())
    [slider] = [c for c in _components(bar) if getattr(c, "id", None) == "roi-filter-baseline"]
    # The slider and its box speak percent, as the marks do.
    assert (slider.min, slider.max) == (analytics.BASELINE_MIN * 100,
                                        analytics.BASELINE_MAX * 100)


def _components(tree):
    yield tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _components(child)


def test_notes_are_no_part_of_the_filters():
    noted = analytics.Selection.from_query("start=never&brand=Gritzo")
    plain = analytics.Selection(brands=frozenset({"Gritzo"}))
    assert noted == plain and hash(noted) == hash(plain)
    assert noted.cache_key() == plain.cache_key() and noted.to_query() == plain.to_query()


@pytest.mark.parametrize("brands", ["Gritzo", ["Gritzo"], ("Gritzo",)])
def test_a_list_filter_sent_as_one_string_is_one_value(brands):
    from callbacks import common as components

    # A single string once became one brand per character: G, r, i, t, z, o.
    selection = components.selection_from_controls(None, None, brands, "YouTube", None,
                                                   ["micro", 7, None], 30)
    assert selection.brands == frozenset({"Gritzo"})
    assert selection.platforms == frozenset({"YouTube"})
    assert selection.tiers == frozenset({"micro"}) and selection.categories == frozenset()


def test_filter_bar_dates_outside_the_range_are_left_out(fixed_today):
    from callbacks import common as components

    selection = components.selection_from_controls("0001-01-01", "2025-03-01", [], [], [],
                                                   [], 90)
    assert (selection.start, selection.end, selection.baseline) == (
        None, date(2025, 3, 1), analytics.DEFAULT_BASELINE)


def test_previous_period_never_overflows():
    # Once an OverflowError and a 500 on /export for ?start=0001-01-01.
    early = analytics.Selection(start=date(1, 1, 1), end=date(1, 1, 31))
    assert early.previous_period() is None


def test_scope_limits_brands_and_empty_intersection_is_empty(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        muscleblaze = frozenset({"MuscleBlaze"})
        brands = analytics.metrics(analytics.Selection(), "brand", scope=muscleblaze)
        assert list(brands["brand"]) == ["MuscleBlaze"]
        outside = analytics.Selection(brands=frozenset({"Gritzo"}))
        assert analytics.metrics(outside, "overall", scope=muscleblaze).empty
        assert analytics.influencer_profile("4", analytics.Selection(), scope=muscleblaze) is None
        assert analytics.influencer_profile("1", analytics.Selection(),
                                            scope=muscleblaze) is not None
        assert analytics.influencer_profile("nobody", analytics.Selection(), scope=None) is None
        options = analytics.filter_options(scope=muscleblaze)
        assert options["brands"] == ["MuscleBlaze"]
        assert options["min_date"] == date(2025, 1, 5)


def test_cache_counts_hits_and_an_import_shows_at_once(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        before = analytics.cache_stats()
        first = analytics.metrics(analytics.Selection(), "overall", scope=None)
        again = analytics.metrics(analytics.Selection(), "overall", scope=None)
        stats = analytics.cache_stats()
        assert stats["misses"] == before["misses"] + 1
        assert stats["hits"] == before["hits"] + 1
        pd.testing.assert_frame_equal(first, again)
        with db.transaction() as session:
            session.execute(delete(DailyFact))
            state = session.execute(select(DataState)).scalar()
            if state is None:
                session.add(DataState(version=1))
            else:
                state.version += 1
        assert analytics.metrics(analytics.Selection(), "overall", scope=None).empty


def test_the_summaries_give_the_numbers_of_the_facts(sqlite_app, monkeypatch):
    # Summaries of the snapshot answer most cold views; the facts answer the rest. Every
    # view's numbers must be the same either way.
    if sqlite_app.config["ANALYTICS_ENGINE"] != "columnar":
        pytest.skip("the summaries are the columnar engine's")
    import_tiny(sqlite_app)
    day = date(2025, 1, 6)
    selections = [analytics.Selection(),
                  analytics.Selection(start=day, end=day + timedelta(days=40)),
                  analytics.Selection(start=day, brands=frozenset({"MuscleBlaze"}),
                                      platforms=frozenset({"Instagram"})),
                  analytics.Selection(end=day + timedelta(days=60),
                                      categories=frozenset({"Fitness"}))]
    scopes = [None, frozenset({"MuscleBlaze"})]

    def every_view():
        results = {}
        for number, selection in enumerate(selections):
            for scope in scopes:
                for by in ("overall", "influencer", "brand", "campaign", "platform", "month"):
                    results[number, scope, by] = analytics.metrics(
                        selection, by, scope=scope, use_cache=False)
                    results[number, scope, by, "baseline"] = analytics.measured_baseline(
                        selection, by, scope=scope)
                overview = analytics.overview(selection, scope=scope)
                for part in ("timeseries", "by_platform", "by_brand", "top_campaigns"):
                    results[number, scope, part] = overview[part]
        return results

    def facts_only(snap, selection, scope, by, *, influencer_pk=None, per_creator=False):
        return columnar.filtered(snap, selection, scope, influencer_pk=influencer_pk)

    with sqlite_app.app_context():
        with monkeypatch.context() as patch:
            patch.setattr(columnar, "rows_to_group", facts_only)
            from_facts = every_view()
        cache.clear()
        from_summaries = every_view()
        assert columnar.snapshot() in columnar._summaries
    for where, expected in from_facts.items():
        assert_frames_match(from_summaries[where], expected, where)
        assert list(from_summaries[where].dtypes) == list(expected.dtypes), where


def test_the_data_identity_is_read_once_per_app_context_until_a_write(sqlite_app):
    # Every cached result needs it; one query per request, and a write in this process
    # makes the next result read it again.
    from sqlalchemy import event

    import_tiny(sqlite_app)
    reads = []

    def count(connection, cursor, statement, *arguments):
        if statement.lstrip().startswith("SELECT data_state.database_id"):
            reads.append(statement)

    engine = sqlite_app.extensions["database_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        with sqlite_app.app_context():
            for by in ("overall", "brand", "platform"):
                analytics.metrics(analytics.Selection(), by, scope=None, use_cache=True)
            assert len(reads) == 1
            with db.transaction() as session:
                session.execute(select(DataState)).scalar().version += 1
            again = analytics.metrics(analytics.Selection(), "overall", scope=None)
            assert len(reads) == 2 and analytics.cache_stats()["misses"] >= 4
            assert not again.empty
        with sqlite_app.app_context():
            analytics.metrics(analytics.Selection(), "overall", scope=None)
            assert len(reads) == 3
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("shared_cache", ["folder", "redis"])
def test_two_databases_sharing_one_cache_each_show_their_own_numbers(
        tmp_path, sqlite_template, shared_cache):
    # The demo, then DATABASE_URL pointed at real data, with the cache left in place: both
    # databases are at data version 1, and only the cache key's database id tells them apart.
    from tests.helpers import body_of, find, text_of, update_view

    if shared_cache == "redis" and not TEST_REDIS_URL:
        pytest.skip("Redis tests skipped: TEST_REDIS_URL is not set")
    shared = ({"CACHE_DIR": str(tmp_path / "shared-cache")} if shared_cache == "folder" else
              {"CACHE_TYPE": "dashboard.extensions.FallbackRedisCache",
               "CACHE_REDIS_URL": TEST_REDIS_URL,
               "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"})
    changed = tmp_path / "changed"
    shutil.copytree(TINY, changed)
    tracking = (changed / "tracking_data.csv").read_text()
    (changed / "tracking_data.csv").write_text(tracking.replace(",2025-01-06,2,4000",
                                                                ",2025-01-06,2,9000", 1))
    apps = {}
    for name, folder in (("tiny", TINY), ("changed", changed)):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(sqlite_template, path)
        app = make_test_app(f"sqlite:///{path}", tmp_path / name, **shared)
        create_users(app)
        with app.app_context():
            from dashboard import importing

            assert importing.import_paths([str(folder)],
                                          limits=importing.ImportLimits.from_app(app),
                                          username="test").ok
            with db.transaction() as session:
                state = session.execute(select(DataState)).scalar_one()
                assert state.version == 1
                state.updated_at = datetime(2025, 6, 1)
        apps[name] = app

    def revenue(app):
        with app.app_context():
            return analytics.metrics(analytics.Selection(), "overall",
                                     scope=None).iloc[0]["revenue"]

    def shown_revenue(app):
        client = app.test_client()
        client.post("/login", data={"username": "analyst", "password": "analyst-pass-123"})
        body = body_of(update_view(client, "overview"), "overview")
        return text_of(find(body, "overview-kpi-revenue"))

    try:
        first = {name: revenue(app) for name, app in apps.items()}
        again = {name: revenue(app) for name, app in reversed(apps.items())}
        assert first == again
        assert first["changed"] == first["tiny"] + 5000
        shown = {name: shown_revenue(app) for name, app in apps.items()}
        assert shown == {name: shown_revenue(app) for name, app in reversed(apps.items())}
        assert shown["tiny"] != shown["changed"]
    finally:
        for app in apps.values():
            app.extensions["database_engine"].dispose()


def test_init_db_gives_a_database_without_an_id_one(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        with db.transaction() as session:
            session.execute(select(DataState)).scalar_one().database_id = None
        # Without an id nothing is cached: results are computed, never shared.
        analytics.metrics(analytics.Selection(), "overall", scope=None)
        assert analytics.cache_stats() == {"hits": 0, "misses": 0}
    assert sqlite_app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with sqlite_app.app_context():
        db.session.expire_all()
        assert len(db.session.execute(select(DataState)).scalar_one().database_id) == 32


def test_overview_agrees_with_metrics(app):
    import_tiny(app)
    with app.app_context():
        selection = analytics.Selection(start=date(2025, 2, 1), end=date(2025, 2, 28))
        view = analytics.overview(selection, scope=None)
        overall = analytics.metrics(selection, "overall", scope=None).iloc[0].to_dict()
        for name in analytics.METRIC_COLUMNS:
            assert view["kpis"][name] == pytest.approx(overall[name], rel=1e-9)
        assert view["previous_kpis"]["revenue"] == pytest.approx(18500.0)
        # MB_Jan has February spend but no February sales: a "top" list leaves it out.
        assert list(view["top_campaigns"]["campaign"]) == ["HKV_Feb", "GZ_Feb"]
        # The overview rolls its groups up from one cube: each equals its own metrics frame.
        for part, dimension in (("by_brand", "brand"), ("by_platform", "platform")):
            assert_frames_match(view[part], analytics.metrics(selection, dimension, scope=None),
                                part)
        campaigns = analytics.metrics(selection, "campaign", scope=None)
        top = campaigns[campaigns["revenue"] > 0].sort_values(
            ["revenue", "campaign"], ascending=[False, True], kind="stable")
        assert_frames_match(view["top_campaigns"], top.reset_index(drop=True), "campaigns")
        weekly = analytics.timeseries(analytics.Selection(), scope=None, freq="week")
        monthly = analytics.timeseries(analytics.Selection(), scope=None, freq="month")
        # Undated spend (Dev's 2000) belongs to no period.
        assert weekly["spend"].sum() == pytest.approx(6800.0)
        assert list(monthly["period"]) == ["2025-01", "2025-02"]
        assert set(weekly["period"].map(lambda p: date.fromisoformat(p).weekday())) == {0}


def test_overview_groups_from_the_cube_leave_out_groups_without_activity():
    from dashboard.analytics import queries

    # The module, not the function analytics.metrics that shares its name.
    metrics = importlib.import_module("dashboard.analytics.metrics")
    # A pair's share of a post's spend can round to no event: spend, but no tracking row,
    # spend event or post, so the group is in no list (queries.with_activity).
    cube = pd.DataFrame({
        "platform": pd.array(["Instagram", "YouTube", "Instagram", "TikTok"], dtype="str"),
        "brand": ["MB", "MB", "HKV", None], "campaign": ["MB_Jan", "MB_Jan", "HKV_Q", "X"],
        "tracking_rows": [3, 0, 0, 0], "orders": [3, 0, 0, 0],
        "revenue": [900.0, 0.0, 0.0, 0.0], "spend_events": [1, 0, 1, 0],
        "spend": [300.0, 5.0, 100.0, 2.0], "posts": [1, 0, 0, 0], "reach": [1000, 0, 0, 0],
        "likes": [50, 0, 0, 0], "comments": [5, 0, 0, 0]})
    for by in ("overall", "platform", "brand", "campaign"):
        key = "key" if by == "overall" else by
        if by == "overall":
            sums = cube[queries.SUM_COLUMNS].sum().to_frame().T
            sums.insert(0, key, pd.array(["all"], dtype="str"))
        else:
            sums = cube.groupby(by, as_index=False, sort=False)[queries.SUM_COLUMNS].sum()
        expected = metrics._finish(queries.typed_sums(queries.with_activity(sums).reset_index(
            drop=True)), by, 0.2)
        got = metrics._rolled_up(cube, by, 0.2)
        assert_frames_match(got, expected, by)
        assert got[key].dtype == expected[key].dtype, by
    assert list(metrics._rolled_up(cube, "campaign", 0.2)["campaign"]) == ["HKV_Q", "MB_Jan"]


def test_payouts_of_the_profile_are_reconciled(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        profile = analytics.influencer_profile("2", analytics.Selection(), scope=None)
        payout = profile["payouts"].iloc[0]
        assert (payout["basis"], payout["units"], payout["expected"]) == ("order", 6, 3000.0)
        assert profile["metrics"]["performance_score"] == pytest.approx(63.333333333333336)
        assert list(profile["posts"]["url"]) == ["https://example.com/yt/v1"]


def planted_lift_frames(seed, organic_per_day, lift_per_day, days=180, influencers=6):
    """Organic orders every day plus extra orders on days 0..6 after each post."""
    rng = np.random.default_rng(seed)
    rows, posts = [], []
    organic_revenue = np.zeros(days)
    price = 1000.0
    for number in range(1, influencers + 1):
        post_days = sorted(rng.choice(np.arange(0, days - 7), size=5, replace=False))
        lifted = np.zeros(days, dtype=int)
        for post_day in post_days:
            lifted[post_day:post_day + 7] += rng.poisson(lift_per_day, 7)
            posts.append({"influencer_id": str(number), "platform": "Instagram",
                          "date": (FIRST_DAY + timedelta(days=int(post_day))).isoformat(),
                          "url": f"https://example.com/{number}/{post_day}", "reach": 1000,
                          "likes": 10, "comments": 1})
        organic = rng.poisson(organic_per_day, days)
        organic[0] = organic[-1] = max(1, organic_per_day)  # the span is the whole period
        organic_revenue += organic * price
        for day in range(days):
            if organic[day] + lifted[day]:
                rows.append({"source": "instagram", "campaign": "MB_Jan",
                             "influencer_id": str(number), "user_id": "u", "product": "Whey",
                             "brand": "MuscleBlaze",
                             "date": (FIRST_DAY + timedelta(days=day)).isoformat(),
                             "orders": int(organic[day] + lifted[day]),
                             "revenue": float((organic[day] + lifted[day]) * price)})
    tracking = pd.DataFrame(rows)
    frames = {
        "influencers": pd.DataFrame({
            "influencer_id": [str(n) for n in range(1, influencers + 1)],
            "name": [f"Creator {n}" for n in range(1, influencers + 1)],
            "category": "Fitness", "gender": "F", "follower_count": 50_000,
            "platform": "Instagram"}),
        "posts": pd.DataFrame(posts), "tracking_data": tracking,
        "payouts": pd.DataFrame({"influencer_id": [str(n) for n in range(1, influencers + 1)],
                                 "basis": "post", "rate": 500.0, "orders": None,
                                 "total_payout": 2500.0})}
    organic_by_day = pd.Series(organic_revenue, index=[
        (FIRST_DAY + timedelta(days=day)).isoformat() for day in range(days)])
    return frames, organic_by_day


@pytest.mark.parametrize("seed, organic_per_day, lift_per_day", [(1, 4, 6), (2, 10, 3)])
def test_measured_baseline_recovers_the_planted_organic_share(sqlite_app, seed,
                                                              organic_per_day, lift_per_day):
    frames, organic_by_day = planted_lift_frames(seed, organic_per_day, lift_per_day)
    revenue_by_day = frames["tracking_data"].groupby("date")["revenue"].sum()
    true_share = organic_by_day.sum() / revenue_by_day.sum()
    with sqlite_app.app_context():
        with db.transaction() as session:
            oracle.write_frames(session, frames)
        overall = analytics.measured_baseline(analytics.Selection(), "overall", scope=None)
        measured = overall["measured_baseline_share"].iloc[0]
        # Poisson noise on ~1,000 organic orders per creator: 0.03 is about three sigma.
        assert measured == pytest.approx(true_share, abs=0.03)
        by_creator = analytics.measured_baseline(analytics.Selection(), "influencer", scope=None)
        assert by_creator["measured_baseline_share"].between(0, 1).all()
        row = overall.iloc[0]
        assert row["measured_incremental_roas"] == pytest.approx(
            row["revenue"] * (1 - measured) / row["spend"])
        assert row["assumed_incremental_roas"] == pytest.approx(
            row["revenue"] * 0.8 / row["spend"])
        by_month = analytics.measured_baseline(
            analytics.Selection(start=date(2025, 2, 1), end=date(2025, 4, 30)), "month",
            scope=None)
        assert list(by_month["month"]) == ["2025-02", "2025-03", "2025-04"]
        months = organic_by_day.index.str[:7]
        for row in by_month.itertuples(index=False):
            month_share = (organic_by_day[months == row.month].sum()
                           / revenue_by_day[revenue_by_day.index.str[:7] == row.month].sum())
            # A month holds a sixth of the days, so its noise is about 2.5 times larger.
            assert row.measured_baseline_share == pytest.approx(month_share, abs=0.07)


def test_category_gender_roas(sqlite_app):
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        heatmap = analytics.category_gender_roas(analytics.Selection(), scope=None)
        fitness_women = heatmap[(heatmap["category"] == "Fitness") & (heatmap["gender"] == "F")]
        assert fitness_women["roas"].iloc[0] == pytest.approx(2.5)
        assert len(heatmap) == 4


def test_creator_attributes_are_added_without_changing_metrics(app):
    import_tiny(app)
    with app.app_context():
        creators = analytics.metrics(analytics.Selection(), "influencer", scope=None)
        shown = analytics.with_creator_attributes(creators)
    assert list(shown.columns[:len(creators.columns)]) == list(creators.columns)
    by_id = shown.set_index("influencer_id")
    assert by_id.loc["2", "tier"] == "mega"
    assert by_id.loc["3", "platform"] == "Instagram"
    assert by_id.loc["4", "category"] == "Lifestyle"
    assert by_id.loc["1", "follower_count"] == 85000


def test_scoped_user_sees_unbranded_posts_only_of_creators_in_scope(app):
    import_tiny(app)
    muscleblaze = frozenset(["MuscleBlaze"])
    with app.app_context():
        scoped = analytics.metrics(analytics.Selection(), "overall", scope=muscleblaze)
        filtered = analytics.metrics(analytics.Selection(brands=muscleblaze), "overall",
                                     scope=None)
        creators = analytics.metrics(analytics.Selection(), "influencer", scope=muscleblaze)
    # Chen (3) sells only Gritzo: the MuscleBlaze manager does not see Chen's post.
    assert (scoped.iloc[0]["posts"], scoped.iloc[0]["reach"]) == (3, 130000)
    # The plain brand filter keeps every unbranded post, as METRICS.md says.
    assert (filtered.iloc[0]["posts"], filtered.iloc[0]["reach"]) == (4, 135000)
    assert set(creators["influencer_id"]) == {"1", "2"}


def test_concurrent_misses_compute_once(sqlite_app):
    import threading
    import time

    calls = []

    def slow_total():
        calls.append(1)
        time.sleep(0.5)
        return 42

    def ask(results):
        with sqlite_app.app_context():
            results.append(analytics.cached("dogpile", analytics.Selection(), None,
                                            slow_total))

    # Results are cached once the database has its id, which the first import writes.
    import_tiny(sqlite_app)
    results = []
    threads = [threading.Thread(target=ask, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42, 42, 42, 42]
    assert len(calls) == 1


def test_profile_payouts_of_a_brand_limited_user_stay_in_their_brands(app):
    import_tiny(app)
    with app.app_context():
        scope = frozenset({"MuscleBlaze"})
        payouts = analytics.influencer_profile("2", analytics.Selection(),
                                               scope=scope)["payouts"]
        assert payouts[["basis", "orders", "posts", "spend"]].to_dict("records") == [
            {"basis": "order", "orders": 5, "posts": 1, "spend": 2500.0}]
        assert not {"rate", "units", "expected", "total_payout", "difference"} & set(
            payouts.columns)
        whole = analytics.influencer_profile("2", analytics.Selection(), scope=None)["payouts"]
        assert (whole.loc[0, "units"], whole.loc[0, "total_payout"]) == (6, 3000.0)


def test_creator_page_says_payouts_are_shared_across_brands(sqlite_app):
    from layouts.influencers import payout_content

    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        payouts = analytics.reconciliation_frame(scope=frozenset({"MuscleBlaze"}))
    caption, grid = payout_content(payouts[payouts["influencer_id"] == "2"])
    assert caption.children == analytics.PAYOUT_SHARE_NOTE
    assert [column["field"] for column in grid.columnDefs] == ["basis", "orders", "posts",
                                                                "spend"]
    assert grid.rowData[0]["spend"] == 2500.0


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(frames=data_sets(), selection=selections(),
       scope=st.one_of(st.none(), st.sets(st.sampled_from(BRANDS), min_size=1).map(frozenset)),
       by=st.sampled_from(analytics.DIMENSIONS))
def test_measured_baseline_is_the_same_on_both_engines(sqlite_app, frames, selection, scope,
                                                       by):
    with sqlite_app.app_context():
        with db.transaction() as session:
            clear_tables(session)
            oracle.write_frames(session, frames)
        results = {}
        for engine in ("columnar", "sql"):
            sqlite_app.config["ANALYTICS_ENGINE"] = engine
            results[engine] = analytics.measured_baseline(selection, by, scope=scope)
        assert_frames_match(results["columnar"], results["sql"], by)


def test_the_baseline_by_creator_from_the_snapshot_arrays_is_the_grouped_one(sqlite_app):
    """By creator within dates the columnar engine reads per-creator arrays (spans and
    outside-window revenue kept per brand set) instead of joining and grouping frames."""
    from dashboard.analytics import baseline

    sqlite_app.config["ANALYTICS_ENGINE"] = "columnar"
    import_tiny(sqlite_app)
    selections = [
        (analytics.Selection(start=date(2025, 1, 1), end=date(2025, 3, 31)), None),
        (analytics.Selection(start=date(2025, 2, 1), baseline=0.35), None),
        (analytics.Selection(end=date(2025, 1, 31), brands=frozenset({"MuscleBlaze"})), None),
        (analytics.Selection(start=date(2025, 1, 1), end=date(2025, 3, 31),
                             platforms=frozenset({"YouTube"})), frozenset({"HKVitals"})),
        (analytics.Selection(start=date(2025, 1, 1), end=date(2025, 3, 31)),
         frozenset({"Gritzo"}))]
    with sqlite_app.app_context():
        measured = 0
        for selection, scope in selections:
            groups = analytics.metrics(selection, "influencer", scope=scope)
            expected = baseline._organic_revenue(selection, "influencer", scope)
            grouped = [expected.get(key, 0.0) for key in groups["influencer_id"]]
            arrays = baseline._organic_by_creator(selection, scope, groups)
            assert arrays.tolist() == pytest.approx(grouped, rel=1e-12, abs=1e-9)
            measured += int((arrays != selection.baseline * groups["revenue"]).sum())
        # Some creator was measured, not assumed: the arrays were read.
        assert measured > 0


def test_the_snapshot_follows_the_data_version(sqlite_app, tmp_path):
    sqlite_app.config["ANALYTICS_ENGINE"] = "columnar"
    folder = tmp_path / "instance" / "analytics"
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        before = analytics.metrics(analytics.Selection(), "overall", scope=None)
    first = sorted(path.name for path in folder.glob("*-*-*"))
    assert len(first) == len(columnar.PARTS)
    with sqlite_app.app_context():
        with db.transaction() as session:
            session.execute(delete(DailyFact).where(DailyFact.revenue > 0))
            state = session.execute(select(DataState)).scalar_one()
            state.version += 1
        after = analytics.metrics(analytics.Selection(), "overall", scope=None)
    # A new file for the new version, the old one gone, and the numbers of the new data.
    second = sorted(path.name for path in folder.glob("*-*-*"))
    assert len(second) == len(columnar.PARTS) and not set(first) & set(second)
    assert before["revenue"].iloc[0] > 0 and after["revenue"].iloc[0] == 0


def test_the_snapshot_keeps_post_spend_once_per_creator_and_day(sqlite_app):
    sqlite_app.config["ANALYTICS_ENGINE"] = "columnar"
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        facts = pd.DataFrame(db.session.execute(select(
            DailyFact.influencer_pk, DailyFact.day, DailyFact.brand_id, DailyFact.campaign_id,
            DailyFact.tracking_rows, DailyFact.posts, DailyFact.spend)).all())
        snap = columnar.snapshot()
        post_spend = facts[(facts["tracking_rows"] == 0) & (facts["posts"] == 0)
                           & facts["day"].notna()]
        creator_days = post_spend.groupby(["influencer_pk", "day"])["spend"].sum()
        # The tiny data has a creator paid per post whose revenue spans several pairs.
        assert len(post_spend) > len(creator_days)
        assert snap.post_spend.height == len(creator_days)
        assert snap.facts.height == len(facts) - len(post_spend)
        assert sorted(snap.post_spend["spend"].to_list()) == pytest.approx(
            sorted(creator_days.to_list()), rel=1e-12)
        # Split again over the pairs, the spend is what daily_facts holds per brand.
        by_brand = {}
        for engine in ("columnar", "sql"):
            sqlite_app.config["ANALYTICS_ENGINE"] = engine
            frame = analytics.metrics(analytics.Selection(), "brand", scope=None,
                                      use_cache=False)
            by_brand[engine] = dict(zip(frame["brand"], frame["spend"]))
        assert by_brand["columnar"] == pytest.approx(by_brand["sql"], rel=1e-12)


def test_a_process_forked_after_a_polars_query_sums_in_the_database(sqlite_app, tmp_path,
                                                                     monkeypatch):
    sqlite_app.config["ANALYTICS_ENGINE"] = "columnar"
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        expected = analytics.metrics(analytics.Selection(), "brand", scope=None,
                                     use_cache=False)
    pid = os.fork()
    if pid == 0:  # the child: what a diskcache background job is
        code = 1
        try:
            with sqlite_app.app_context():
                same = analytics.metrics(analytics.Selection(), "brand", scope=None,
                                         use_cache=False)
                code = 0 if (not columnar.enabled()
                             and list(same["brand"]) == list(expected["brand"])
                             and np.allclose(same[["revenue", "spend", "orders"]],
                                             expected[["revenue", "spend", "orders"]],
                                             rtol=1e-9)) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
