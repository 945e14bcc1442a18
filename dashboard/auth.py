"""Who may see or do what: sign-in, roles, brand scope. Every permission decision lives here."""
import logging
from functools import wraps
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, g, jsonify, redirect, render_template_string,
                   request, session, url_for)
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie
from flask_wtf.csrf import CSRFError

from dashboard.extensions import db, limiter, login_manager
from models import User
from models.users import ROLES

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)

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
    "data": {"admin"},
    "users": {"admin"},
    "audit": {"admin"},
}
# What each role may do beyond opening a view. Exports are the numbers the view already
# shows, within the same brand scope, so whoever may open a view may download its tables.
ACTION_ROLES = {
    "export": EVERY_ROLE,
    "upload": {"admin"},
    "manage_users": {"admin"},
}
# A callback output whose id carries one of these marks hands out a file: it needs "export".
EXPORT_ID_MARKS = ("-download", "-export")

# Without a session only these get through; everything else is closed by default.
PUBLIC_PATHS = ("/login", "/healthz", "/readyz")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
DASH_CALLBACK_PATH = "/_dash-update-component"

# Failed sign-ins a minute before further tries are refused. Per username it stops
# guessing one password; per address it stops trying one common password on many usernames.
# Successful sign-ins never count, so an office behind one address is never locked out.
LOGIN_FAILURES_PER_USERNAME = 5
LOGIN_FAILURES_PER_ADDRESS = 30
WRONG_CREDENTIALS = "Wrong username or password."


def can_open(user, view: str) -> bool:
    """May `user` open `view` (a page, its callbacks, its Flask routes)? Unknown: no."""
    return bool(user is not None and user.is_authenticated
                and user.role in VIEW_ROLES.get(view, ()))


def can(user, action: str) -> bool:
    """May `user` do `action` ("export", "upload", "manage_users")? Unknown: no."""
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
    """The signed-in user's brand scope, for the analytics calls of a view or export."""
    return brand_scope(current_user)


def require_view(view, action=None):
    """Decorate a Flask route: 401 without a session, 403 when the role may not open `view`
    (or do `action`, e.g. "export")."""
    def decorator(route):
        @wraps(route)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                return _json_error("Please sign in.", 401)
            if not can_open(current_user, view) or (action and not can(current_user, action)):
                return _refuse(f"route {request.path} (view {view}"
                               + (f", action {action})" if action else ")"))
            return route(*args, **kwargs)
        return checked
    return decorator


def safe_next(target) -> str:
    """`target` if it is a path on this site, else "/": never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil" or "/\t/evil"
    # would leave the site.
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@login_manager.user_loader
def user_for_session(session_id):
    """The active user whose open sign-in session is `session_id`, else None (signed out,
    ended by a user change, expired, or a cookie from before sessions were kept)."""
    from dashboard import sessions

    user_id = sessions.user_id_of(session_id)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        return None
    user.session_id = session_id
    return user


def _reopen_from_remember_cookie(_app, user):
    """After a browser restart only the remember cookie is left. Flask-Login accepts it
    but stores no session fingerprint, so with strong session protection the very next
    request (the Dash layout) is refused and the cookie cleared. Re-open the session as a
    sign-in does, fingerprint included."""
    login_user(user, fresh=False)


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Influencer ROI</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width:420px;margin-top:10vh">
<h1 class="h4 mb-3">Sign in</h1>
{% if message %}<div class="alert alert-danger" role="alert" id="login-message">
{{ message }}</div>{% endif %}
<form method="post"
 action="{{ url_for('auth.login', next=next) if next else url_for('auth.login') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<label class="form-label" for="username">Username</label>
<input class="form-control mb-2" id="username" name="username" autocomplete="username"
 value="{{ username }}" required autofocus>
<label class="form-label" for="password">Password</label>
<input class="form-control mb-2" id="password" name="password" type="password"
 autocomplete="current-password" required>
<div class="form-check mb-3">
<input class="form-check-input" type="checkbox" id="remember" name="remember" value="1">
<label class="form-check-label" for="remember">Keep me signed in (30 days)</label></div>
<button class="btn btn-primary w-100" id="login-submit" type="submit">Sign in</button>
</form></main></body></html>"""


def _login_page(message=None, status=200):
    return render_template_string(
        LOGIN_PAGE, message=message, next=request.args.get("next", ""),
        username=request.form.get("username", "")[:150]), status


def _attempted_username():
    return request.form.get("username", "").strip().lower()[:150]


def _sign_in_failed(_response):
    """Only wrong credentials count against the limits: colleagues signing in from one
    office address never use them up, and a refused (429) try does not add to them."""
    return bool(g.get("sign_in_failed"))


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(f"{LOGIN_FAILURES_PER_ADDRESS}/minute", methods=["POST"],
               key_func=lambda: "login-address:" + (request.remote_addr or "unknown"),
               deduct_when=_sign_in_failed,
               error_message=f"Too many failed sign-ins from your address (more than "
                             f"{LOGIN_FAILURES_PER_ADDRESS} a minute). Wait a minute and "
                             f"try again.")
@limiter.limit(f"{LOGIN_FAILURES_PER_USERNAME}/minute", methods=["POST"],
               key_func=lambda: "login-username:" + _attempted_username(),
               deduct_when=_sign_in_failed,
               error_message=f"Too many sign-in attempts for this username (more than "
                             f"{LOGIN_FAILURES_PER_USERNAME} failed a minute). Wait a minute "
                             f"and try again.")
