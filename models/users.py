"""People who log in: role, brand scope, active flag, and their open sign-in sessions."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

ROLES = ("admin", "manager", "analyst")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # True: every brand, now and later; False: only the brands in `brands`.
    all_brands: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Where reports and alerts go; None: this user gets no e-mail.
    email: Mapped[str | None] = mapped_column(String(320))
    # An IANA zone name such as "Asia/Kolkata"; None: the server's zone. Scheduled reports
    # arrive at their time of day in this zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    brands: Mapped[list["UserBrand"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    # The sign-in session this object was loaded for. Flask-Login stores what get_id
    # returns in the session and remember cookies: a random session id rather than the
    # user id, so deleting the session row on the server ends that sign-in everywhere.
    session_id = None

    def get_id(self):
        if not self.session_id:
            raise AttributeError("This user was not loaded for a sign-in session.")
        return self.session_id

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def brand_scope(self) -> frozenset[str] | None:
        """The brands this user may see, or None for all brands."""
        if self.all_brands:
            return None
        return frozenset(b.brand for b in self.brands)


class UserBrand(Base):
    __tablename__ = "user_brands"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    # A brand name, so a scope can be set before the brand's first data arrives.
    brand: Mapped[str] = mapped_column(String(200), primary_key=True)


class UserSession(Base):
    """One sign-in: its random id is what the session and remember cookies carry."""
    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No foreign key: on SQLite these rows live in a file of their own beside the data, so
    # an import's write lock never holds up a sign-in (dashboard/sessions.py).
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    # "Keep me signed in" was ticked: the remember cookie may bring this session back.
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
