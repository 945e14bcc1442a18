"""The API tokens page (/account/tokens): a user's own tokens, made (shown once) and
revoked here; an admin also sees and revokes everyone's."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from dashboard import auth, tokens
from dashboard.web import guard

blueprint = Blueprint("account_tokens", __name__, url_prefix="/account")


@blueprint.get("/tokens")
@guard.require_view("account")
def tokens_page():
    return _page()


@blueprint.post("/tokens")
@guard.require_view("account")
def create_token():
    try:
        new = tokens.create_token(current_user.username, request.form.get("days") or
                                  tokens.DEFAULT_DAYS, request.form.get("name", ""),
                                  actor=current_user.username)
    except tokens.TokenError as error:
        return _page(problem=str(error), status=400)
    return _page(new=new)


@blueprint.post("/tokens/<int:token_id>/revoke")
@guard.require_view("account")
def revoke_token(token_id):
    try:
        token = tokens.revoke_token_by_id(token_id, current_user)
    except tokens.TokenError as error:
        return _page(problem=str(error), status=404)
    return _page(message=f"Token {token.id} ({tokens.shown_prefix(token)}) is revoked: calls "
                         "with it now get 401.")


def _page(new=None, message=None, problem=None, status=200):
    own = [token for token, _owner in tokens.list_tokens(current_user.username)]
    everyone = (tokens.list_tokens() if auth.can(current_user, "manage_tokens") else None)
    return render_template(
        "account_tokens.html", own=own, everyone=everyone, new=new, message=message,
        problem=problem, status=tokens.status, shown=tokens.shown_prefix,
        default_days=tokens.DEFAULT_DAYS, max_days=tokens.MAX_DAYS,
        max_name=tokens.MAX_NAME_LENGTH), status
