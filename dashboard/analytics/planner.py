"""Budget planner: spread a budget over creators where the learned curves say it earns most."""
import heapq
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from dashboard import analytics
from dashboard.analytics import planner_fit
from dashboard.extensions import db
from models import User
from models.influencers import PLATFORMS  # noqa: F401 (the platforms a plan can limit)

# The budget is handed out in this many equal steps (a step is budget / STEPS rupees).
STEPS = 2000
# The 10th and 90th percentiles of a normal distribution, in standard deviations.
RANGE_Z = 1.2815515655446004
PLAN_COLUMNS = ["influencer_id", "name", "platform", "current_spend", "planned_spend",
                "planned_posts", "expected_incremental_revenue", "low", "high",
                "current_expected"]

# The columns of `dashboard plan` and the page's CSV export, in order.
EXPORT_COLUMNS = ["influencer_id", "name", "current_spend", "planned_spend",
                  "expected_incremental_revenue", "low", "high"]


@dataclass(frozen=True)
class Constraints:
    """What the user asks of a plan beyond the budget."""

    keep: frozenset[str] = field(default_factory=frozenset)
    exclude: frozenset[str] = field(default_factory=frozenset)
    platform_min: tuple = ()          # ((platform, rupees), ...)
    platform_max: tuple = ()
    # 1.0: no more posts a period than the creator has ever made; 1.5 allows half as many more.
    widen: float = 1.0
    # Buy whole posts only (rounded down, then the rest spent post by post); by default
    # spend is planned as money, a part of a post meaning a share of its fee.
    whole_posts: bool = False


def constraints_from(keep=(), exclude=(), minimums=None, maximums=None, widen=1.0,
                     whole_posts=False):
    """Constraints from form or query values; blank and negative amounts mean no limit."""
    def amounts(values):
        return tuple(sorted((platform, float(amount))
                            for platform, amount in (values or {}).items()
                            if amount not in (None, "") and float(amount) >= 0))
    return Constraints(keep=frozenset(keep or ()), exclude=frozenset(exclude or ()),
                       platform_min=amounts(minimums), platform_max=amounts(maximums),
                       widen=max(1.0, float(widen or 1.0)), whole_posts=bool(whole_posts))


def query_pairs(budget, days, constraints):
    """The plan's own query parameters (beside the selection's), for its CSV export."""
    pairs = [("days", str(days))] + ([("budget", repr(float(budget)))]
                                     if budget is not None else [])
    pairs += [("keep", key) for key in sorted(constraints.keep)]
    pairs += [("exclude", key) for key in sorted(constraints.exclude)]
    pairs += [(f"min_{p}", repr(a)) for p, a in constraints.platform_min]
    pairs += [(f"max_{p}", repr(a)) for p, a in constraints.platform_max]
    if constraints.widen != 1.0:
        pairs.append(("widen", repr(constraints.widen)))
    if constraints.whole_posts:
        pairs.append(("whole_posts", "1"))
    return pairs


def from_query(args):
    """(budget, days, constraints) from a query's MultiDict; bad numbers are ignored."""
    def number(text, default=None):
        try:
            return float(text)
        except (TypeError, ValueError):
            return default

    limits = {kind: {key[4:]: number(value) for key, value in args.items()
                     if key.startswith(f"{kind}_") and number(value) is not None}
              for kind in ("min", "max")}
    days = int(min(92, max(7, number(args.get("days"), 30))))
    return (number(args.get("budget")), days,
            constraints_from(args.getlist("keep"), args.getlist("exclude"), limits["min"],
                             limits["max"], number(args.get("widen"), 1.0),
                             args.get("whole_posts") == "1"))


# ------------------------------------------------------------------- curves as functions

def expected_revenue(curves, spend):
    """Expected incremental revenue of each creator at these spends (arrays)."""
    posts = np.divide(spend, curves["cost_per_post"].to_numpy(float),
                      out=np.zeros(len(curves)), where=curves["cost_per_post"].to_numpy() > 0)
    saturation = curves["cost_per_post"].to_numpy(float) * curves["return_per_rupee"].to_numpy(
        float)
    return saturation * (1.0 - np.exp(-posts / curves["posts_scale"].to_numpy(float)))


