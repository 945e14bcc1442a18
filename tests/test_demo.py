"""Demo data: deterministic, in DATASETS.md's columns, realistic, with a truthful truth file."""
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import demo
from models.influencers import TIERS, tier_for
from tests.helpers import ROOT

SAMPLE = ROOT / "data"
FILES = ("influencers.csv", "posts.csv", "tracking_data.csv", "payouts.csv", "demo_truth.json")

# DATASETS.md's columns, written out here so a change to the generator cannot move them.
EXPECTED_COLUMNS = {
    "influencers.csv": ["influencer_id", "name", "category", "gender", "follower_count",
                        "platform"],
    "posts.csv": ["post_id", "influencer_id", "platform", "date", "url", "caption", "reach",
                  "likes", "comments", "brand"],
    "tracking_data.csv": ["source", "campaign", "influencer_id", "user_id", "product",
                          "brand", "date", "orders", "revenue"],
    "payouts.csv": ["influencer_id", "basis", "rate", "orders", "total_payout"],
}
BRAND_PRODUCTS = {
    "MuscleBlaze": {"Whey Protein", "Creatine", "Mass Gainer", "BCAA", "Pre-Workout"},
    "HKVitals": {"Multivitamin", "Fish Oil", "Biotin", "Apple Cider Vinegar"},
    "Gritzo": {"Kids Protein", "SuperMilk"},
}
CAMPAIGN_CODES = {"MuscleBlaze": "MB", "HKVitals": "HKV", "Gritzo": "GZ"}


def read_set(folder):
    folder = Path(folder)
    frames = {name: pd.read_csv(folder / name, dtype={"influencer_id": str, "user_id": str})
              for name in EXPECTED_COLUMNS}
    frames["truth"] = json.loads((folder / "demo_truth.json").read_text())
    return frames


@pytest.fixture(scope="module")
def demo_set(tmp_path_factory):
    """One generated set (scale 4,000, seed 11) shared by the read-only checks below."""
    folder = tmp_path_factory.mktemp("demo")
    demo.write_demo(folder, scale=4_000, seed=11)
    return read_set(folder)


def test_same_seed_gives_the_same_bytes(tmp_path):
    demo.write_demo(tmp_path / "first", scale=1_500, seed=3)
    demo.write_demo(tmp_path / "second", scale=1_500, seed=3)
    for name in FILES:
        assert (tmp_path / "first" / name).read_bytes() == \
            (tmp_path / "second" / name).read_bytes(), name


def test_different_seeds_give_different_data(tmp_path):
    demo.write_demo(tmp_path / "three", scale=1_500, seed=3)
    demo.write_demo(tmp_path / "four", scale=1_500, seed=4)
    for name in ("influencers.csv", "posts.csv", "tracking_data.csv", "payouts.csv"):
        assert (tmp_path / "three" / name).read_bytes() != \
            (tmp_path / "four" / name).read_bytes(), name


def test_scale_is_the_number_of_tracking_rows():
    tracking = demo.generate(scale=1_234, seed=5)["tracking_data"]
    assert len(tracking) == 1_234
    assert len(demo.generate(seed=5)["tracking_data"]) == demo.DEFAULT_SCALE


def test_chunked_streaming_honours_scale_and_seed(tmp_path, monkeypatch):
    # Small chunks force the multi-chunk path (worker processes) that big scales take.
    from dashboard.demo import generator

    monkeypatch.setattr(generator, "CHUNK_ROWS", 700)
    demo.write_demo(tmp_path / "first", scale=2_000, seed=9)
    demo.write_demo(tmp_path / "second", scale=2_000, seed=9)
    first = (tmp_path / "first" / "tracking_data.csv").read_bytes()
    assert first == (tmp_path / "second" / "tracking_data.csv").read_bytes()
    tracking = pd.read_csv(tmp_path / "first" / "tracking_data.csv")
    assert len(tracking) == 2_000
    truth = json.loads((tmp_path / "first" / "demo_truth.json").read_text())
    assert truth["scale"] == 2_000
    assert truth["seed"] == 9


def test_files_have_the_columns_of_datasets_md(demo_set):
    for name, columns in EXPECTED_COLUMNS.items():
        assert list(demo_set[name].columns) == columns, name


