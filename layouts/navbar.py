"""The top bar: links to the views the signed-in user's role may open."""
import dash_bootstrap_components as dbc
from dash import html

from dashboard import analytics, auth

LINKS = [
    ("overview", "Overview", "/overview"),
    ("roi", "ROI", "/roi"),
    ("influencers", "Creators", "/influencers"),
    ("campaigns", "Campaigns", "/campaigns"),
    ("insights", "Insights", "/insights"),
    ("brands", "Brands", "/brands"),
    ("plan", "Planner", "/plan"),
    ("glossary", "Glossary", "/glossary"),
    ("views", "Saved views", "/views"),
    ("alerts", "Alerts", "/alerts"),
    ("reports", "My reports", "/account/reports"),
    ("account", "API tokens", "/account/tokens"),
    ("data", "Data", "/data"),
    ("users", "Users", "/admin/users"),
    ("audit", "Audit log", "/admin/audit"),
    ("deliveries", "Deliveries", "/admin/deliveries"),
]


def navbar(user):
    # Each link takes the filters of the page it is clicked on along (assets/links.js).
    keep = " ".join(analytics.LINK_PARAMETERS)
    items = [dbc.NavItem(html.A(label, href=href, id=f"nav-{view}", className="nav-link",
                                **{"data-keep-filters": keep}))
             for view, label, href in LINKS if auth.can_open(user, view)]
    name = getattr(user, "username", "")
    items.append(dbc.NavItem(dbc.NavLink(f"Sign out ({name})", href="/logout",
                                         external_link=True, id="nav-logout")))
    return dbc.NavbarSimple(items, brand="Influencer ROI", brand_href="/", color="dark",
                            dark=True, fluid=True)
