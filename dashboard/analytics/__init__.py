"""Campaign analytics: selections, cached ROI metrics, creators, measured baseline, insights."""
from dashboard.analytics.metrics import *  # noqa: F401,F403
from dashboard.analytics.metrics import _cached  # noqa: F401
from dashboard.analytics import insights  # noqa: F401,E402
