"""User management use cases, shared by the admin page and the `dashboard users` CLI."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update

from dashboard import audit, sessions
from dashboard.extensions import db
from models import Brand, User, UserBrand
from models.catalogue import UNATTRIBUTED
from models.users import ROLES

# argon2id with OWASP's recommended minimum (m=19 MiB, t=2, p=1).
password_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = password_hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 8
# Long enough for any passphrase, short enough that hashing one stays cheap.
MAX_PASSWORD_LENGTH = 1000
MAX_BRAND_LENGTH = 200
MAX_EMAIL_LENGTH = 320
# One @, something on each side, a dot in the domain, no spaces: what a person mistypes is
# caught here; whether the address exists only a delivery can tell.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class UserError(ValueError):
    """A user change that cannot be made; the message is shown to the admin as is."""


def create_user(username, password, role, brands=(), active=True, actor=None, email=None,
                timezone=None):
    """Create a user; no brands means every brand. One transaction, audited."""
    username = (username or "").strip()
    if not username:
        raise UserError("A username is required.")
    if len(username) > 150:
        raise UserError(f"A username can be at most 150 characters long, not {len(username)}.")
    _check_role(role)
    _check_password(password)
    brand_names = _clean_brands(brands)
    email, timezone = clean_email(email), clean_timezone(timezone)
    with db.transaction() as session:
        if session.scalar(select(User).where(User.username == username)):
            raise UserError(f"A user named {username!r} already exists.")
        user = User(username=username, password_hash=password_hasher.hash(password),
                    role=role, active=active, all_brands=not brand_names,
                    brands=[UserBrand(brand=b) for b in brand_names], email=email,
                    timezone=timezone)
        session.add(user)
        session.add(audit.event(
            "user_created", username=actor,
            detail=f"created {role} {username!r} with access to {_describe(brand_names)}"))
    return user


def set_role(username, role, actor=None):
    return update_access(username, role=role, actor=actor)


def set_brands(username, brands, actor=None):
    """Limit a user to `brands`; None or an empty list gives every brand."""
    return update_access(username, brands=brands or (), actor=actor)


def update_access(username, role=None, brands=None, actor=None):
    """Change role and/or brands (None: leave as is; empty brands: every brand) in one
    transaction, with one audit event per real change."""
    if role is not None:
        _check_role(role)
    brand_names = None if brands is None else _clean_brands(brands)
    changed = False
    with db.transaction() as session:
        user = _get(session, username)
        if role is not None and user.role != role:
            if user.role == "admin" and user.active:
                _keep_one_admin(session, user, f"change {username!r} to {role}")
            old_role, user.role = user.role, role
            changed = True
            session.add(audit.event("role_changed", username=actor,
                                    detail=f"{username!r} from {old_role} to {role}"))
        new_scope = frozenset(brand_names) if brand_names else None
        if brand_names is not None and user.brand_scope != new_scope:
            old_scope = user.brand_scope
            user.all_brands = not brand_names
            # Keep the rows that stay: replacing them would delete and insert one key.
            kept = [row for row in user.brands if row.brand in new_scope] if new_scope else []
            user.brands = kept + [UserBrand(brand=b) for b in brand_names
                                  if b not in {row.brand for row in kept}]
            session.add(audit.event(
                "brands_changed", username=actor,
                detail=f"{username!r} from {_describe(old_scope)} to {_describe(brand_names)}"))
            changed = True
        if changed:
            # Open sessions were granted under the old access; the user signs in again.
            sessions.end_all_sessions(user.id, session)
    return user


def set_contact(username, email, timezone, actor=None):
    """Set where a user's reports and alerts go and the zone their times are in."""
    email, timezone = clean_email(email), clean_timezone(timezone)
    with db.transaction() as session:
        user = _get(session, username)
        if (user.email, user.timezone) == (email, timezone):
            return user
        user.email, user.timezone = email, timezone
        session.add(audit.event(
            "contact_changed", username=actor,
            detail=f"{username!r}: e-mail {email or 'none'}, time zone {timezone or 'server'}"))
    return user


def clean_email(email):
    """The address as stored, or None when empty; UserError when it cannot be one."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL_LENGTH:
        raise UserError(f"An e-mail address can be at most {MAX_EMAIL_LENGTH} characters "
                        f"long, not {len(email)}.")
    if not _EMAIL.fullmatch(email):
        raise UserError(f"{email!r} is not an e-mail address: it needs one @ and a domain "
                        "such as name@example.com.")
    return email


def time_zone_names():
    """Every IANA zone name a user's time zone may be, sorted (for the admin page)."""
    return sorted(available_timezones())


