"""Glossary: every number the dashboard shows, in plain words; the tooltips read from here."""
import dash_bootstrap_components as dbc
from dash import html

from dashboard.analytics.insights import SMALL_SAMPLE_ORDERS, SMALL_SAMPLE_POSTS

# term -> (the words on screen, what it means). The terms are the metric and column names
# the views, tables and exports use, so a header and a card find their help by the same key.
TERMS = {
    "revenue": ("Revenue", "The money the tracked orders brought in (tracking data)."),
    "spend": ("Spend", "What the creators were paid, spread over the days of their orders or "
                       "posts, so a date range gets its share of each payout."),
    "roas": ("ROAS (return on ad spend)", "Revenue ÷ spend: ₹ of sales for each ₹1 paid. "
             "Above 1× a creator earns back more than they cost."),
    "incremental_roas": ("Incremental ROAS", "ROAS counting only the sales the creators "
                         "caused: revenue × (1 − baseline share) ÷ spend. With a 20% "
                         "baseline, one sale in five is taken to have happened anyway."),
    "baseline": ("Baseline share", "The part of sales that would have happened without any "
                 "creator (an assumption, 20% unless you move the slider). Incremental ROAS "
                 "leaves it out."),
    "measured_baseline_share": ("Measured baseline share", "The baseline share estimated "
                                "from the data instead of assumed: sales on days outside "
                                "every post's 7-day window."),
    "measured_incremental_roas": ("Measured incremental ROAS", "Incremental ROAS using the "
                                  "measured baseline share."),
    "assumed_incremental_roas": ("Assumed incremental ROAS", "Incremental ROAS using the "
                                 "baseline share you chose."),
    "orders": ("Orders", "Orders tracked to a creator's link or code."),
    "cpo": ("Cost per order", "Spend ÷ orders: what one order cost in creator fees."),
    "aov": ("Average order value", "Revenue ÷ orders."),
    "engagement_rate": ("Engagement rate", "(Likes + comments) ÷ reach over the posts, as "
                        "one ratio of the totals."),
    "posts": ("Posts", "Posts published in the selection."),
    "reach": ("Reach", "People who saw the posts, summed over the posts."),
    "performance_score": ("Performance score (0–100)", "Ranks the creators with spend in the "
                          "selection: ROAS 30%, engagement 25%, orders 25%, low cost per "
                          "order 20%, each scaled 0–100 between the lowest and the highest."),
    "shrunk_return": ("Extra sales per ₹1 (planner's estimate)", "What the next ₹1 spent on "
                      "a creator's posts should bring beyond usual sales, pulled toward "
                      "similar creators when the creator has little history."),
    "unattributed": ("Unattributed", "Payouts to creators with no sales at all: with no sales "
                     "to split them by, they cannot be given to a brand or campaign, so they "
                     "are shown as the brand and campaign \"Unattributed\". They count in "
                     "total spend and lower ROAS."),
    "small_sample": ("Small sample", f"A recommendation resting on fewer than "
                     f"{SMALL_SAMPLE_ORDERS} orders or fewer than {SMALL_SAMPLE_POSTS} posts "
                     "is marked \"small sample\": a few orders more or less could change it, "
                     "so check it before acting."),
    "creator_id": ("Creator id", "Shown after a name, e.g. Saanvi Joshi (INF0042), because "
                   "two creators can share a name."),
}


def help_for(term):
    """The plain help text of a metric or column, or None."""
    entry = TERMS.get(term)
    return entry[1] if entry else None


def layout(**_kwargs):
    """The glossary page: one entry per term, each with an anchor the "?" links point to."""
    entries = []
    for term, (label, text) in TERMS.items():
        entries += [html.Dt(label, id=f"glossary-{term.replace('_', '-')}"),
                    html.Dd(text, className="mb-3")]
    return html.Div([
        html.H1("Glossary", className="h3 mb-1"),
        html.P("What each number on the dashboard means.", className="text-muted"),
        dbc.Card(dbc.CardBody(html.Dl(entries, className="mb-0", id="glossary-terms"))),
        html.Div(id="glossary-body", className="view-body"),
    ], id="glossary-page")