def test_values_follow_the_dataset_rules(demo_set):
    influencers = demo_set["influencers.csv"]
    posts = demo_set["posts.csv"]
    tracking = demo_set["tracking_data.csv"]
    payouts = demo_set["payouts.csv"]
    known = set(influencers["influencer_id"])

    assert influencers["influencer_id"].is_unique
    assert set(influencers["platform"]) == {"Instagram", "YouTube", "Twitter", "TikTok"}
    assert set(influencers["category"]) == {"Fitness", "Nutrition", "Lifestyle", "Health",
                                            "Parenting"}
    assert (influencers["follower_count"] >= 0).all()

    assert posts["url"].is_unique and posts["post_id"].is_unique
    assert set(posts["influencer_id"]) <= known
    assert (posts[["reach", "likes", "comments"]] >= 0).all().all()
    assert ((posts["likes"] + posts["comments"]) <= posts["reach"]).all()
    platform_of = influencers.set_index("influencer_id")["platform"]
    assert (posts["platform"].to_numpy() == platform_of[posts["influencer_id"]].to_numpy()).all()

    assert set(tracking["influencer_id"]) <= known
    assert set(tracking["source"]) == {"instagram", "youtube", "twitter", "tiktok",
                                       "promo_code"}
    for brand, products in BRAND_PRODUCTS.items():
        assert set(tracking.loc[tracking["brand"] == brand, "product"]) == products
    dates = pd.to_datetime(tracking["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2024-01-01")
    assert dates.max() == pd.Timestamp("2025-12-31")
    campaign_month = tracking["brand"].map(CAMPAIGN_CODES) + "_" + dates.dt.strftime("%Y_%m")
    assert (tracking["campaign"] == campaign_month).all()
    assert (tracking["revenue"] >= 0).all()
    assert ((tracking["orders"] == 0) == (tracking["revenue"] == 0)).all()
    orders_share = tracking["orders"].value_counts(normalize=True)
    assert orders_share[1] > 0.7 and 0 < orders_share[0] < 0.1
    assert set(tracking["orders"]) == {0, 1, 2, 3}

    assert set(payouts["influencer_id"]) <= known
    assert not payouts.duplicated(["influencer_id", "basis"]).any()


def test_every_tier_appears_with_long_tailed_followers(demo_set):
    followers = demo_set["influencers.csv"]["follower_count"]
    assert {tier_for(count) for count in followers} == set(TIERS)
    # A long tail: the biggest creator dwarfs the median one.
    assert followers.max() > 50 * followers.median()


def test_engagement_differs_by_platform(demo_set):
    posts = demo_set["posts.csv"]
    sums = posts.groupby("platform")[["likes", "comments", "reach"]].sum()
    engagement = (sums["likes"] + sums["comments"]) / sums["reach"]
    assert engagement["TikTok"] > 2 * engagement["Twitter"]


def payout_units(frames):
    """Posts (basis post) or tracked orders (basis order) each payout should cover."""
    payouts = frames["payouts.csv"]
    posts_of = frames["posts.csv"].groupby("influencer_id").size()
    orders_of = frames["tracking_data.csv"].groupby("influencer_id")["orders"].sum()
    units = np.where(payouts["basis"] == "post",
                     payouts["influencer_id"].map(posts_of).fillna(0),
                     payouts["influencer_id"].map(orders_of).fillna(0))
    return payouts.assign(units=units, expected=payouts["rate"] * units)


def test_payouts_use_both_bases_and_a_few_do_not_reconcile(demo_set):
    payouts = payout_units(demo_set)
    assert set(payouts["basis"]) == {"post", "order"}
    by_order = payouts[payouts["basis"] == "order"]
    assert (by_order["orders"] == by_order["units"]).all()
    assert payouts.loc[payouts["basis"] == "post", "orders"].isna().all()

    off = (payouts["total_payout"] - payouts["expected"]).abs() > 0.01
    assert 1 <= off.sum() <= 0.1 * len(payouts)
    # A retainer paid to a creator with no posts on record: spend with no date.
    assert ((payouts["basis"] == "post") & (payouts["units"] == 0)).any()


def test_some_creators_have_no_posts_and_some_no_orders(demo_set):
    known = set(demo_set["influencers.csv"]["influencer_id"])
    assert known - set(demo_set["posts.csv"]["influencer_id"])
    assert known - set(demo_set["tracking_data.csv"]["influencer_id"])


def test_truth_file_describes_the_data(demo_set):
    truth = demo_set["truth"]
    tracking = demo_set["tracking_data.csv"]
    posts = demo_set["posts.csv"]
    assert truth["post_window_days"] == 7
    assert truth["seed"] == 11 and truth["scale"] == 4_000

    revenue_of = tracking.groupby("influencer_id")["revenue"].sum()
    assert set(truth["by_influencer"]) == set(revenue_of[revenue_of > 0].index)
    weighted = sum(share * revenue_of[key] for key, share in truth["by_influencer"].items())
    assert weighted / revenue_of.sum() == pytest.approx(truth["baseline_share"], abs=1e-5)
    for key in set(revenue_of.index) - set(posts["influencer_id"]):
        assert truth["by_influencer"][key] == 1.0

    # The planted baseline is visible in the CSVs alone: revenue on days outside every
    # post window, per day, times all days, is organic revenue.
    start = np.datetime64("2024-01-01")
    span = (np.datetime64("2025-12-31") - start).astype(int) + 1
    tracking_day = (tracking["date"].to_numpy().astype("datetime64[D]") - start).astype(int)
    post_day = (posts["date"].to_numpy().astype("datetime64[D]") - start).astype(int)
    organic_estimate = 0.0
    revenue_inside = revenue_outside = days_inside = days_outside = 0.0
    for key in revenue_of.index:
        covered = np.zeros(span, dtype=bool)
        for day in post_day[(posts["influencer_id"] == key).to_numpy()]:
            covered[day:day + truth["post_window_days"]] = True
        mine = (tracking["influencer_id"] == key).to_numpy()
        outside = ~covered[tracking_day[mine]]
        revenue = tracking["revenue"].to_numpy()[mine]
        organic_estimate += revenue[outside].sum() / (~covered).sum() * span
        revenue_inside += revenue[~outside].sum()
        revenue_outside += revenue[outside].sum()
        days_inside += covered.sum()
        days_outside += (~covered).sum()
    assert organic_estimate / revenue_of.sum() == pytest.approx(truth["baseline_share"],
                                                                abs=0.03)
    # Orders cluster after posts: far more revenue per creator-day inside windows.
    assert revenue_inside / days_inside > 3 * revenue_outside / days_outside


def test_shipped_sample_is_the_default_generation(tmp_path):
    demo.write_demo(tmp_path, scale=None, seed=7)
    for name in FILES:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/{name} differs from the generator's output: regenerate it with "
            f"demo.write_demo('data')")
    generated = demo.generate()
    for dataset, file_name in demo.FILE_NAMES.items():
        assert generated[dataset].to_csv(index=False, lineterminator="\n") == \
            (SAMPLE / file_name).read_text(encoding="utf-8"), dataset


