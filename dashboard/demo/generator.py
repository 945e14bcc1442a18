"""Demo data with a planted baseline and response curves, produced as CSV files or frames."""
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.demo.world import (
    DEFAULT_SCALE, END_DAY, SPAN_DAYS, POST_WINDOW_DAYS, LIFT_DECAY,
    PLATFORM_POSTS_SCALE, TIER_POSTS_SCALE, POSTS_SCALE_SPREAD, MONTH_ACTIVITY_SHAPE,
    MEAN_ORDERS_PER_ROW, MEAN_PRICE_PAID, MIN_CREATORS, PLATFORMS, PLATFORM_SHARE,
    PLATFORM_REACH_RATE, PLATFORM_ENGAGEMENT, PLATFORM_COMMENT_SHARE, PLATFORM_POSTS, SOURCES,
    PROMO_CODE_SHARE, CATEGORIES, CATEGORY_SHARE, GENDERS, GENDER_SHARE, TIERS, TIER_SHARE,
    TIER_FOLLOWERS, FOLLOWER_PARETO_ALPHA, TIER_ENGAGEMENT, TIER_POST_FEE, BRANDS, BRAND_CODES,
    CATEGORY_BRAND_AFFINITY, CATALOGUE, PRODUCTS, PRODUCT_PRICES, ORDERS_PER_ROW,
    ORDERS_PER_ROW_SHARE, USER_ID_BASE, FIRST_NAMES, LAST_NAMES, CAPTIONS, BASIS_SHARE,
    TARGET_ROAS_MEDIAN, NON_RECONCILING_SHARE, NO_POSTS_SHARE, NO_ORDERS_SHARE)
from dashboard.importing.schemas import FILE_NAMES as DATASET_OF_FILE
from dashboard.importing.schemas import SCHEMAS

# Tracking rows are produced and written this many at a time, so memory stays bounded.
CHUNK_ROWS = 200_000

FILE_NAMES = {dataset: file_name for file_name, dataset in DATASET_OF_FILE.items()}
TRUTH_FILE = "demo_truth.json"
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data"

COLUMNS = {dataset: [column.name for column in columns if not column.extra]
           for dataset, columns in SCHEMAS.items()}



class Calendar:
    """The days a data set covers, ending on END_DAY, and their months (campaigns run per
    brand and month: "MB_2025_03")."""

    def __init__(self, days=None):
        self.days = SPAN_DAYS if days is None else int(days)
        if not POST_WINDOW_DAYS <= self.days <= SPAN_DAYS:
            raise ValueError(f"The demo spans {POST_WINDOW_DAYS} to {SPAN_DAYS} days, "
                             f"not {self.days}.")
        self.start = END_DAY - (self.days - 1)
        self.day_strings = np.datetime_as_string(self.start + np.arange(self.days),
                                                 unit="D").astype(object)
        labels = np.array([day[:7] for day in self.day_strings], dtype=object)
        self.months = sorted(set(labels))
        self.month_first = np.array([int(np.flatnonzero(labels == m)[0])
                                     for m in self.months])
        self.month_days = np.array([int((labels == m).sum()) for m in self.months])
        self.day_month = np.searchsorted(np.array(self.months, dtype=object), labels)
        self.campaigns = np.array([f"{code}_{month.replace('-', '_')}"
                                   for code in BRAND_CODES for month in self.months],
                                  dtype=object)


@dataclass
class DemoPlan:
    """Everything a tracking-row chunk needs, small enough to send to a worker process."""

    seed: int
    influencer_ids: np.ndarray       # object, "INF00001"
    platform: np.ndarray             # int index into PLATFORMS
    row_share: np.ndarray            # probability a tracking row belongs to each creator
    baseline_share: np.ndarray       # planted organic share of each creator's rows
    brand_cumulative: np.ndarray     # (creators, 3) cumulative brand affinity
    post_first: np.ndarray           # creator -> first index into the post arrays below
    post_last: np.ndarray            # creator -> one past its last post
    post_weight_cumulative: np.ndarray  # lift a post brings, cumulative over all posts
    post_day: np.ndarray             # day offset from the calendar's first day
    post_brand: np.ndarray           # brand index of each post
    shoppers: int                    # distinct user ids orders are drawn from
    calendar: "Calendar"             # the days the data covers


