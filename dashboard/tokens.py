"""API token use cases: create, revoke, list and check the bearer tokens of the JSON API,
shared by the `dashboard tokens` CLI, the /account/tokens page and the request guard."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from dashboard import audit
from dashboard.extensions import db
from models import ApiToken, AuditEvent, User

# Every token starts with this, so a token pasted in the wrong place is recognisable
# (and secret scanners can look for it).
TOKEN_PREFIX = "roi_"
SELECTOR_LENGTH = 12
DEFAULT_DAYS = 90
MAX_DAYS = 3650
MAX_NAME_LENGTH = 100


class TokenError(ValueError):
    """A token change that cannot be made; the message is shown as is."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is the only copy of the token there will ever be."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class Check:
    """What a bearer token is worth: its owner and row, or why it is refused."""

    user: User | None = None
    token: ApiToken | None = None
    refusal: str | None = None
    # RFC 6750: no error code when no token was sent, "invalid_token" otherwise.
    sent: bool = True


def hash_token(token: str) -> str:
    """SHA-256 is enough: the token carries 256 random bits, nothing to guess or stretch."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(username, days=DEFAULT_DAYS, name="", actor=None) -> NewToken:
    """A new token for `username`, valid `days` days. One transaction, audited."""
    name = (name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(f"A token name can be at most {MAX_NAME_LENGTH} characters long, "
                         f"not {len(name)}.")
    days = _check_days(days)
    selector = secrets.token_hex(SELECTOR_LENGTH // 2)
    secret = f"{TOKEN_PREFIX}{selector}_{secrets.token_urlsafe(32)}"
    now = datetime.utcnow()
    with db.transaction() as session:
        user = _user(session, username)
        if not user.active:
            raise TokenError(f"{user.username!r} is deactivated: a token would not work.")
        token = ApiToken(user_id=user.id, name=name, selector=selector,
                         token_hash=hash_token(secret), created_at=now, created_by=actor,
                         expires_at=now + timedelta(days=days))
        session.add(token)
        session.flush()
        session.add(audit.event("token_created", username=actor, detail=(
            f"API token {token.id} ({shown_prefix(token)}{_label(name)}) for "
            f"{user.username!r}, expires {token.expires_at:%Y-%m-%d}")))
    return NewToken(token=token, secret=secret)


def revoke_tokens(username, token_id=None, actor=None) -> list[ApiToken]:
    """Revoke `username`'s tokens still in force (or only `token_id`); the revoked ones."""
    now = datetime.utcnow()
    with db.transaction() as session:
        user = _user(session, username)
        query = select(ApiToken).where(ApiToken.user_id == user.id,
                                       ApiToken.revoked_at.is_(None))
        if token_id is not None:
            query = query.where(ApiToken.id == token_id)
        revoked = session.scalars(query.order_by(ApiToken.id)).all()
        if token_id is not None and not revoked:
            raise TokenError(f"{user.username!r} has no token {token_id} that is still in "
                             "force.")
        for token in revoked:
            token.revoked_at = now
            session.add(audit.event("token_revoked", username=actor, detail=(
                f"API token {token.id} ({shown_prefix(token)}{_label(token.name)}) of "
                f"{user.username!r}")))
    return revoked


def revoke_token_by_id(token_id, actor_user) -> ApiToken:
    """Revoke one token from the tokens page: its owner may, and whoever may manage tokens."""
    from dashboard import auth

    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor_user.id
                         and not auth.can(actor_user, "manage_tokens")):
        raise TokenError(f"There is no token {token_id} you can revoke.")
    owner = db.session.get(User, token.user_id)
    return revoke_tokens(owner.username, token_id, actor=actor_user.username)[0]


def list_tokens(username=None):
    """(token, owner's username) pairs, newest first; one user's or everyone's."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username is not None:
        query = query.where(User.username == _user(db.session, username).username)
    query = query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return [(token, owner) for token, owner in db.session.execute(query).all()]


def status(token, now=None) -> str:
    """"active", "expired" or "revoked", in the words the lists show."""
    now = now or datetime.utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"


def shown_prefix(token) -> str:
    """What a list shows of a token: its prefix and selector, never the secret part."""
    return f"{TOKEN_PREFIX}{token.selector}…"


def check_bearer(authorization) -> Check:
    """The owner of the token in an Authorization header, read fresh from the database so
    a role, brand or active change applies at once; or why the call is refused."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if not authorization:
        return Check(refusal="This call needs an API token: send the header "
                             "'Authorization: Bearer <token>'. Make one on the API tokens "
                             "page (/account/tokens).", sent=False)
    if scheme.lower() != "bearer" or not token:
        return Check(refusal="The Authorization header should be 'Bearer <token>'.")
    selector = token[len(TOKEN_PREFIX):len(TOKEN_PREFIX) + SELECTOR_LENGTH]
    row = None
    if token.startswith(TOKEN_PREFIX) and len(selector) == SELECTOR_LENGTH:
        row = db.session.scalar(select(ApiToken).where(ApiToken.selector == selector))
    # Compared in constant time, so response times say nothing about the stored hash.
    if row is None or not hmac.compare_digest(row.token_hash, hash_token(token)):
        return Check(refusal="This API token is not known. Check that it was copied whole.")
    state = status(row)
    if state == "revoked":
        return Check(token=row, refusal=f"This API token was revoked on "
                                        f"{row.revoked_at:%Y-%m-%d %H:%M} UTC.")
    if state == "expired":
        return Check(token=row, refusal=f"This API token expired on "
                                        f"{row.expires_at:%Y-%m-%d %H:%M} UTC.")
    user = db.session.get(User, row.user_id, populate_existing=True)
    if user is None or not user.active:
        return Check(token=row, refusal="The owner of this API token is deactivated.")
    return Check(user=user, token=row)


def note_api_call(token_id, username, detail, action="api_call"):
    """The audit line of one API call and the token's last use, written together; on SQLite
    while an import holds the lock, a little later (audit.write_soon)."""
    fields = {"action": action, "detail": detail[:2000], "username": username,
              "ip": audit.event(action).ip, "at": datetime.utcnow()}

    def work(session):
        session.add(AuditEvent(**fields))
        if token_id is not None:
            session.execute(update(ApiToken).where(ApiToken.id == token_id)
                            .values(last_used_at=fields["at"]))
    audit.write_soon(work)


def _user(session, username):
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise TokenError(f"There is no user named {username!r}.")
    return user


def _check_days(days):
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise TokenError(f"The number of days should be a whole number, not {days!r}.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lasts from 1 to {MAX_DAYS} days, not {days}.")
    return days


def _label(name):
    return f", {name!r}" if name else ""