def test_creators_and_posts_set_the_shape():
    default = demo.generate(scale=3_000, seed=5)
    wide = demo.generate(scale=3_000, seed=5, creators=300, posts=6_000)
    assert len(default["influencers"]) == 40
    assert len(wide["influencers"]) == 300 and len(wide["posts"]) == 6_000
    assert len(wide["tracking_data"]) == 3_000
    # Every creator who posts keeps at least one post, and some still post nothing.
    posting = wide["posts"]["influencer_id"].value_counts()
    assert posting.min() >= 1
    assert 0 < len(wide["influencers"]) - len(posting) < 30
    assert set(wide["tracking_data"]["influencer_id"]) <= set(wide["influencers"]["influencer_id"])


def test_posts_alone_keep_the_default_creators_and_their_columns():
    default = demo.generate(scale=2_000, seed=5)
    more_posts = demo.generate(scale=2_000, seed=5, posts=4_000)
    assert len(more_posts["posts"]) == 4_000
    # Post counts come from a stream of their own: the creators stay as they were.
    pd.testing.assert_frame_equal(default["influencers"], more_posts["influencers"])


def test_planted_curves_cover_a_wide_shape(tmp_path):
    paths = demo.write_demo(tmp_path, scale=5_000, seed=4, creators=200, posts=5_000)
    truth = json.loads(paths["truth"].read_text())
    posts = pd.read_csv(paths["posts"])
    tracking = pd.read_csv(paths["tracking_data"])
    sellers_with_posts = set(posts["influencer_id"]) & set(tracking["influencer_id"])
    # Creators planned to sell may draw no order in 5,000 rows; they keep their curve.
    assert sellers_with_posts <= set(truth["curves"]) <= set(posts["influencer_id"])
    assert len(truth["curves"]) > 150
    for key, curve in truth["curves"].items():
        assert curve["saturation_revenue"] > 0 and curve["posts_scale"] > 0, key
        assert curve["most_posts_in_a_month"] >= 1, key


