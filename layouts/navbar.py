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
    ("alerts", "Alerts", "/alerts"),
    ("data", "Data", "/data"),
    ("users", "Users", "/admin/users"),
    ("audit", "Audit log", "/admin/audit"),
    ("account", "API tokens", "/account/tokens"),
    ("glossary", "Glossary", "/glossary"),
    ("deliveries", "Deliveries", "/admin/deliveries"),
    ("reports", "My reports", "/account/reports"),
]


def navbar(user):
    # /account/ pages are served by Flask, not the Dash router: the browser loads them.
    items = [dbc.NavItem(dbc.NavLink(label, href=href, id=f"nav-{view}",
                                     external_link=href.startswith("/account/")))
             for view, label, href in LINKS if auth.can_open(user, view)]
    name = getattr(user, "username", "")
    items.append(dbc.NavItem(dbc.NavLink(f"Sign out ({name})", href="/logout",
                                         external_link=True, id="nav-logout")))
    return dbc.NavbarSimple(items, brand="Influencer ROI", brand_href="/", color="dark",
                            dark=True, fluid=True)
