"""Sign-in and sign-out: the login page, its failure limits, and the session each request
belongs to."""
import logging
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, g, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie
from flask_wtf.csrf import CSRFError

from dashboard import audit, sessions, users
from dashboard.extensions import limiter, login_manager
from dashboard.web import guard, security

log = logging.getLogger(__name__)
# Named "auth" so its endpoints keep their names: auth.login, auth.logout.
blueprint = Blueprint("auth", __name__)

# Failed sign-ins a minute before further tries are refused. Per username it stops
# guessing one password; per address it stops trying one common password on many usernames.
# Successful sign-ins never count, so an office behind one address is never locked out.
LOGIN_FAILURES_PER_USERNAME = 5
LOGIN_FAILURES_PER_ADDRESS = 30
WRONG_CREDENTIALS = "Wrong username or password."


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
    user = sessions.user_of(session_id)
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


def _login_page(message=None, status=200):
    return render_template(
        "login.html", message=message, next=request.args.get("next", ""),
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


def _too_many_requests(error):
    if request.path == "/login":
        log.warning("Sign-in rate limit hit from %s for %r: %s", request.remote_addr,
                    _attempted_username(), error.description)
        return _login_page(error.description, 429)
    return guard.json_error(error.description, 429)


def _csrf_failed(error):
    if request.path == "/login":
        return _login_page("This sign-in form is missing its security token or it is out of "
                           "date. Reload the page and sign in again.", 400)
    return guard.json_error("Your session's security token is missing or out of date. "
                            "Reload the page.", 400)


def init_app(app):
    """Register the sign-in routes, the session store and how a request finds its user."""
    sessions.init_app(app)
    login_manager.init_app(app)
    user_loaded_from_cookie.connect(_reopen_from_remember_cookie, app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.register_blueprint(blueprint)
    app.register_error_handler(429, _too_many_requests)
    app.register_error_handler(CSRFError, _csrf_failed)
