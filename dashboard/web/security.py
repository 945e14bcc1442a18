"""Response hardening: security headers, the strict CSP and the CSRF cookie Dash sends back."""
from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from dashboard import auth

# The Dash renderer copies this cookie into the X-CSRFToken header of every callback POST.
CSRF_COOKIE = "_csrf_token"
# Fingerprinted bundles and static files: cacheable, and they hold no user data.
CACHEABLE_PREFIXES = ("/assets/", "/_dash-component-suites/")
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(app):
    """The CSP, built once: Dash's inline scripts (renderer start-up, clientside
    callbacks) are allowed by hash, so neither 'unsafe-inline' scripts nor eval are."""
    policy = app.extensions.get("content_security_policy")
    if policy is None:
        script_hashes = " ".join(app.extensions["dash_app"].csp_hashes())
        policy = "; ".join([
            "default-src 'self'",
            f"script-src 'self' {script_hashes}".strip(),
            # Plotly and dash-bootstrap-components set inline styles.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ])
        app.extensions["content_security_policy"] = policy
    return policy


def _add_headers(response):
    app = current_app._get_current_object()
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(app)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    if app.config["DASHBOARD_ENV"] == "production":
        headers["Strict-Transport-Security"] = HSTS
    if not request.path.startswith(CACHEABLE_PREFIXES):
        # After sign-out the back button must not show a cached page of numbers.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("ETag", None)
    # An API call has no session to tie a CSRF token to, and must not start one.
    if (current_user.is_authenticated and not auth.is_api(request.path)
            and not _has_valid_csrf_cookie()):
        _set_csrf_cookie(response, generate_csrf())
    return response


def _has_valid_csrf_cookie():
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        return False
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _set_csrf_cookie(response, token):
    # Script-readable on purpose (the renderer reads it); SameSite=Lax keeps it off
    # cross-site POSTs, and the token is worthless without the session it is tied to.
    response.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/")


def forget_csrf_cookie(response):
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])


def init_app(app):
    app.after_request(_add_headers)
