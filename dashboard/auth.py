"""Who may see or do what: login, roles, brand scope. Every permission decision lives here."""
from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template_string,
                   request, url_for)
from flask_login import current_user, login_user, logout_user

from dashboard.extensions import db, login_manager
from models import User

blueprint = Blueprint("auth", __name__)

# What each role may open. Managers and analysts see analytics within their brand scope.
VIEW_ROLES = {
    "overview": {"admin", "manager", "analyst"},
    "roi": {"admin", "manager", "analyst"},
    "influencers": {"admin", "manager", "analyst"},
    "insights": {"admin", "manager", "analyst"},
    "brands": {"admin", "manager", "analyst"},
    "data": {"admin"},
    "users": {"admin"},
    "audit": {"admin"},
}


def can_open(user, view: str) -> bool:
    return bool(user and user.is_authenticated and user.role in VIEW_ROLES.get(view, ()))


def brand_scope(user) -> frozenset[str] | None:
    """The brands `user` may see; None means every brand."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return user.brand_scope


@login_manager.user_loader
def _load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in · Influencer ROI</title>
<link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width:420px;margin-top:10vh">
<h1 class="h4 mb-3">Sign in</h1>
{% if message %}<div class="alert alert-danger" role="alert">{{ message }}</div>{% endif %}
<form method="post" action="{{ url_for('auth.login', next=next) }}">
<label class="form-label" for="username">Username</label>
<input class="form-control mb-2" id="username" name="username" autocomplete="username" required>
<label class="form-label" for="password">Password</label>
<input class="form-control mb-3" id="password" name="password" type="password"
 autocomplete="current-password" required>
<button class="btn btn-primary w-100" id="login-submit" type="submit">Sign in</button>
</form></main></body></html>"""


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    from dashboard import users

    next_url = request.args.get("next", "")
    message = None
    if request.method == "POST":
        user = users.authenticate(request.form.get("username", ""),
                                  request.form.get("password", ""))
        if user is not None:
            login_user(user)
            return redirect(next_url if next_url.startswith("/") and not
                            next_url.startswith("//") else "/")
        message = "Wrong username or password."
    return render_template_string(LOGIN_PAGE, message=message, next=next_url)


@blueprint.route("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def _guard():
    """Closed by default: only the login page, assets and Dash's bundles are public."""
    path = request.path
    if path in ("/login", "/healthz") or path.startswith(
            ("/assets/", "/_dash-component-suites/", "/static/", "/_favicon")):
        return None
    if current_user.is_authenticated:
        return None
    if path.startswith("/_dash-") or path.startswith("/api/"):
        return jsonify(error="Please sign in."), 401
    return redirect(url_for("auth.login", next=path))


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    app.before_request(_guard)
    app.register_blueprint(blueprint)


__all__ = ["abort", "brand_scope", "can_open", "current_app", "init_app"]