def login():
    from dashboard import audit, sessions, users

    next_url = safe_next(request.args.get("next", ""))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url)
        return _login_page()
    username = request.form.get("username", "")
    user, reason = users.check_credentials(username, request.form.get("password", ""))
    if user is None:
        g.sign_in_failed = True
        audit.record("login_failed", username=username.strip()[:150] or None,
                     detail=reason)
        return _login_page(WRONG_CREDENTIALS)
    remember = request.form.get("remember") == "1"
    # A sign-in on a browser already signed in replaces that browser's session.
    sessions.end_session(session.get("_user_id"))
    # A fresh session on sign-in: nothing set before it (by anyone) carries over.
    session.clear()
    user.session_id = sessions.open_session(user.id, remember)
    login_user(user, remember=remember)
    audit.record("login", username=user.username)
    return redirect(next_url)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    from dashboard import audit, sessions
    from dashboard.web import security

    if current_user.is_authenticated:
        audit.record("logout", username=current_user.username)
    # Ended on the server, so a copy of the session or remember cookie is worthless too.
    sessions.end_session(session.get("_user_id"))
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    security.forget_csrf_cookie(response)
    config = current_app.config
    response.delete_cookie(config.get("REMEMBER_COOKIE_NAME", "remember_token"),
                           path=config.get("REMEMBER_COOKIE_PATH", "/"),
                           domain=config.get("REMEMBER_COOKIE_DOMAIN"),
                           secure=config.get("REMEMBER_COOKIE_SECURE", False),
                           httponly=True, samesite=config.get("REMEMBER_COOKIE_SAMESITE"))
    return response


def _guard():
    """Closed by default: without a session only the allow-list gets through; with one,
    a Dash callback runs only if the role may open the view its outputs belong to."""
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if not current_user.is_authenticated:
        # Machine requests (Dash, uploads, any POST) get a 401 they can act on, not a page.
        if path.startswith("/_dash-") or request.method != "GET":
            return _json_error("Please sign in.", 401)
        if path == "/logout":
            return redirect(url_for("auth.login"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if path == DASH_CALLBACK_PATH:
        return _check_callback()
    return None


def _check_callback():
    dash_app = current_app.extensions["dash_app"]
    body = request.get_json(silent=True)
    component_ids = callback_output_ids(dash_app.callback_map, body)
    if not component_ids:
        return _refuse("a callback that is not registered or has no outputs")
    for component_id in component_ids:
        view = view_of(component_id)
        if not can_open(current_user, view):
            return _refuse(f"callback output {component_id} (view {view})")
        if any(mark in component_id for mark in EXPORT_ID_MARKS) and not can_export(
                current_user, view):
            return _refuse(f"callback output {component_id} (export)")
    return None


def callback_output_ids(callback_map, body):
    """The component ids a callback request writes to: those the server registered for
    the callback Dash will run (body["output"]) plus those the client names. Empty when
    the callback is unknown, so it is refused."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return []
    callback = callback_map.get(body["output"])
    if callback is None or callback.get("no_output"):
        return []
    declared = callback["output"]
    declared = declared if isinstance(declared, (list, tuple)) else [declared]
    ids = [_id_text(output.component_id) for output in declared]
    named = body.get("outputs") or []
    for output in named if isinstance(named, list) else [named]:
        # Pattern-matching outputs arrive as a list of concrete outputs.
        for item in output if isinstance(output, list) else [output]:
            ids.append(_id_text(item.get("id") if isinstance(item, dict) else None))
    return ids


def _id_text(component_id):
    """A dict id is named by its "type" key; anything else unreadable maps to no view."""
    if isinstance(component_id, dict):
        component_id = component_id.get("type")
    return component_id if isinstance(component_id, str) else ""


def view_of(component_id: str) -> str:
    """The view a component belongs to: the id's prefix before the first dash."""
    prefix, dash, _rest = component_id.partition("-")
    return prefix if dash else ""


def _refuse(what):
    from dashboard import audit

    audit.record("forbidden", detail=f"{current_user.role} refused {what}"[:2000])
    return _json_error(f"Your role ({current_user.role}) is not allowed to do this.", 403)


def _json_error(message, status):
    return jsonify(error=message), status


def _too_many_requests(error):
    if request.path == "/login":
        log.warning("Sign-in rate limit hit from %s for %r: %s", request.remote_addr,
                    _attempted_username(), error.description)
        return _login_page(error.description, 429)
    return _json_error(error.description, 429)


def _csrf_failed(error):
    if request.path == "/login":
        return _login_page("This sign-in form is missing its security token or it is out of "
                           "date. Reload the page and sign in again.", 400)
    return _json_error("Your session's security token is missing or out of date. "
                       "Reload the page.", 400)


def init_app(app):
    """Register the sign-in routes and the guard; call before CSRFProtect.init_app so
    an anonymous Dash POST gets 401, not a CSRF 400."""
    from dashboard import sessions

    sessions.init_app(app)
    login_manager.init_app(app)
    user_loaded_from_cookie.connect(_reopen_from_remember_cookie, app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.before_request(_guard)
    app.register_blueprint(blueprint)
    app.register_error_handler(429, _too_many_requests)
    app.register_error_handler(CSRFError, _csrf_failed)
