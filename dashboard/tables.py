"""The columns each table shows, in order, and how its numbers are written in a CSV export.

The views (layouts/) draw their grids from these lists and the exports write the same
columns first in the same order, so a download reads like the screen it came from.
"""
import pandas as pd

# Rupee amounts: two decimals in a CSV (paise). Every other fractional number is a ratio,
# share or estimate: four decimals.
MONEY_DECIMALS = 2
RATIO_DECIMALS = 4
MONEY_COLUMNS = frozenset({
    "revenue", "spend", "cpo", "aov", "rate", "expected", "total_payout", "difference",
    "current_spend", "planned_spend", "expected_incremental_revenue", "low", "high", "amount",
    "expected_revenue", "expected_extra_revenue", "median_cpo", "cost_per_post",
    "current_expected", "budget"})

ROI_COLUMNS = ["roas", "incremental_roas", "revenue", "spend", "orders", "cpo", "aov"]
BASELINE_COLUMNS = ["measured_baseline_share", "measured_incremental_roas",
                    "assumed_incremental_roas", "revenue", "spend"]
CREATOR_COLUMNS = ["name", "influencer_id", "tier", "platform", "category",
                   "performance_score", "revenue", "spend", "roas", "incremental_roas",
                   "orders", "cpo", "engagement_rate", "posts", "reach"]
TOP_CAMPAIGN_COLUMNS = ["campaign", "roas", "revenue", "spend", "incremental_roas", "orders",
                        "cpo"]
POST_COLUMNS = ["date", "platform", "caption", "url", "reach", "likes", "comments"]
PERFORMER_COLUMNS = ["name", "tier", "platform", "performance_score", "roas", "revenue",
                     "spend", "orders", "cpo", "engagement_rate"]
SHRUNK_COLUMNS = ["name", "tier", "platform", "shrunk_return", "performance_score",
                  "posts_in_history", "roas", "revenue", "spend", "orders"]
PLAN_COLUMNS = ["name", "platform", "current_spend", "planned_spend", "planned_posts",
                "expected_incremental_revenue", "low", "high"]


def roi_columns(dimension):
    """The ROI table for one "compare by": the group's name, then ROAS first."""
    key = "name" if dimension == "influencer" else dimension
    return [key] + ROI_COLUMNS + (["performance_score"] if dimension == "influencer" else [])


def baseline_columns(key):
    return [key] + BASELINE_COLUMNS


def in_screen_order(frame: pd.DataFrame, screen_columns) -> pd.DataFrame:
    """`frame` with the screen's columns first, in its order, and the rest after them.

    A creator's name on screen carries the id, so a CSV puts influencer_id right after it.
    """
    wanted = []
    for column in screen_columns or ():
        wanted.append(column)
        if column == "name":
            wanted.append("influencer_id")
    first = [column for column in dict.fromkeys(wanted) if column in frame.columns]
    return frame[first + [column for column in frame.columns if column not in first]]


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Money to 2 decimals, other fractional numbers to 4; whole numbers stay whole."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            decimals = MONEY_DECIMALS if column in MONEY_COLUMNS else RATIO_DECIMALS
            frame[column] = frame[column].round(decimals)
        elif frame[column].dtype == object:
            values = frame[column]
            numeric = values.map(lambda value: isinstance(value, float))
            if numeric.any():
                decimals = MONEY_DECIMALS if column in MONEY_COLUMNS else RATIO_DECIMALS
                frame[column] = values.map(
                    lambda value: round(value, decimals) if isinstance(value, float) else value)
    return frame