def generate(scale=None, seed=7, creators=None, posts=None, days=None):
    """The four data sets as DataFrames, in DATASETS.md's columns (for small scales)."""
    tracking_chunks = []
    influencers, posts, payouts, _truth = produce(
        scale, seed, lambda chunk: tracking_chunks.append(chunk), as_csv=False,
        creators=creators, posts=posts, days=days)
    tracking = pd.concat(tracking_chunks, ignore_index=True)
    for column in ("source", "campaign", "influencer_id", "user_id", "product", "brand",
                   "date"):
        tracking[column] = tracking[column].astype(str)
    return {"influencers": influencers, "posts": posts, "tracking_data": tracking,
            "payouts": payouts}


def write_demo(out_dir, scale=None, seed=7, creators=None, posts=None, days=None):
    """Write the four CSVs and demo_truth.json into out_dir, streaming tracking rows.

    creators and posts set the shape (default: about one creator per 2,000 orders and
    each creator's usual number of posts); the bench's wide shape is 10,000 and 200,000.
    days is the span, ending on END_DAY (default: two years; the wide shape's is 365).
    """
    _shape(scale, creators, posts)
    Calendar(days)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / file_name for name, file_name in FILE_NAMES.items()}
    with open(paths["tracking_data"], "w", encoding="utf-8", newline="") as tracking_file:
        tracking_file.write(",".join(COLUMNS["tracking_data"]) + "\n")
        influencers, posts, payouts, truth = produce(scale, seed, tracking_file.write,
                                                      as_csv=True, creators=creators,
                                                      posts=posts, days=days)
    for name, frame in (("influencers", influencers), ("posts", posts),
                        ("payouts", payouts)):
        frame.to_csv(paths[name], index=False, lineterminator="\n")
    paths["truth"] = out_dir / TRUTH_FILE
    paths["truth"].write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return paths


def produce(scale, seed, on_tracking_chunk, as_csv, creators=None, posts=None, days=None):
    """Build creators and posts, stream tracking chunks to the callback, then payouts."""
    scale, creator_count, post_total = _shape(scale, creators, posts)
    seed = int(seed)
    plan, influencers, posts, tiers, post_counts, curves = _plan_creators(
        scale, seed, creator_count, post_total, Calendar(days))

    creator_count = len(plan.influencer_ids)
    orders_by_creator = np.zeros(creator_count, dtype=np.int64)
    revenue_by_creator = np.zeros(creator_count)
    organic_revenue_by_creator = np.zeros(creator_count)
    for chunk, orders, revenue, organic_revenue in _tracking_chunks(plan, scale, as_csv):
        on_tracking_chunk(chunk)
        orders_by_creator += orders
        revenue_by_creator += revenue
        organic_revenue_by_creator += organic_revenue

    payouts = _payouts(plan, tiers, post_counts, orders_by_creator, revenue_by_creator)
    truth = _truth(plan, scale, revenue_by_creator, organic_revenue_by_creator)
    truth["curves"] = _curve_truth(plan, scale, curves, payouts, post_counts)
    return influencers, posts, payouts, truth


