"""URL -> view resolution and the fallback pages (not found, not allowed)."""
import re
from urllib.parse import unquote

from dash import html

from layouts.components import TAB_TITLES

# (pattern, view, name of its modules in layouts/ and callbacks/)
ROUTES = [
    (r"^/$", "home", None),
    (r"^/overview/?$", "overview", "overview"),
    (r"^/roi/?$", "roi", "roi"),
    (r"^/influencers/?$", "influencers", "influencers"),
    (r"^/influencers/(?P<influencer_key>[^/]+)/?$", "influencers", "influencers"),
    (r"^/insights/?$", "insights", "insights"),
    (r"^/brands/?$", "brands", "brands"),
    (r"^/campaigns/?$", "campaigns", "campaigns"),
    (r"^/campaigns/(?P<campaign_key>[^/]+)/?$", "campaigns", "campaigns"),
    (r"^/views/?$", "views", "views"),
    (r"^/plan/?$", "plan", "plan"),
    (r"^/alerts/?$", "alerts", "alerts"),
    (r"^/data/?$", "data", "data"),
    (r"^/admin/users/?$", "users", "users"),
    (r"^/admin/audit/?$", "audit", "audit"),
    (r"^/admin/webhooks/?$", "webhooks", "webhooks"),
    (r"^/glossary/?$", "glossary", "glossary"),
    (r"^/account/reports/?$", "reports", "reports"),
    (r"^/admin/deliveries/?$", "deliveries", "deliveries"),
]
_MODULES = {view: module for _, view, module in ROUTES if module}


def resolve(pathname, role=None):
    """(view, kwargs) for a path; `/` is each role's home page."""
    for pattern, view, _module in ROUTES:
        match = re.match(pattern, pathname)
        if match:
            if view == "home":
                return ("brands" if role == "manager" else "overview"), {}
            # A creator id arrives percent-encoded (see components.creator_href).
            return view, {name: unquote(part) for name, part in match.groupdict().items()}
    return None, {}


def module_of(view):
    """The name of the view's modules in layouts/ and callbacks/."""
    return _MODULES[view]


def titled(view, page):
    """The page with the browser tab's name for its view (assets/links.js sets the title;
    a page may name itself more closely inside, e.g. one campaign's name)."""
    return html.Div(page, **{"data-page-title": TAB_TITLES.get(view, view.capitalize())})


def not_found():
    return html.Div([html.H1("Page not found", className="h4"),
                     html.P("There is no page at this address. Use the menu above.")],
                    className="empty-state")


def forbidden():
    return html.Div([html.H1("Not allowed", className="h4"),
                     html.P("Your role cannot open this page. Ask an admin if you need it.")],
                    className="empty-state", id="page-forbidden")
