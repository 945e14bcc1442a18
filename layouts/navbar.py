"""The top bar: links to the views the signed-in user's role may open."""
import dash_bootstrap_components as dbc

from dashboard import auth

LINKS = [
    ("overview", "Overview", "/overview"),
    ("roi", "ROI", "/roi"),
    ("influencers", "Creators", "/influencers"),
    ("insights", "Insights", "/insights"),
    ("brands", "Brands", "/brands"),
    ("plan", "Planner", "/plan"),
    ("data", "Data", "/data"),
    ("users", "Users", "/admin/users"),
    ("audit", "Audit log", "/admin/audit"),
    ("deliveries", "Deliveries", "/admin/deliveries"),
    ("reports", "My reports", "/account/reports"),
]


def navbar(user):
    items = [dbc.NavItem(dbc.NavLink(label, href=href, id=f"nav-{view}"))
             for view, label, href in LINKS if auth.can_open(user, view)]
    name = getattr(user, "username", "")
    items.append(dbc.NavItem(dbc.NavLink(f"Sign out ({name})", href="/logout",
                                         external_link=True, id="nav-logout")))
    return dbc.NavbarSimple(items, brand="Influencer ROI", brand_href="/", color="dark",
                            dark=True, fluid=True)
