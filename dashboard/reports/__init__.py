"""Reaching people who never open the dashboard: e-mail delivery, scheduled reports, alerts."""
