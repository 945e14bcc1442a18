"""User management use cases, shared by the admin page and the `dashboard users` CLI."""
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from dashboard.extensions import db
from models import User, UserBrand
from models.users import ROLES

# argon2id with OWASP's recommended minimum (m=19 MiB, t=2, p=1).
password_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = password_hasher.hash("not-a-real-password")


class UserError(ValueError):
    """A user change that cannot be made; the message is shown to the admin as is."""


def create_user(username, password, role, brands=(), active=True, actor=None):
    username = (username or "").strip()
    if not username:
        raise UserError("A username is required.")
    if role not in ROLES:
        raise UserError(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")
    if not password or len(password) < 8:
        raise UserError("The password must be at least 8 characters long.")
    with db.transaction() as session:
        if session.scalar(select(User).where(User.username == username)):
            raise UserError(f"A user named {username!r} already exists.")
        user = User(username=username, password_hash=password_hasher.hash(password),
                    role=role, active=active, all_brands=not brands,
                    brands=[UserBrand(brand=b) for b in sorted(set(brands))])
        session.add(user)
    return user


def authenticate(username, password):
    """The active user with this username and password, else None."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    with db.transaction():
        user.last_login_at = datetime.utcnow()
    return user


def _verify(password_hash, password):
    try:
        return password_hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def list_users():
    return db.session.scalars(select(User).order_by(User.username)).all()
