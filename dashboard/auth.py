"""Who may see or do what: roles, views, actions, brand scope. Rules only: the sign-in routes
and the request guard that apply them are in dashboard/web/."""
from flask_login import current_user

# The roles are defined once, with the users table they constrain.
from models.users import ROLES

EVERY_ROLE = frozenset(ROLES)
# What each role may open. Managers and analysts see analytics within their brand scope.
# "app" is the page frame (router, navbar): every signed-in user needs it.
VIEW_ROLES = {
    "app": EVERY_ROLE,
    "overview": EVERY_ROLE,
    "roi": EVERY_ROLE,
    "influencers": EVERY_ROLE,
    "insights": EVERY_ROLE,
    "brands": EVERY_ROLE,
    # A campaign page shows only its rows in the viewer's brands (analytics.campaigns).
    "campaigns": EVERY_ROLE,
    "plan": EVERY_ROLE,
    # Each user's own alert rules and history; their numbers stay within the user's scope.
    "alerts": EVERY_ROLE,
    # The addresses alert webhooks may post to.
    "webhooks": {"admin"},
    # Everyone keeps their own saved views; what a view shows is scoped when it opens.
    "views": EVERY_ROLE,
    "data": {"admin"},
    "users": {"admin"},
    "audit": {"admin"},
    # The signed-in user's own pages (/account/...): API tokens.
    "account": EVERY_ROLE,
    # What the numbers mean: words only, no data, so every role may read it.
    "glossary": EVERY_ROLE,
    # /account/reports: each user's own subscriptions (the callbacks show only theirs).
    "reports": EVERY_ROLE,
    # /admin/deliveries: every delivery of every user.
    "deliveries": {"admin"},
}
# What each role may do beyond opening a view. Exports are the numbers the view already
# shows, within the same brand scope, so whoever may open a view may download its tables.
ACTION_ROLES = {
    "export": EVERY_ROLE,
    "upload": {"admin"},
    "manage_users": {"admin"},
    # Offering a saved view to everyone of a role.
    "share_view": {"admin"},
    # Pause or delete anybody's report subscription (everyone may change their own).
    "manage_reports": {"admin"},
    # Call the JSON API with one's own token (what it returns also needs API_VIEWS below).
    "use_api": EVERY_ROLE,
    # See and revoke other users' API tokens; everyone manages their own.
    "manage_tokens": {"admin"},
}
# The view whose numbers each API endpoint returns: a token may call an endpoint only if
# its owner may open that view, within the owner's brand scope, as on the dashboard.
API_VIEWS = {
    "metrics": "roi",
    "insights": "insights",
    "plan": "plan",
}
# A callback output whose id carries one of these marks hands out a file: it needs "export".
EXPORT_ID_MARKS = ("-download", "-export")

# Without a session only these get through; everything else is closed by default.
PUBLIC_PATHS = ("/login", "/healthz", "/readyz")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
# Under this prefix a call carries a bearer token and the session cookie counts for nothing.
API_PREFIX = "/api/"
# The API's description holds no data, and client generators fetch it without a token.
PUBLIC_API_PATHS = ("/api/v1/openapi.json",)


def is_public(path: str) -> bool:
    """May anyone, signed in or not, reach `path`? Only the sign-in page, the health checks
    and the static files."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    """Is `path` a JSON API call (bearer token, never the session)?"""
    return path.startswith(API_PREFIX)


def is_public_api(path: str) -> bool:
    return path in PUBLIC_API_PATHS


def can_call_api(user, endpoint: str) -> bool:
    """May `user` (a token's owner) call API `endpoint` ("metrics", "insights", "plan")?"""
    return can(user, "use_api") and can_open(user, API_VIEWS.get(endpoint, ""))


def can_open(user, view: str) -> bool:
    """May `user` open `view` (a page, its callbacks, its Flask routes)? Unknown: no."""
    return bool(user is not None and user.is_authenticated
                and user.role in VIEW_ROLES.get(view, ()))


def can(user, action: str) -> bool:
    """May `user` do `action` ("export", "upload", "manage_users", "use_api",
    "manage_tokens")? Unknown: no."""
    return bool(user is not None and user.is_authenticated
                and user.role in ACTION_ROLES.get(action, ()))


def can_export(user, view: str) -> bool:
    """May `user` download the tables of `view` (CSV routes, download callbacks)?"""
    return can_open(user, view) and can(user, "export")


def brand_scope(user) -> frozenset[str] | None:
    """The brands `user` may see; None means every brand, anonymous sees none."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return user.brand_scope


def current_scope() -> frozenset[str] | None:
    """The signed-in user's brand scope: the one way views, callbacks, exports and
    background jobs get it for their analytics calls."""
    return brand_scope(current_user)


def refused_output(user, component_ids) -> str | None:
    """Closed by default: what `user` may not write among a callback's outputs (for the
    audit log), or None when every output is allowed. No outputs at all: refused."""
    if not component_ids:
        return "a callback that is not registered or has no outputs"
    for component_id in map(_id_text, component_ids):
        view = view_of(component_id)
        if not can_open(user, view):
            return f"callback output {component_id} (view {view})"
        if any(mark in component_id for mark in EXPORT_ID_MARKS) and not can_export(user, view):
            return f"callback output {component_id} (export)"
    return None


def _id_text(component_id):
    """A dict id is named by its "type" key; anything else unreadable maps to no view."""
    if isinstance(component_id, dict):
        component_id = component_id.get("type")
    return component_id if isinstance(component_id, str) else ""


def view_of(component_id: str) -> str:
    """The view a component belongs to: the id's prefix before the first dash."""
    prefix, dash, _rest = component_id.partition("-")
    return prefix if dash else ""
