"""Insights on the metrics: performers, platform comparison, payout checks, recommendations."""
import numpy as np
import pandas as pd
from dashboard import analytics
from dashboard.analytics import planner

# A creator's cost per order this many times the median is "far above" it.
RENEGOTIATE_CPO_FACTOR = 1.5
# Share of the weaker platform's spend a move_budget recommendation shifts.
MOVE_BUDGET_SHARE = 0.20
# At most this many recommendations of one kind, strongest first.
PER_KIND = 3
# Fewer orders or posts than these and a creator's numbers could swing on a handful of
# sales: the recommendation says so (docs/metrics.md, "Small samples").
SMALL_SAMPLE_ORDERS = 30
SMALL_SAMPLE_POSTS = 3


def performers(selection, *, scope) -> dict:
    """Top (score >= 75th percentile) and under (score <= 25th) performers of a selection."""
    creators = analytics.metrics(selection, "influencer", scope=scope)
    scored = creators[creators["performance_score"].notna()].copy()
    if scored.empty:
        empty = creators.iloc[0:0]
        return {"top": empty, "under": empty, "p25": None, "p75": None}
    scores = scored["performance_score"].astype("float64")
    p25, p75 = (float(value) for value in np.percentile(scores.to_numpy(), [25, 75]))
    top = scored[scores >= p75].sort_values(
        ["performance_score", "influencer_id"], ascending=[False, True], kind="stable")
    under = scored[scores <= p25].sort_values(
        ["performance_score", "influencer_id"], ascending=[True, True], kind="stable")
    return {"top": top.reset_index(drop=True), "under": under.reset_index(drop=True),
            "p25": p25, "p75": p75}


def shrunk_performers(selection, *, scope) -> dict:
    """Top and under performers by the planner's shrunk return, with the raw score beside.

    The measure is extra sales per ₹1 of a creator's next post, shrunk toward similar
    creators (docs/planner.md), so a creator with two lucky posts cannot top the list;
    `own_return` is the same from the creator's history alone, `performance_score` the
    METRICS.md score. The planner learns from the whole history of the selection's brands
    and platforms; the lists keep the creators the selection shows, with their metrics
    for the selection beside the estimate.
    """
    curves = planner.fitted_curves(selection, scope)
    creators = analytics.metrics(selection, "influencer", scope=scope)
    paid = curves[(curves["cost_per_post"] > 0)
                  & curves["influencer_id"].isin(creators["influencer_id"])]
    ranked = paid[["influencer_id", "name", "platform", "tier", "posts_in_history"]]
    if paid.empty:
        empty = ranked.assign(shrunk_return=[], own_return=[])
        return {"top": empty, "under": empty, "p25": None, "p75": None}
    cost = paid["cost_per_post"].to_numpy(float)
    step = 1.0 - np.exp(-1.0 / paid["posts_scale"].to_numpy(float))
    ranked = ranked.assign(
        shrunk_return=planner.expected_revenue(paid, cost) / cost,
        own_return=paid["raw_return"].to_numpy(float) * step)
    extra = [column for column in creators.columns
             if column == "influencer_id" or column not in ranked.columns]
    ranked = ranked.merge(creators[extra], on="influencer_id", how="left")
    p25, p75 = (float(v) for v in np.percentile(ranked["shrunk_return"], [25, 75]))
    order = ["shrunk_return", "influencer_id"]
    return {"top": ranked[ranked["shrunk_return"] >= p75].sort_values(
                order, ascending=[False, True]).reset_index(drop=True),
            "under": ranked[ranked["shrunk_return"] <= p25].sort_values(
                order, ascending=[True, True]).reset_index(drop=True),
            "p25": p25, "p75": p75}


def platform_comparison(selection, *, scope) -> pd.DataFrame:
    """Metrics per platform with each platform's share of spend and of revenue."""
    platforms = analytics.metrics(selection, "platform", scope=scope).copy()
    for column, share in (("spend", "spend_share"), ("revenue", "revenue_share")):
        total = float(platforms[column].sum()) if len(platforms) else 0.0
        platforms[share] = platforms[column] / total if total else None
    return platforms


def payout_reconciliation(*, scope) -> pd.DataFrame:
    """Every payout against rate x units; a brand-limited scope sees only its brands' part."""
    return analytics.reconciliation_frame(scope=scope)


def recommendations(selection, *, scope) -> list[dict]:
    """Plain-English suggestions with the numbers behind them."""
    creators = analytics.metrics(selection, "influencer", scope=scope)
    paid = creators[creators["spend"] > 0].copy()
    for column in ("roas", "cpo", "engagement_rate"):
        paid[column] = pd.to_numeric(paid[column], errors="coerce")
    advice = []
    advice += _scale(paid)
    advice += _renegotiate(paid)
    advice += _fix_conversion(paid)
    advice += (_planner_moves(selection, scope)
               or _move_budget(analytics.metrics(selection, "platform", scope=scope)))
    return advice


def _planner_moves(selection, scope):
    """The budget planner's moves (docs/planner.md) that shift money and earn more."""
    moves = [move for move in planner.plan(selection, scope)["moves"]
             if move["from"] and move["to"] and move["gain"] > 0]
    return [{
        "kind": "move_budget", "from_id": move["from_id"], "to_id": move["to_id"],
        "amount": move["amount"], "expected_extra_revenue": move["gain"],
        "low": move["low"], "high": move["high"], "source": "planner",
        "text": planner.move_sentence(move) + " (from the budget planner, which expects "
                "each creator's extra sales to flatten as they post more).",
    } for move in moves[:PER_KIND]]