def clean_timezone(timezone):
    """An IANA zone name, or None (the server's zone) when empty."""
    timezone = (timezone or "").strip()
    if not timezone:
        return None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(z for z in available_timezones() if timezone.lower() in z.lower())[:3]
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UserError(f"{timezone!r} is not a time zone name such as Asia/Kolkata.{hint}")
    return timezone


def reset_password(username, password, actor=None):
    _check_password(password)
    with db.transaction() as session:
        user = _get(session, username)
        user.password_hash = password_hasher.hash(password)
        session.add(audit.event("password_reset", username=actor,
                                detail=f"new password set for {username!r}"))
        # Whoever knew the old password may hold a session or remember cookie made with it.
        sessions.end_all_sessions(user.id, session)
    return user


def set_active(username, active, actor=None):
    """Deactivate (refused at sign-in, signed out on the next request) or reactivate."""
    with db.transaction() as session:
        user = _get(session, username)
        if bool(user.active) == bool(active):
            return user
        if not active:
            if actor == username:
                raise UserError("You cannot deactivate your own account; ask another admin.")
            if user.role == "admin":
                _keep_one_admin(session, user, f"deactivate {username!r}")
        user.active = bool(active)
        action = "user_reactivated" if active else "user_deactivated"
        session.add(audit.event(action, username=actor, detail=f"{username!r}"))
        if not active:
            sessions.end_all_sessions(user.id, session)
    return user


def authenticate(username, password):
    """The active user with this username and password, else None."""
    return check_credentials(username, password)[0]


def check_credentials(username, password):
    """(user, None) when the credentials are right and the user is active, else
    (None, why) where `why` is for the audit log only: users see one generic message."""
    username = (username or "").strip()
    password = password or ""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        _verify(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        return None, ("unknown username" if user is None
                      else f"password longer than {MAX_PASSWORD_LENGTH} characters")
    if not _verify(user.password_hash, password):
        return None, "wrong password"
    if not user.active:
        return None, "account is deactivated"
    signed_in_at = datetime.utcnow()
    # Not in the request's transaction: on SQLite during an import it is written later.
    audit.write_soon(lambda session: session.execute(
        update(User).where(User.id == user.id).values(last_login_at=signed_in_at)))
    return user, None


def get_user(username):
    return db.session.scalar(select(User).where(User.username == username))


def is_active(username):
    user = get_user(username)
    if user is None:
        raise UserError(f"There is no user named {username!r}.")
    return bool(user.active)


def list_users():
    return db.session.scalars(select(User).order_by(User.username)).all()


def known_brands():
    """Brands a scope can name: those in the data plus those already given to users."""
    in_data = db.session.scalars(select(Brand.name)).all()
    assigned = db.session.scalars(select(UserBrand.brand).distinct()).all()
    return sorted((set(in_data) | set(assigned)) - {UNATTRIBUTED})


def _verify(password_hash, password):
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _get(session, username):
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"There is no user named {username!r}.")
    return user


def _check_role(role):
    if role not in ROLES:
        raise UserError(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")


def _check_password(password):
    length = len(password or "")
    if length < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters "
                        f"long; this one has {length}.")
    if length > MAX_PASSWORD_LENGTH:
        raise UserError(f"The password can be at most {MAX_PASSWORD_LENGTH} characters "
                        f"long; this one has {length}.")


def _clean_brands(brands):
    if isinstance(brands, str):
        brands = [brands]
    names = sorted({b.strip() for b in brands if b and b.strip()})
    too_long = [b for b in names if len(b) > MAX_BRAND_LENGTH]
    if too_long:
        raise UserError(f"A brand name can be at most {MAX_BRAND_LENGTH} characters long; "
                        f"{len(too_long)} given are longer.")
    return names


def _keep_one_admin(session, user, change):
    other_admins = session.scalar(
        select(func.count(User.id)).where(User.role == "admin", User.active.is_(True),
                                          User.id != user.id))
    if other_admins == 0:
        raise UserError(f"Cannot {change}: it would leave 0 active admins. "
                        "Make another user admin first.")


def _describe(brands):
    return "all brands" if not brands else ", ".join(sorted(brands))