@pytest.mark.parametrize("shape, message", [
    ({"creators": 5}, "at least 10 creators, not 5"),
    ({"creators": 100, "posts": 20}, "least 96 posts, not 20"),
])
def test_impossible_shapes_are_refused_in_plain_words(shape, message):
    with pytest.raises(ValueError, match=message):
        demo.generate(scale=1_000, seed=1, **shape)


def test_demo_command_writes_the_shape_asked_for(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["demo", "--scale", "1500", "--creators", "60", "--posts",
                                 "900", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "influencers.csv")) == 60
    assert len(pd.read_csv(tmp_path / "posts.csv")) == 900
    refused = runner.invoke(args=["demo", "--creators", "3", "--out", str(tmp_path / "no")])
    assert refused.exit_code == 2
    assert "at least 10 creators, not 3" in refused.output
    assert not (tmp_path / "no").exists()


def test_days_set_the_span_ending_on_the_last_day():
    year = demo.generate(scale=3_000, seed=5, creators=60, posts=600, days=365)
    days = pd.to_datetime(year["tracking_data"]["date"])
    assert days.min() >= pd.Timestamp("2025-01-01")
    assert days.max() == pd.Timestamp(str(demo.END_DAY))
    # Every post's window of seven days lies inside the span, and campaigns follow it.
    assert pd.to_datetime(year["posts"]["date"]).max() <= pd.Timestamp("2025-12-25")
    assert pd.to_datetime(year["posts"]["date"]).min() >= pd.Timestamp("2025-01-01")
    assert {c.split("_")[1] for c in year["tracking_data"]["campaign"]} == {"2025"}
    _influencers, _posts, _payouts, truth = demo.produce(3_000, 5, lambda chunk: None,
                                                         as_csv=False, days=365)
    assert truth["start"] == "2025-01-01"
    with pytest.raises(ValueError, match="spans 7 to 731 days, not 800"):
        demo.generate(scale=100, seed=1, days=800)


def test_campaign_names_follow_brand_and_month():
    campaigns = set(demo.generate(scale=500, seed=1)["tracking_data"]["campaign"])
    assert all(re.fullmatch(r"(MB|HKV|GZ)_20(24|25)_(0[1-9]|1[0-2])", c) for c in campaigns)


def test_generated_data_imports_cleanly(app):
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from models import Influencer, Order, Payout, Post

    with app.app_context():
        assert demo.database_is_empty()
        result = demo.load_demo(scale=1_000, seed=2)
        assert not result.errors, [str(error) for error in result.errors]
        assert not demo.database_is_empty()
        expected = demo.generate(scale=1_000, seed=2)
        for model, dataset in ((Influencer, "influencers"), (Post, "posts"),
                               (Order, "tracking_data"), (Payout, "payouts")):
            stored = db.session.scalar(select(func.count()).select_from(model))
            assert stored == len(expected[dataset]), dataset


def test_setup_demo_loads_the_sample_once_and_prints_the_users(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    first = runner.invoke(args=["setup-demo"])
    assert first.exit_code == 0, first.output
    assert "Loading demo data" in first.output
    assert "'manager' password 'manager-demo-pass' (HKVitals, MuscleBlaze)" in first.output
    with sqlite_app.app_context():
        assert not demo.database_is_empty()
    second = runner.invoke(args=["setup-demo"])
    assert second.exit_code == 0, second.output
    assert "Loading demo data" not in second.output
    assert "'admin' password 'admin-demo-pass'" in second.output


def test_demo_users_are_created_once_and_listed_only_while_usable(sqlite_app):
    from dashboard import users

    with sqlite_app.app_context():
        created = demo.ensure_demo_users()
        assert [(name, role, brands) for name, _password, role, brands in created] == [
            ("admin", "admin", ()), ("analyst", "analyst", ()),
            ("manager", "manager", ("HKVitals", "MuscleBlaze"))]
        assert users.check_credentials("manager", "manager-demo-pass")
        assert demo.ensure_demo_users() == created
        assert len(users.list_users()) == 3

        users.reset_password("analyst", "a-new-secret-pass")
        assert [name for name, *_ in demo.ensure_demo_users()] == ["admin", "manager"]