def _scale(paid):
    roas = paid["roas"].dropna()
    if len(roas) < 2:
        return []
    p75 = float(np.percentile(roas.to_numpy(), 75))
    strong = paid[(paid["roas"] >= p75) & (paid["roas"] > 1)].sort_values(
        "roas", ascending=False).head(PER_KIND)
    return [{
        "kind": "scale", "influencer_id": row.influencer_id, "name": row.name,
        **_sample(row),
        "roas": float(row.roas), "roas_p75": p75, "revenue": float(row.revenue),
        "spend": float(row.spend),
        "text": (f"Scale up {_who(row)}: every ₹1 spent brought back ₹{row.roas:.2f} in revenue "
                 f"({_amount(row.revenue)} from {_amount(row.spend)} spent), among the top "
                 f"quarter of creators (75th percentile ROAS {p75:.2f})."),
    } for row in strong.itertuples(index=False)]


def _renegotiate(paid):
    cpo = paid["cpo"].dropna()
    if len(cpo) < 2:
        return []
    median = float(cpo.median())
    if median <= 0:
        return []
    costly = paid[paid["cpo"] > RENEGOTIATE_CPO_FACTOR * median].sort_values(
        "cpo", ascending=False).head(PER_KIND)
    return [{
        "kind": "renegotiate", "influencer_id": row.influencer_id, "name": row.name,
        **_sample(row),
        "cpo": float(row.cpo), "median_cpo": median,
        "text": (f"Renegotiate with {_who(row)}: each order costs {_amount(row.cpo)}, "
                 f"{row.cpo / median:.1f} times the median of {_amount(median)} "
                 f"over {int(row.orders):,} orders."),
    } for row in costly.itertuples(index=False)]


def _fix_conversion(paid):
    rated = paid.dropna(subset=["engagement_rate", "roas"])
    if len(rated) < 2:
        return []
    engagement_p75 = float(np.percentile(rated["engagement_rate"].to_numpy(), 75))
    roas_p25 = float(np.percentile(rated["roas"].to_numpy(), 25))
    weak = rated[(rated["engagement_rate"] >= engagement_p75)
                 & (rated["roas"] <= roas_p25)].sort_values(
        "engagement_rate", ascending=False).head(PER_KIND)
    return [{
        "kind": "fix_conversion", "influencer_id": row.influencer_id, "name": row.name,
        **_sample(row),
        "engagement_rate": float(row.engagement_rate), "roas": float(row.roas),
        "engagement_p75": engagement_p75, "roas_p25": roas_p25,
        "text": (f"Fix conversion for {_who(row)}: {row.engagement_rate:.1%} of people reached "
                 f"engage (top quarter), yet ROAS is only {row.roas:.2f} (bottom quarter, "
                 f"at or below {roas_p25:.2f}); check the link, promo code and landing page."),
    } for row in weak.itertuples(index=False)]


def _move_budget(platforms):
    paid = platforms[platforms["spend"] > 0].copy()
    paid["roas"] = pd.to_numeric(paid["roas"], errors="coerce")
    paid = paid.dropna(subset=["roas"])
    if len(paid) < 2:
        return []
    weakest = paid.sort_values(["roas", "platform"]).iloc[0]
    strongest = paid.sort_values(["roas", "platform"], ascending=[False, True]).iloc[0]
    if strongest["roas"] <= weakest["roas"]:
        return []
    moved = float(weakest["spend"]) * MOVE_BUDGET_SHARE
    revenue_at_target = moved * float(strongest["roas"])
    extra_revenue = moved * (float(strongest["roas"]) - float(weakest["roas"]))
    return [{
        "kind": "move_budget", "from_platform": weakest["platform"],
        "to_platform": strongest["platform"], "amount": moved,
        "from_roas": float(weakest["roas"]), "to_roas": float(strongest["roas"]),
        "expected_revenue": revenue_at_target, "expected_extra_revenue": extra_revenue,
        "text": (f"Move {_amount(moved)} ({MOVE_BUDGET_SHARE:.0%} of its spend) from "
                 f"{weakest['platform']} (ROAS {weakest['roas']:.2f}) to "
                 f"{strongest['platform']} (ROAS {strongest['roas']:.2f}): if "
                 f"{strongest['platform']} keeps its ROAS that brings about "
                 f"{_amount(revenue_at_target)} in revenue, {_amount(extra_revenue)} more "
                 f"than the same money earns on {weakest['platform']}."),
    }]


def _who(row):
    """A creator as every list names them: the id keeps two of the same name apart."""
    return f"{row.name} ({row.influencer_id})"


def _sample(row):
    """Orders and posts behind a creator's recommendation, and a caution when they are few."""
    orders = int(getattr(row, "orders", 0) or 0)
    posts = int(getattr(row, "posts", 0) or 0)
    few = orders < SMALL_SAMPLE_ORDERS or posts < SMALL_SAMPLE_POSTS
    caution = (f"Small sample: {orders:,} order{'s' if orders != 1 else ''} and {posts:,} "
               f"post{'s' if posts != 1 else ''} (fewer than {SMALL_SAMPLE_ORDERS} orders or "
               f"{SMALL_SAMPLE_POSTS} posts); check before acting.") if few else None
    return {"orders": orders, "posts": posts, "small_sample": few, "caution": caution}


def _amount(value):
    """Rupees as the views show them: whole above ₹100, paise below."""
    return f"₹{float(value):,.0f}" if abs(float(value)) >= 100 else f"₹{float(value):,.2f}"