def revenue_spread(curves, spend):
    """Standard deviation of each creator's incremental revenue at these spends.

    The curve's own uncertainty (posterior of its return per rupee) and the period's
    noise around it (Poisson-like, over-dispersed by the amount the history shows).
    """
    mean = expected_revenue(curves, spend)
    share = np.divide(mean, curves["return_per_rupee"].to_numpy(float),
                      out=np.zeros(len(curves)), where=curves["return_per_rupee"].to_numpy() > 0)
    parameter = share * curves["return_sd"].to_numpy(float)
    noise = mean * curves["noise_variance_per_rupee"].to_numpy(float)
    return np.sqrt(parameter ** 2 + np.maximum(noise, 0.0))


def spend_limit(curves, constraints):
    """Most each creator may get: posts history supports (widened) x cost per post."""
    limit = (curves["max_posts"].to_numpy(float) * constraints.widen
             * curves["cost_per_post"].to_numpy(float))
    limit[curves["influencer_id"].isin(constraints.exclude).to_numpy()] = 0.0
    return limit


# ---------------------------------------------------------------------------- optimiser

def allocate(gain, steps, caps, floors, groups, group_min, group_max):
    """Steps per creator maximising the sum of gains, taken one step at a time.

    gain(i, k) is creator i's gain from its (k+1)-th step, non-increasing in k (a concave
    curve). Floors are handed out first, then each group's minimum within the group, then
    the best step anywhere while the creator's cap and its group's maximum allow. For a
    separable concave objective under such nested limits this greedy order is optimal
    (tests/test_planner.py checks it against brute force).
    """
    taken = [min(f, c) for f, c in zip(floors, caps)]
    left = steps - sum(taken)
    if left < 0:
        raise ValueError("The creators you chose to keep cost more than the budget.")
    group_taken = {}
    for i, group in enumerate(groups):
        group_taken[group] = group_taken.get(group, 0) + taken[i]

    def run(members, limit):
        nonlocal left
        heap = [(-gain(i, taken[i]), i) for i in members if taken[i] < caps[i]]
        heapq.heapify(heap)
        handed = 0
        while heap and left > 0 and handed < limit:
            negative, i = heapq.heappop(heap)
            if -negative <= 0:
                break
            if group_taken[groups[i]] >= group_max.get(groups[i], steps):
                continue
            taken[i] += 1
            group_taken[groups[i]] += 1
            left -= 1
            handed += 1
            if taken[i] < caps[i]:
                heapq.heappush(heap, (-gain(i, taken[i]), i))

    for group, minimum in group_min.items():
        members = [i for i, g in enumerate(groups) if g == group]
        run(members, max(0, minimum - group_taken.get(group, 0)))
    run(range(len(caps)), steps)
    return taken


def optimise(curves, budget, constraints=Constraints()):
    """Planned spend per creator (array, rupees): the greedy allocation on the curves."""
    if budget <= 0 or curves.empty:
        return np.zeros(len(curves))
    step = budget / STEPS
    limit = spend_limit(curves, constraints)
    caps = np.floor(limit / step + 1e-9).astype(int).tolist()
    keep = curves["influencer_id"].isin(constraints.keep).to_numpy()
    floors = np.where(keep, np.ceil(curves["current_spend"].to_numpy(float) / step - 1e-9),
                      0).astype(int).tolist()
    groups = curves["platform"].tolist()
    group_min = {p: int(np.ceil(amount / step - 1e-9)) for p, amount in constraints.platform_min}
    group_max = {p: int(np.floor(amount / step + 1e-9)) for p, amount in constraints.platform_max}
    cost = curves["cost_per_post"].to_numpy(float)
    saturation = cost * curves["return_per_rupee"].to_numpy(float)
    scale = curves["posts_scale"].to_numpy(float)

    def gain(i, k):
        if cost[i] <= 0:
            return 0.0
        before, after = k * step / cost[i], (k + 1) * step / cost[i]
        return saturation[i] * (np.exp(-before / scale[i]) - np.exp(-after / scale[i]))

    taken = allocate(gain, STEPS, caps, floors, groups, group_min, group_max)
    planned = np.floor(np.array(taken) * step * 100) / 100
    if not constraints.whole_posts:
        return planned
    return _whole_posts(curves, planned, budget, limit, keep, constraints)


