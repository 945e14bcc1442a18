"""The request guard: every request and Dash callback passes auth's rules, closed by default;
refusals answer in JSON and are audited."""
from functools import wraps

from flask import current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user

from dashboard import auth
from dashboard.extensions import login_manager

DASH_CALLBACK_PATH = "/_dash-update-component"


def require_view(view, action=None):
    """Decorate a Flask route: 401 without a session, 403 when the role may not open `view`
    (or do `action`, e.g. "export")."""
    def decorator(route):
        @wraps(route)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                return json_error("Please sign in.", 401)
            if not auth.can_open(current_user, view) or (
                    action and not auth.can(current_user, action)):
                return refuse(f"route {request.path} (view {view}"
                              + (f", action {action})" if action else ")"))
            return route(*args, **kwargs)
        return checked
    return decorator


def check_request():
    """Closed by default: without a session only the allow-list gets through; with one,
    a Dash callback runs only if the role may open the view its outputs belong to."""
    path = request.path
    if auth.is_api(path):
        return check_bearer()
    if auth.is_public(path):
        return None
    if not current_user.is_authenticated:
        # Machine requests (Dash, uploads, any POST) get a 401 they can act on, not a page.
        if path.startswith("/_dash-") or request.method != "GET":
            return json_error("Please sign in.", 401)
        if path == "/logout":
            return redirect(url_for("auth.login"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if path == DASH_CALLBACK_PATH:
        dash_app = current_app.extensions["dash_app"]
        output_ids = callback_output_ids(dash_app.callback_map, request.get_json(silent=True))
        refused = auth.refused_output(current_user, output_ids)
        if refused:
            return refuse(refused)
    return None


def check_bearer():
    """An API call is its bearer token's owner, read fresh for this call; the session cookie
    is never read, so a signed-in browser without a token gets 401 like anyone else."""
    from dashboard import tokens

    # Set before anything asks: Flask-Login then never loads the session's user.
    g._login_user = login_manager.anonymous_user()
    if auth.is_public_api(request.path):
        return None
    check = tokens.check_bearer(request.headers.get("Authorization"))
    g.api_token_id = check.token.id if check.token is not None else None
    if check.user is None:
        g.api_refusal = check.refusal
        return bearer_challenge(check.refusal, invalid=check.sent)
    g._login_user = check.user
    return None


def bearer_challenge(message, invalid=True):
    """401 in JSON with the RFC 6750 challenge a client reads to know it needs a token."""
    response, status = json_error(message, 401)
    challenge = 'Bearer realm="api"'
    if invalid:
        description = message.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    response.headers["WWW-Authenticate"] = challenge
    return response, status


def callback_output_ids(callback_map, body):
    """The component ids a callback request writes to: those the server registered for
    the callback Dash will run (body["output"]) plus those the client names. Empty when
    the callback is unknown, so it is refused."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return []
    callback = callback_map.get(body["output"])
    # A clientside callback runs in the browser; a POST that names one is forged.
    if callback is None or callback.get("no_output") or "callback" not in callback:
        return []
    declared = callback["output"]
    declared = declared if isinstance(declared, (list, tuple)) else [declared]
    ids = [output.component_id for output in declared]
    named = body.get("outputs") or []
    for output in named if isinstance(named, list) else [named]:
        # Pattern-matching outputs arrive as a list of concrete outputs.
        for item in output if isinstance(output, list) else [output]:
            ids.append(item.get("id") if isinstance(item, dict) else None)
    return ids


def refuse(what):
    from dashboard import audit

    audit.record("forbidden", detail=f"{current_user.role} refused {what}"[:2000])
    return json_error(f"Your role ({current_user.role}) is not allowed to do this.", 403)


def json_error(message, status):
    return jsonify(error=message), status


def init_app(app):
    """Call before CSRFProtect.init_app, so an anonymous Dash POST gets 401, not a CSRF 400."""
    app.before_request(check_request)
