"""Campaign analytics: what the views, exports and commands call, whichever module holds it.

Layers, each importing only those above it: selection (what a request asks for), cache
(results per data version), queries (the SQL), metrics, then creators and baseline, then
insights. Callers use `from dashboard import analytics` and the names below; every function
that reads data takes the viewer's brand scope as an argument and never looks it up.
"""
from dashboard.analytics.selection import (  # noqa: F401
    BASELINE_MAX, BASELINE_MIN, BASELINE_STEP, COMPARISONS, DEFAULT_BASELINE, DEFAULT_PERIOD,
    DIMENSIONS, FREQUENCIES, LINK_PARAMETERS, PERIODS, ROI_DIMENSIONS, Selection,
    effective_brands, opening_selection, period_range, view_option)
from dashboard.analytics.cache import cache_stats, cached  # noqa: F401
from dashboard.analytics.queries import fact_filters, filter_options  # noqa: F401
from dashboard.analytics.metrics import (  # noqa: F401
    METRIC_COLUMNS, brand_summaries, category_gender_roas, metrics, overview, timeseries)
from dashboard.analytics.creators import (  # noqa: F401
    PAYOUT_SHARE_NOTE, influencer_profile, reconciliation_frame, with_creator_attributes)
from dashboard.analytics.baseline import measured_baseline  # noqa: F401
from models.catalogue import UNATTRIBUTED  # noqa: F401  (the views explain it where it shows)
from dashboard.analytics.campaigns import campaign_list, campaign_profile  # noqa: F401
# Last: insights (and what it builds on) reads the names above while it is imported.
from dashboard.analytics import insights  # noqa: F401,E402
