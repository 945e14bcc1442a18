"""Reaching people who never open the dashboard: e-mail delivery, scheduled reports, alerts."""

# The views a person can subscribe to by e-mail (dashboard/reports/render.py draws them).
REPORT_VIEWS = ("overview", "roi", "brands")
