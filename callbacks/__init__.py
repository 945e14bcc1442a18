"""Dash callbacks, one module per view, each exposing register(app)."""
import importlib

VIEWS = ("router", "overview", "roi", "influencers", "insights", "brands", "campaigns", "plan",
         "views", "data", "users", "audit", "alerts", "webhooks", "glossary", "reports",
         "deliveries", "filters", "drill")


def register_all(app):
    for view in VIEWS:
        importlib.import_module(f"callbacks.{view}").register(app)