def _whole_posts(curves, planned, budget, limit, keep, constraints):
    """Round each plan down to whole posts, then buy whole posts with what is left.

    A post cannot be bought in part. Kept creators and platforms with a minimum stay as
    planned, so their limits hold; every added post is the one that earns most per rupee.
    """
    cost = curves["cost_per_post"].to_numpy(float)
    platforms = curves["platform"].to_numpy()
    fixed = keep | np.isin(platforms, [p for p, _ in constraints.platform_min]) | (cost <= 0)
    posts = np.where(fixed, 0.0, np.floor(np.divide(planned, cost, out=np.zeros(len(cost)),
                                                    where=cost > 0) + 1e-6))
    spend = np.where(fixed, planned, posts * cost)
    left = budget - spend.sum()
    maximum = dict(constraints.platform_max)
    room = {p: maximum.get(p, np.inf) - spend[platforms == p].sum() for p in set(platforms)}
    saturation = cost * curves["return_per_rupee"].to_numpy(float)
    scale = curves["posts_scale"].to_numpy(float)

    def per_rupee(i):
        return saturation[i] * (np.exp(-posts[i] / scale[i])
                                - np.exp(-(posts[i] + 1) / scale[i])) / cost[i]

    heap = [(-per_rupee(i), i) for i in np.flatnonzero(~fixed)]
    heapq.heapify(heap)
    while heap:
        negative, i = heapq.heappop(heap)
        # The money left and a platform's room only shrink: a post that does not fit now
        # never will.
        if -negative <= 0 or cost[i] > left + 1e-9 or cost[i] > room[platforms[i]] + 1e-9 \
                or spend[i] + cost[i] > limit[i] + 1e-6:
            continue
        spend[i] += cost[i]
        posts[i] += 1
        left -= cost[i]
        room[platforms[i]] -= cost[i]
        heapq.heappush(heap, (-per_rupee(i), i))
    return np.floor(spend * 100) / 100


# ------------------------------------------------------------------------------- plans

def fitted_curves(selection, scope, *, days=30, as_of=None, use_cache=True):
    """The learned curves for this brand and platform filter, cached per data version."""
    def compute():
        daily, creators, post_days = planner_fit.history(selection, scope, as_of=as_of)
        return planner_fit.fit_curves(daily, creators, post_days, days=days, as_of=as_of)

    if not use_cache:
        return compute()
    key_selection = analytics.Selection(brands=selection.brands, platforms=selection.platforms)
    return analytics.cached("planner_curves", key_selection, scope, compute, days,
                            str(as_of))


def make_plan(curves, budget, days=30, constraints=Constraints()):
    """The plan as a dict: totals with their range, rows per creator, and the moves."""
    planned = optimise(curves, budget, constraints)
    current = curves["current_spend"].to_numpy(float)
    expected = expected_revenue(curves, planned)
    spread = revenue_spread(curves, planned)
    rows = pd.DataFrame({
        "influencer_id": curves["influencer_id"], "name": curves["name"],
        "platform": curves["platform"], "current_spend": np.round(current, 2),
        "planned_spend": planned,
        "planned_posts": np.round(np.divide(planned, curves["cost_per_post"].to_numpy(float),
                                            out=np.zeros(len(curves)),
                                            where=curves["cost_per_post"].to_numpy() > 0), 1),
        "expected_incremental_revenue": np.round(expected, 2),
        "low": np.round(np.maximum(expected - RANGE_Z * spread, 0.0), 2),
        "high": np.round(expected + RANGE_Z * spread, 2),
        "current_expected": np.round(expected_revenue(curves, current), 2),
    }, columns=PLAN_COLUMNS)
    rows = rows[(rows["current_spend"] > 0) | (rows["planned_spend"] > 0)]
    rows = rows.sort_values(["planned_spend", "current_spend"], ascending=False)
    total = float(expected.sum())
    total_spread = float(np.sqrt((spread ** 2).sum()))
    return {
        "budget": float(budget), "days": int(days),
        "expected_incremental_revenue": round(total, 2),
        "low": round(max(total - RANGE_Z * total_spread, 0.0), 2),
        "high": round(total + RANGE_Z * total_spread, 2),
        "current_spend": round(float(current.sum()), 2),
        "current_expected": round(float(expected_revenue(curves, current).sum()), 2),
        "rows": rows.reset_index(drop=True),
        "moves": moves(curves, current, planned),
    }


