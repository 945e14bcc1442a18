"""The top bar: links to the views the signed-in user's role may open."""
import dash_bootstrap_components as dbc
from dash import html

from dashboard import analytics, auth

# The views of the numbers, always in sight.
LINKS = [
    ("overview", "Overview", "/overview"),
    ("roi", "ROI", "/roi"),
    ("influencers", "Creators", "/influencers"),
    ("campaigns", "Campaigns", "/campaigns"),
    ("insights", "Insights", "/insights"),
    ("brands", "Brands", "/brands"),
    ("plan", "Planner", "/plan"),
    ("glossary", "Glossary", "/glossary"),
]
# One's own things, under the user's name.
OWN_LINKS = [
    ("views", "Saved views", "/views"),
    ("alerts", "Alerts", "/alerts"),
    ("reports", "My reports", "/account/reports"),
    ("account", "API tokens", "/account/tokens"),
]
# Running the dashboard, for admins.
ADMIN_LINKS = [
    ("data", "Data", "/data"),
    ("users", "Users", "/admin/users"),
    ("audit", "Audit log", "/admin/audit"),
    ("deliveries", "Deliveries", "/admin/deliveries"),
    ("webhooks", "Alert webhooks", "/admin/webhooks"),
]


# Pages Flask serves itself rather than the Dash router: the browser loads them whole.
SERVER_PAGES = ("/account/tokens",)


def _link(view, label, href, className):
    if href in SERVER_PAGES:
        return html.A(label, href=href, id=f"nav-{view}", className=className)
    # Each link takes the filters of the page it is clicked on along (assets/links.js), and
    # the view opens inside the app.
    return html.A(label, href=href, id=f"nav-{view}", className=className,
                  **{"data-keep-filters": " ".join(analytics.LINK_PARAMETERS)})


def _menu(menu_id, label, links, user, end=()):
    items = [_link(view, text, href, "dropdown-item") for view, text, href in links
             if auth.can_open(user, view)]
    if not items:
        return None
    return dbc.DropdownMenu([*items, *end], label=label, id=menu_id, nav=True,
                            in_navbar=True, align_end=True)


def navbar(user):
    items = [dbc.NavItem(_link(view, label, href, "nav-link"))
             for view, label, href in LINKS if auth.can_open(user, view)]
    admin = _menu("nav-admin-menu", "Admin", ADMIN_LINKS, user)
    if admin is not None:
        items.append(admin)
    name = getattr(user, "username", "")
    sign_out = html.A("Sign out", href="/logout", id="nav-logout", className="dropdown-item")
    items.append(_menu("nav-user-menu", name or "Account", OWN_LINKS, user,
                       end=[dbc.DropdownMenuItem(divider=True), sign_out]))
    return dbc.NavbarSimple(items, brand="Influencer ROI", brand_href="/", color="dark",
                            dark=True, fluid=True)
