"""Saved views: a named address (page and filters) a user keeps, maybe shared with a role."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SavedView(Base):
    """What a view shows is decided when it is opened, under the opener's brand scope: the
    row holds only the address, never numbers or brands granted."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The page ("/roi") and its query ("period=last30&brand=Gritzo&by=campaign").
    path: Mapped[str] = mapped_column(String(300))
    query: Mapped[str] = mapped_column(String(2000), default="")
    # A role every member of which sees the view in their list; None: the owner only.
    shared_role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
