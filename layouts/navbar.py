"""The top bar: links to the views the signed-in user's role may open."""
import dash_bootstrap_components as dbc
from dash import html

from dashboard import analytics, auth

LINKS = [
    ("overview", "Overview", "/overview"),
    ("roi", "ROI", "/roi"),
    ("influencers", "Creators", "/influencers"),
    ("insights", "Insights", "/insights"),
    ("brands", "Brands", "/brands"),
    ("campaigns", "Campaigns", "/campaigns"),
    ("plan", "Planner", "/plan"),
    ("views", "Saved views", "/views"),
    ("data", "Data", "/data"),
    ("users", "Users", "/admin/users"),
    ("audit", "Audit log", "/admin/audit"),
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
