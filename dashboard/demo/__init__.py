"""Realistic demo data: the generator, the shipped sample in data/, and the demo users."""
import tempfile

from dashboard.demo.generator import (
    DEFAULT_SCALE, FILE_NAMES, SAMPLE_DIR, generate, produce, true_incremental_revenue,
    write_demo)
from dashboard.demo.world import END_DAY, MIN_CREATORS

__all__ = ["DEFAULT_SCALE", "END_DAY", "FILE_NAMES", "MIN_CREATORS", "database_is_empty",
           "ensure_demo_users", "generate", "load_demo", "load_sample", "produce",
           "true_incremental_revenue", "write_demo"]

DEMO_USERS = (
    ("admin", "admin-demo-pass", "admin", ()),
    ("analyst", "analyst-demo-pass", "analyst", ()),
    ("manager", "manager-demo-pass", "manager", ("MuscleBlaze", "HKVitals")),
)


def load_demo(scale=None, seed=7, creators=None, posts=None):
    """Generate demo data of this size and import it through the real import pipeline."""
    from flask import current_app

    from dashboard import importing

    with tempfile.TemporaryDirectory(prefix="demo-") as out_dir:
        paths = write_demo(out_dir, scale=scale, seed=seed, creators=creators, posts=posts)
        return importing.import_paths([str(paths[name]) for name in FILE_NAMES],
                                      limits=importing.ImportLimits.from_app(current_app),
                                      username="demo")


def load_sample():
    """Import the shipped sample CSVs in data/."""
    from flask import current_app

    from dashboard import importing

    return importing.import_paths([str(SAMPLE_DIR / FILE_NAMES[name]) for name in FILE_NAMES],
                                  limits=importing.ImportLimits.from_app(current_app),
                                  username="demo")


def database_is_empty():
    """True when there are no creators and no orders yet (a fresh install)."""
    from sqlalchemy import exists, select

    from dashboard.extensions import db
    from models import Influencer, Order

    session = db.session
    return not (session.scalar(select(exists().where(Influencer.id.isnot(None))))
                or session.scalar(select(exists().where(Order.id.isnot(None)))))


def ensure_demo_users():
    """Create the demo users that are missing; list those that still sign in as printed.

    A demo user whose password an admin has since changed is left out of the list, so
    setup never prints a password that does not work.
    """
    from argon2.exceptions import InvalidHashError, VerificationError
    from sqlalchemy import select

    from dashboard import users
    from dashboard.extensions import db
    from models import User

    usable = []
    for username, password, role, brands in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            users.create_user(username, password, role, brands, actor="demo")
        else:
            try:
                users.password_hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                continue
            role = user.role
            scope = user.brand_scope
            brands = () if scope is None else tuple(sorted(scope))
        usable.append((username, password, role, tuple(sorted(brands))))
    return usable
