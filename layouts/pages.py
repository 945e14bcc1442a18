"""URL -> view resolution and the fallback pages (not found, not allowed)."""
import importlib
import re

from dash import html

# (pattern, view, layouts module)
ROUTES = [
    (r"^/$", "home", None),
    (r"^/overview/?$", "overview", "overview"),
    (r"^/roi/?$", "roi", "roi"),
    (r"^/influencers/?$", "influencers", "influencers"),
    (r"^/influencers/(?P<influencer_key>[^/]+)/?$", "influencers", "influencers"),
    (r"^/insights/?$", "insights", "insights"),
    (r"^/brands/?$", "brands", "brands"),
    (r"^/plan/?$", "plan", "plan"),
    (r"^/data/?$", "data", "data"),
    (r"^/admin/users/?$", "users", "users"),
    (r"^/admin/audit/?$", "audit", "audit"),
]
_MODULES = {view: module for _, view, module in ROUTES if module}


def resolve(pathname, role=None):
    """(view, kwargs) for a path; `/` is each role's home page."""
    for pattern, view, _module in ROUTES:
        match = re.match(pattern, pathname)
        if match:
            if view == "home":
                return ("brands" if role == "manager" else "overview"), {}
            return view, match.groupdict()
    return None, {}


def render(view, **kwargs):
    module = importlib.import_module(f"layouts.{_MODULES[view]}")
    return module.layout(**kwargs)


def not_found():
    return html.Div([html.H4("Page not found"),
                     html.P("There is no page at this address. Use the menu above.")],
                    className="empty-state")


def forbidden():
    return html.Div([html.H4("Not allowed"),
                     html.P("Your role cannot open this page. Ask an admin if you need it.")],
                    className="empty-state", id="page-forbidden")
