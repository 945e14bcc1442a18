"""API tokens: a user's keys for the JSON API, kept only as hashes."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ApiToken(Base):
    """One token. The token itself is shown once and never stored: `selector` finds the row
    and `token_hash` (SHA-256 of the whole token) proves the caller holds it."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    # What the owner calls it ("weekly notebook"); may be empty.
    name: Mapped[str] = mapped_column(String(100), default="")
    # The random, non-secret part after "roi_": shown in lists so a token can be recognised.
    selector: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    # Who made it: the owner, an admin, or "cli".
    created_by: Mapped[str | None] = mapped_column(String(150))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