def plan_document(result):
    """The plan as plain JSON-ready data: totals and one record per creator."""
    rows = result["rows"][EXPORT_COLUMNS]
    return {"budget": result["budget"], "days": result["days"],
            "expected_incremental_revenue": result["expected_incremental_revenue"],
            "low": result["low"], "high": result["high"],
            "rows": [{key: (value.item() if hasattr(value, "item") else value)
                      for key, value in record.items()}
                     for record in rows.to_dict("records")]}


def moves(curves, current, planned, limit=6):
    """Money taken from creators the plan cuts and given to those it grows, largest first.

    Each move carries the expected gain (what the receiver earns minus what the giver
    stops earning) with a 10th-90th percentile range. Money with no giver (a bigger
    budget) is an addition; money with no receiver (a smaller one) is a cut. Moves under
    half a percent of the money involved are left out; every name carries the creator's
    id, as two creators can share a name in other brands or periods.
    """
    change = planned - current
    smallest = 0.005 * max(planned.sum(), current.sum())
    label = (curves["name"].astype(str) + " ("
             + curves["influencer_id"].astype(str) + ")").to_numpy()
    givers = [[i, -change[i]] for i in np.argsort(change) if change[i] < -1]
    takers = [[i, change[i]] for i in np.argsort(-change) if change[i] > 1]
    result = []
    spend = current.astype(float).copy()
    while (givers or takers) and len(result) < limit:
        giver = givers[0] if givers else None
        taker = takers[0] if takers else None
        amount = min(part[1] for part in (giver, taker) if part is not None)
        before = spend.copy()
        for part, sign in ((giver, -1), (taker, 1)):
            if part is not None:
                spend[part[0]] += sign * amount
                part[1] -= amount
        if amount >= smallest:
            gain, sd = _change(curves, before, spend)
            result.append({
                "from_id": curves["influencer_id"].iat[giver[0]] if giver else None,
                "from": label[giver[0]] if giver else None,
                "to_id": curves["influencer_id"].iat[taker[0]] if taker else None,
                "to": label[taker[0]] if taker else None,
                "amount": round(float(amount), 2), "gain": round(gain, 2),
                "low": round(gain - RANGE_Z * sd, 2), "high": round(gain + RANGE_Z * sd, 2)})
        if giver is not None and giver[1] <= 1:
            givers.pop(0)
        if taker is not None and taker[1] <= 1:
            takers.pop(0)
    return result


def move_sentence(move):
    """One move in plain words: "Move ₹40,000 from A to B: +₹96,000 expected (…)"."""
    gain = (f"{_signed(move['gain'], plus=True)} expected "
            f"({_signed(move['low'])} to {_signed(move['high'])})")
    if move["from"] and move["to"]:
        return f"Move {_rupees(move['amount'])} from {move['from']} to {move['to']}: {gain}"
    if move["to"]:
        return f"Add {_rupees(move['amount'])} for {move['to']}: {gain}"
    return f"Cut {_rupees(move['amount'])} from {move['from']}: {gain}"


def _rupees(value):
    return f"₹{abs(float(value)):,.0f}"


def _signed(value, plus=False):
    return ("−" if value < 0 else "+" if plus else "") + _rupees(value)


def _change(curves, before, after):
    difference = expected_revenue(curves, after) - expected_revenue(curves, before)
    spread_before, spread_after = revenue_spread(curves, before), revenue_spread(curves, after)
    changed = np.abs(after - before) > 0
    sd = np.sqrt(np.abs(spread_after[changed] ** 2 - spread_before[changed] ** 2).sum())
    return float(difference.sum()), float(sd)


def plan(selection, scope, budget=None, *, days=30, constraints=Constraints(),
         use_cache=True):
    """A plan for the next `days` days within the user's brands; budget None: current spend."""
    curves = fitted_curves(selection, scope, days=days, use_cache=use_cache)
    if budget is None:
        budget = float(curves["current_spend"].sum()) if not curves.empty else 0.0
    return make_plan(curves, float(budget), days, constraints)


