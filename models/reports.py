"""Scheduled reports: who gets which view by e-mail how often, and each delivery's state."""
from datetime import datetime

from sqlalchemy import (Boolean, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

FREQUENCIES = ("daily", "weekly", "monthly")
# claimed: a sender owns it and is rendering (nothing handed to SMTP yet);
# handing_off: the message is being given to the mail server; sent; retrying (waits for
# next_attempt_at); failed (given up, or the hand-off's outcome is unknown); skipped
# (nothing to send: user deactivated, no address).
DELIVERY_STATES = ("claimed", "handing_off", "sent", "retrying", "failed", "skipped")


class Subscription(Base):
    """One user's standing order for one view, as it stood (its path and query)."""
    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    # The view's address and its query (filters, baseline) as the page showed them.
    path: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(2000), default="")
    every: Mapped[str] = mapped_column(String(10))
    # Minutes after local midnight in the user's time zone (08:00 is 480).
    at_minute: Mapped[int] = mapped_column(Integer, default=480)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # UTC; the first delivery is the first scheduled time after this.
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)


class Delivery(Base):
    """One (subscription, period): unique, so a period can be claimed by one sender only."""
    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("report_subscriptions.id", ondelete="CASCADE"), index=True)
    # The scheduled local date, e.g. "2026-12-07": one delivery per subscription per day.
    period: Mapped[str] = mapped_column(String(32))
    # The scheduled time, UTC.
    due_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A claim is the sender's until then; a later sender may take over only a claim that
    # never reached the mail server (state claimed).
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What went wrong (or why nothing was sent), in words for the admin and the user.
    error: Mapped[str | None] = mapped_column(Text)
    # Where the message went: the mail server, or the outbox file.
    sent_to: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