def _shape(scale, creators, posts):
    """(tracking rows, creators, posts or None) after checking they can be generated."""
    scale = DEFAULT_SCALE if scale is None else int(scale)
    if scale < 1:
        raise ValueError(f"The demo scale must be at least 1 tracking row, not {scale}.")
    creator_count = max(40, scale // 2000) if creators is None else int(creators)
    if creator_count < MIN_CREATORS:
        raise ValueError(f"The demo needs at least {MIN_CREATORS} creators, not "
                         f"{creator_count}.")
    if posts is None:
        return scale, creator_count, None
    posting = creator_count - _without_posts_count(creator_count)
    if int(posts) < posting:
        raise ValueError(f"{posting:,} of the creators post, so the demo needs at least "
                         f"{posting:,} posts, not {int(posts):,}.")
    return scale, creator_count, int(posts)


def _without_posts_count(creator_count):
    return max(1, round(NO_POSTS_SHARE * creator_count))


def _plan_creators(scale, seed, creator_count, post_total, calendar):
    rng = np.random.default_rng([seed, 0])
    ids = np.array([f"INF{number:05d}" for number in range(1, creator_count + 1)],
                   dtype=object)

    tiers = rng.permutation(_quota(TIER_SHARE, creator_count))
    low = np.array([TIER_FOLLOWERS[t][0] for t in tiers], dtype=float)
    high = np.array([TIER_FOLLOWERS[t][1] for t in tiers], dtype=float)
    followers = _bounded_pareto(rng, low, high, FOLLOWER_PARETO_ALPHA)
    # Keep every count inside its tier after rounding (the upper bound belongs to the next).
    followers = np.minimum(np.floor(followers), high - 1).astype(np.int64)

    platform = rng.choice(len(PLATFORMS), creator_count, p=PLATFORM_SHARE)
    category = rng.choice(len(CATEGORIES), creator_count, p=CATEGORY_SHARE)
    gender = rng.choice(len(GENDERS), creator_count, p=GENDER_SHARE)
    first = rng.integers(0, len(FIRST_NAMES), creator_count)
    last = rng.integers(0, len(LAST_NAMES), creator_count)
    names = np.array([f"{FIRST_NAMES[f]} {LAST_NAMES[g]}" for f, g in zip(first, last)],
                     dtype=object)
    affinity = np.array([rng.dirichlet(CATEGORY_BRAND_AFFINITY[c] * 8) for c in category])

    # Some creators are paid for posts that posts.csv does not hold, some sell nothing;
    # both are smaller creators, so no one such case dominates spend.
    order = rng.permutation(np.flatnonzero(tiers <= TIERS.index("mid")))
    without_posts_count = _without_posts_count(creator_count)
    without_orders_count = max(1, round(NO_ORDERS_SHARE * creator_count))
    without_posts = np.zeros(creator_count, dtype=bool)
    without_posts[order[:without_posts_count]] = True
    without_orders = np.zeros(creator_count, dtype=bool)
    without_orders[order[without_posts_count:without_posts_count + without_orders_count]] = True

    post_counts = np.maximum(1, rng.poisson(PLATFORM_POSTS[platform]))
    post_counts[without_posts] = 0
    if post_total is not None:
        post_counts = _posts_per_creator(seed, post_total, platform, without_posts)
    # Creators with posts sell partly because of them; the rest of their orders would
    # happen anyway (the planted organic baseline, spread over every day).
    baseline_share = np.clip(rng.beta(2.5, 5.5, creator_count), 0.05, 0.85)
    baseline_share[without_posts] = 1.0

    weight = followers.astype(float) ** 0.45 * rng.lognormal(0.0, 0.7, creator_count)
    weight[without_orders] = 0.0
    row_share = weight / weight.sum()

    post_owner = np.repeat(np.arange(creator_count), post_counts)
    post_total = len(post_owner)
    # Posts go out early enough that their whole window lies inside the data span. The
    # uniform draw is kept (and replaced) so every other column stays as it was.
    rng.integers(0, calendar.days - (POST_WINDOW_DAYS - 1), post_total)
    curve_rng = np.random.default_rng([seed, 3])
    post_day, curves = _busy_months(curve_rng, post_owner, platform, tiers, creator_count,
                                    calendar)
    post_brand = _pick_rows(rng, np.cumsum(affinity, axis=1)[post_owner])
    owner_platform = platform[post_owner]
    reach_rate = PLATFORM_REACH_RATE[owner_platform] * rng.lognormal(0.0, 0.5, post_total)
    reach = np.maximum(1, np.round(followers[post_owner] * np.minimum(reach_rate, 3.0)))
    engagement = (PLATFORM_ENGAGEMENT[owner_platform] * TIER_ENGAGEMENT[tiers[post_owner]]
                  * rng.lognormal(0.0, 0.35, post_total))
    interactions = np.round(reach * np.minimum(engagement, 0.5))
    comment_share = PLATFORM_COMMENT_SHARE[owner_platform] * rng.uniform(0.6, 1.4, post_total)
    comments = np.round(interactions * comment_share)
    likes = interactions - comments

    post_first = np.concatenate([[0], np.cumsum(post_counts)[:-1]])
    post_last = np.cumsum(post_counts)
    plan = DemoPlan(
        seed=seed, influencer_ids=ids, platform=platform, row_share=row_share,
        baseline_share=baseline_share, brand_cumulative=np.cumsum(affinity, axis=1),
        post_first=post_first, post_last=post_last,
        post_weight_cumulative=np.cumsum(curves["post_weight"]), post_day=post_day,
        post_brand=post_brand,
        shoppers=max(1_000, scale // 3), calendar=calendar)

    influencers = pd.DataFrame({
        "influencer_id": ids, "name": names, "category": CATEGORIES[category],
        "gender": GENDERS[gender], "follower_count": followers,
        "platform": PLATFORMS[platform]})
    influencers["gender"] = influencers["gender"].replace("", None)

    # Post ids follow publication order, as a platform export would list them.
    chronological = np.lexsort((np.arange(post_total), post_day))
    post_number = np.empty(post_total, dtype=np.int64)
    post_number[chronological] = np.arange(1, post_total + 1)
    caption_pick = rng.integers(0, len(CAPTIONS), post_total)
    caption_product = rng.random(post_total)
    captions = [_caption(caption_pick[p], post_brand[p], caption_product[p], post_day[p])
                for p in range(post_total)]
    post_ids = np.array([f"P{number:07d}" for number in post_number], dtype=object)
    posts = pd.DataFrame({
        "post_id": post_ids,
        "influencer_id": ids[post_owner],
        "platform": PLATFORMS[owner_platform],
        "date": calendar.day_strings[post_day],
        "url": [_post_url(PLATFORMS[owner_platform[p]], names[post_owner[p]], post_number[p])
                for p in range(post_total)],
        "caption": captions,
        "reach": reach.astype(np.int64),
        "likes": likes.astype(np.int64),
        "comments": comments.astype(np.int64),
        "brand": BRANDS[post_brand],
    }).iloc[chronological].reset_index(drop=True)
    return plan, influencers, posts, tiers, post_counts, curves


def _posts_per_creator(seed, post_total, platform, without_posts):
    """Exactly post_total posts over the creators who post, at least one each, in
    proportion to their platform's usual count. A stream of its own, so the other
    columns are drawn as they would be without it."""
    posting = np.flatnonzero(~without_posts)
    weights = PLATFORM_POSTS[platform[posting]]
    counts = np.zeros(len(platform), dtype=np.int64)
    counts[posting] = 1 + np.random.default_rng([seed, 4]).multinomial(
        post_total - len(posting), weights / weights.sum())
    return counts


def _busy_months(rng, post_owner, platform, tiers, creator_count, calendar):
    """Post days clustered in each creator's busy months, and the lift each post brings.

    A post's weight is the month's lift, saturation x (1 - exp(-n / posts_scale)) for its
    n posts, shared equally: lift rows are drawn in proportion to it, so a month with
    twice the posts sells less than twice the extra orders.
    """
    months = calendar.month_first.size
    activity = rng.gamma(MONTH_ACTIVITY_SHAPE, 1.0, (creator_count, months))
    activity /= activity.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(activity, axis=1)[post_owner]
    month = np.minimum((rng.random(len(post_owner))[:, None] >= cumulative).sum(axis=1),
                       months - 1)
    last_day = calendar.days - POST_WINDOW_DAYS
    first = calendar.month_first[month]
    length = np.minimum(first + calendar.month_days[month], last_day + 1) - first
    post_day = first + np.floor(rng.random(len(post_owner)) * length).astype(np.int64)
    posts_scale = (PLATFORM_POSTS_SCALE[platform] * TIER_POSTS_SCALE[tiers]
                   * rng.lognormal(0.0, POSTS_SCALE_SPREAD, creator_count))
    month_posts = np.zeros((creator_count, months))
    np.add.at(month_posts, (post_owner, month), 1)
    share = 1.0 - np.exp(-month_posts / posts_scale[:, None])
    per_post = np.where(month_posts > 0, share / np.maximum(month_posts, 1), 0.0)
    return post_day, {"posts_scale": posts_scale, "month_posts": month_posts,
                      "saturated_months": share.sum(axis=1),
                      "post_weight": per_post[post_owner, month]}


def _tracking_chunks(plan, scale, as_csv):
    """Yield (chunk, orders, revenue, organic revenue by creator) in chunk order.

    Each chunk has its own random stream, so the output is the same whether chunks run
    here or in worker processes; big scales use every core.
    """
    sizes = [min(CHUNK_ROWS, scale - start) for start in range(0, scale, CHUNK_ROWS)]
    if len(sizes) == 1:
        yield _tracking_chunk(plan, 0, sizes[0], as_csv)
        return
    workers = min(os.cpu_count() or 1, len(sizes))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # A bounded window of chunks in flight keeps memory flat at any scale.
        in_flight = []
        for index, size in enumerate(sizes):
            in_flight.append(pool.submit(_tracking_chunk, plan, index, size, as_csv))
            if len(in_flight) >= 2 * workers:
                yield in_flight.pop(0).result()
        for future in in_flight:
            yield future.result()


def _tracking_chunk(plan, chunk_index, rows, as_csv):
    rng = np.random.default_rng([plan.seed, 1, chunk_index])
    creator_count = len(plan.influencer_ids)
    creator = rng.choice(creator_count, rows, p=plan.row_share)
    organic = rng.random(rows) < plan.baseline_share[creator]

    # Organic orders fall on any day with equal chance (a Poisson process over the span).
    calendar = plan.calendar
    day = rng.integers(0, calendar.days, rows)
    brand = _pick_rows(rng, plan.brand_cumulative[creator])

    # Lift orders come from one of the creator's posts (each post its share of its month's
    # saturating lift), on the post's day or up to six days later, fewer each day.
    lifted = np.flatnonzero(~organic)
    owner = creator[lifted]
    weight_before = np.where(plan.post_first[owner] > 0,
                             plan.post_weight_cumulative[plan.post_first[owner] - 1], 0.0)
    weight_through = plan.post_weight_cumulative[plan.post_last[owner] - 1]
    target = weight_before + rng.random(len(lifted)) * (weight_through - weight_before)
    post = np.searchsorted(plan.post_weight_cumulative, target, side="right")
    post = np.minimum(post, plan.post_last[owner] - 1)
    decay = LIFT_DECAY ** np.arange(POST_WINDOW_DAYS)
    day[lifted] = plan.post_day[post] + rng.choice(POST_WINDOW_DAYS, len(lifted),
                                                   p=decay / decay.sum())
    brand[lifted] = plan.post_brand[post]

    product = _pick_rows(rng, _PRODUCT_CUMULATIVE[brand]) + _BRAND_FIRST_PRODUCT[brand]
    orders = rng.choice(ORDERS_PER_ROW, rows, p=ORDERS_PER_ROW_SHARE)
    # Discounts and coupons make the paid price a little under list price.
    revenue = np.round(orders * PRODUCT_PRICES[product] * rng.uniform(0.85, 1.0, rows), 2)
    source = np.where(rng.random(rows) < PROMO_CODE_SHARE, len(SOURCES) - 1,
                      plan.platform[creator])
    campaign = brand * len(calendar.months) + calendar.day_month[day]
    user_id = USER_ID_BASE + rng.integers(0, plan.shoppers, rows)

    by_day = np.argsort(day, kind="stable")
    tracking = pd.DataFrame({
        "source": pd.Categorical.from_codes(source[by_day], SOURCES),
        "campaign": pd.Categorical.from_codes(campaign[by_day], calendar.campaigns),
        "influencer_id": pd.Categorical.from_codes(creator[by_day], plan.influencer_ids),
        "user_id": user_id[by_day],
        "product": pd.Categorical.from_codes(product[by_day], PRODUCTS),
        "brand": pd.Categorical.from_codes(brand[by_day], BRANDS),
        "date": pd.Categorical.from_codes(day[by_day], calendar.day_strings),
        "orders": orders[by_day],
        "revenue": revenue[by_day],
    })
    revenue_by_creator = np.bincount(creator, weights=revenue, minlength=creator_count)
    organic_revenue = np.bincount(creator[organic], weights=revenue[organic],
                                  minlength=creator_count)
    orders_by_creator = np.bincount(creator, weights=orders,
                                    minlength=creator_count).astype(np.int64)
    chunk = tracking.to_csv(index=False, header=False, lineterminator="\n") if as_csv \
        else tracking
    return chunk, orders_by_creator, revenue_by_creator, organic_revenue


def _payouts(plan, tiers, post_counts, orders_by_creator, revenue_by_creator):
    rng = np.random.default_rng([plan.seed, 2])
    creator_count = len(plan.influencer_ids)
    target_roas = TARGET_ROAS_MEDIAN * rng.lognormal(0.0, 0.6, creator_count)
    basis_pick = rng.choice(list(BASIS_SHARE), creator_count, p=list(BASIS_SHARE.values()))
    fee_noise = rng.lognormal(0.0, 0.3, creator_count)
    retainer_posts = rng.integers(1, 4, creator_count)
    # Half the creators without posts also hold a retainer, and at least one does.
    retainer = rng.random(creator_count) < 0.5
    retainer[np.flatnonzero(post_counts == 0)[:1]] = True

    records = []  # influencer index, basis, rate, orders, total, dated
    for creator in range(creator_count):
        posts = int(post_counts[creator])
        orders = int(orders_by_creator[creator])
        budget = revenue_by_creator[creator] / target_roas[creator]
        tier_fee = _fee(TIER_POST_FEE[tiers[creator]] * fee_noise[creator], floor=100.0)
        if posts and revenue_by_creator[creator] > 0:
            basis = basis_pick[creator]
            share = 0.5 if basis == "both" else 1.0
            if basis in ("post", "both"):
                rate = _fee(budget * share / posts, floor=100.0)
                records.append([creator, "post", rate, None, rate * posts, True])
            if basis in ("order", "both"):
                rate = _fee(budget * share / max(orders, 1), floor=5.0)
                records.append([creator, "order", rate, orders, rate * orders, orders > 0])
        elif posts:
            # Paid for posts that sold nothing: spend with no revenue.
            records.append([creator, "post", tier_fee, None, tier_fee * posts, True])
        else:
            rate = _fee(budget / max(orders, 1), floor=5.0)
            records.append([creator, "order", rate, orders, rate * orders, orders > 0])
            if retainer[creator]:
                # A retainer for posts that never reached posts.csv: undated spend that
                # cannot reconcile against the posts on record.
                records.append([creator, "post", tier_fee,
                                None, tier_fee * int(retainer_posts[creator]), False])

    dated = [index for index, record in enumerate(records) if record[5]]
    mismatched = rng.choice(dated, max(1, round(NON_RECONCILING_SHARE * len(dated))),
                            replace=False)
    for index in mismatched:
        # A bonus paid on top, or a partial payment, recorded as the amount actually paid.
        factor = rng.uniform(1.10, 1.40) if rng.random() < 0.6 else rng.uniform(0.60, 0.90)
        records[index][4] = records[index][4] * factor

    return pd.DataFrame({
        "influencer_id": [plan.influencer_ids[r[0]] for r in records],
        "basis": [r[1] for r in records],
        "rate": [float(r[2]) for r in records],
        "orders": pd.array([r[3] for r in records], dtype="Int64"),
        "total_payout": [round(float(r[4]), 2) for r in records],
    })


def _truth(plan, scale, revenue_by_creator, organic_revenue_by_creator):
    total_revenue = revenue_by_creator.sum()
    sold = np.flatnonzero(revenue_by_creator > 0)
    return {
        "baseline_share": round(float(organic_revenue_by_creator.sum() / total_revenue), 6)
        if total_revenue > 0 else None,
        "post_window_days": POST_WINDOW_DAYS,
        "lift_decay": LIFT_DECAY,
        "seed": plan.seed,
        "scale": scale,
        "start": str(plan.calendar.start),
        "end": str(END_DAY),
        "by_influencer": {
            str(plan.influencer_ids[c]):
                round(float(organic_revenue_by_creator[c] / revenue_by_creator[c]), 6)
            for c in sold},
    }


def _curve_truth(plan, scale, curves, payouts, post_counts):
    """Each creator's planted curve in money: expected lift revenue for n posts a month.

    incremental revenue = saturation_revenue x (1 - exp(-n / posts_scale)), and n posts
    cost n x cost_per_post (all the creator's payouts over their posts, as spend is booked).
    """
    brand_price = np.zeros(len(BRANDS))
    for brand in range(len(BRANDS)):
        items = [(price, weight) for b, _, price, weight in CATALOGUE if b == brand]
        brand_price[brand] = sum(p * w for p, w in items) / sum(w for _, w in items)
    paid = payouts.groupby("influencer_id")["total_payout"].sum()
    result = {}
    for creator, key in enumerate(plan.influencer_ids):
        posts = int(post_counts[creator])
        if posts == 0 or plan.row_share[creator] == 0:
            continue
        first, last = plan.post_first[creator], plan.post_last[creator]
        weights = np.diff(np.concatenate([[plan.post_weight_cumulative[first - 1]
                                           if first else 0.0],
                                          plan.post_weight_cumulative[first:last]]))
        revenue_per_row = (MEAN_ORDERS_PER_ROW * MEAN_PRICE_PAID
                           * np.average(brand_price[plan.post_brand[first:last]],
                                        weights=weights))
        lift_rows = scale * plan.row_share[creator] * (1.0 - plan.baseline_share[creator])
        saturated = curves["saturated_months"][creator]
        result[str(key)] = {
            "saturation_revenue": round(float(lift_rows * revenue_per_row / saturated), 4),
            "posts_scale": round(float(curves["posts_scale"][creator]), 6),
            "cost_per_post": round(float(paid.get(key, 0.0) / posts), 4),
            "most_posts_in_a_month": int(curves["month_posts"][creator].max()),
        }
    return result


def true_incremental_revenue(curve, spend):
    """Expected incremental revenue of one planted curve (demo_truth.json) at this spend."""
    if curve["cost_per_post"] <= 0:
        return 0.0
    posts = spend / curve["cost_per_post"]
    return curve["saturation_revenue"] * (1.0 - np.exp(-posts / curve["posts_scale"]))


def _fee(amount, floor):
    """A negotiated rate: two significant figures, as people quote them, and a floor."""
    return max(floor, float(f"{amount:.2g}"))


def _quota(shares, count):
    """Tier of each of `count` creators: the shares by largest remainder, each at least 1."""
    exact = shares * count
    counts = np.maximum(1, np.floor(exact).astype(int))
    while counts.sum() < count:
        counts[np.argmax(exact - counts)] += 1
    while counts.sum() > count:
        counts[np.argmax(np.where(counts > 1, counts - exact, -np.inf))] -= 1
    return np.repeat(np.arange(len(shares)), counts)


def _bounded_pareto(rng, low, high, alpha):
    """Long-tailed draws between low and high (inverse CDF of a truncated Pareto)."""
    uniform = rng.random(len(low))
    return low / (1.0 - uniform * (1.0 - (low / high) ** alpha)) ** (1.0 / alpha)


def _pick_rows(rng, cumulative):
    """One column index per row, drawn from each row's cumulative probabilities."""
    draws = rng.random(len(cumulative)) * cumulative[:, -1]
    return np.minimum((draws[:, None] >= cumulative).sum(axis=1),
                      cumulative.shape[1] - 1)


def _caption(template, brand, product_draw, day):
    brand_products = [name for b, name, _, _ in CATALOGUE if b == brand]
    product = brand_products[int(product_draw * len(brand_products))]
    return CAPTIONS[template].format(product=product, brand=BRANDS[brand],
                                     day=int(day) % 30 + 1)


def _post_url(platform, name, number):
    handle = name.lower().replace(" ", "")
    if platform == "Instagram":
        return f"https://www.instagram.com/p/demo{number:07d}/"
    if platform == "YouTube":
        return f"https://www.youtube.com/watch?v=demo{number:07d}"
    if platform == "Twitter":
        return f"https://x.com/{handle}/status/{1_700_000_000_000 + number}"
    return f"https://www.tiktok.com/@{handle}/video/{7_300_000_000_000 + number}"


def _product_tables():
    """Per brand: cumulative product popularity (padded) and the brand's first product."""
    width = max(sum(1 for b, *_ in CATALOGUE if b == brand) for brand in range(len(BRANDS)))
    cumulative = np.ones((len(BRANDS), width))
    first = np.zeros(len(BRANDS), dtype=np.int64)
    for brand in range(len(BRANDS)):
        indices = [i for i, (b, *_) in enumerate(CATALOGUE) if b == brand]
        first[brand] = indices[0]
        weights = np.array([CATALOGUE[i][3] for i in indices])
        cumulative[brand, :len(indices)] = np.cumsum(weights / weights.sum())
    return cumulative, first


_PRODUCT_CUMULATIVE, _BRAND_FIRST_PRODUCT = _product_tables()