def backtest(selection, scope, *, days=30, use_cache=True):
    """The last period forecast from the history before it (_backtest), cached."""
    if not use_cache:
        return _backtest(selection, scope, days, use_cache)
    key_selection = analytics.Selection(brands=selection.brands, platforms=selection.platforms)
    return analytics.cached("planner_backtest", key_selection, scope,
                            lambda: _backtest(selection, scope, days, use_cache), days)


def _backtest(selection, scope, days, use_cache):
    """Fit on all but the last period, forecast that period's actual spend, compare.

    Returns the forecast and measured incremental revenue of the last period, the error,
    how many creators' measured revenue fell in their 10th-90th percentile range, and the
    plan the history before it would have made at the same budget.
    """
    daily, creators, post_days = planner_fit.history(selection, scope)
    if daily.empty:
        return None
    last_day = daily["day"].max()
    cut = (last_day - timedelta(days=days)).date()
    past = fitted_curves(selection, scope, days=days, as_of=cut, use_cache=use_cache)
    full = fitted_curves(selection, scope, days=days, use_cache=use_cache)
    actual_spend = full.set_index("influencer_id")["current_spend"].reindex(
        past["influencer_id"]).fillna(0.0).to_numpy()
    period = daily[daily["day"] > pd.Timestamp(cut)]
    revenue = period.groupby("creator")["revenue"].sum()
    key_of = creators.set_index("creator")["influencer_id"]
    revenue.index = revenue.index.map(key_of)
    organic = past.set_index("influencer_id")["organic_per_day"] * days
    measured = (revenue.reindex(past["influencer_id"]).fillna(0.0).to_numpy()
                - organic.to_numpy())
    forecast = expected_revenue(past, actual_spend)
    # What is measured also carries the organic sales' own noise.
    spread = np.sqrt(revenue_spread(past, actual_spend) ** 2
                     + organic.to_numpy() * past["noise_variance_per_rupee"].to_numpy(float))
    active = actual_spend > 0
    low, high = forecast - RANGE_Z * spread, forecast + RANGE_Z * spread
    total_forecast, total_measured = float(forecast[active].sum()), float(measured[active].sum())
    total_sd = float(np.sqrt((spread[active] ** 2).sum()))
    planned = make_plan(past, float(actual_spend.sum()), days)
    return {
        "as_of": cut.isoformat(), "budget": round(float(actual_spend.sum()), 2),
        "forecast": round(total_forecast, 2), "measured": round(total_measured, 2),
        "low": round(total_forecast - RANGE_Z * total_sd, 2),
        "high": round(total_forecast + RANGE_Z * total_sd, 2),
        "error": (total_forecast - total_measured) / total_measured
        if total_measured else None,
        "creators": int(active.sum()),
        "creators_in_range": int(((measured >= low) & (measured <= high) & active).sum()),
        "plan_forecast": planned["expected_incremental_revenue"],
    }


def warm_after_import():
    """Fit the curves and the backtest for every brand scope in use, into the cache.

    Run after an import, off the request (the data page's import is a background job),
    so the first visit to /plan after new data does not wait for the fit.
    """
    scopes = {None} | {user.brand_scope for user in db.session.execute(
        select(User).where(User.active.is_(True))).scalars()}
    for scope in scopes:
        fitted_curves(analytics.Selection(), scope)
        backtest(analytics.Selection(), scope)
    return len(scopes)


def page(selection, scope, budget=None, *, days=30, constraints=Constraints()):
    """What the /plan page shows: the plan, the backtest, and the creators one may pick."""
    curves = fitted_curves(selection, scope, days=days)
    default_budget = float(curves["current_spend"].sum()) if not curves.empty else 0.0
    result = make_plan(curves, default_budget if budget is None else float(budget), days,
                       constraints)
    creators = curves[(curves["current_spend"] > 0) | (curves["return_per_rupee"] > 0)]
    return {"plan": result, "default_budget": round(default_budget, 2),
            "backtest": backtest(selection, scope, days=days),
            "creators": sorted(zip(creators["name"], creators["influencer_id"])),
            "periods": int(curves["periods"].max()) if not curves.empty else 0}
