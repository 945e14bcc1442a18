"""People who log in: role, brand scope, active flag."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String
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
    brands: Mapped[list["UserBrand"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

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
