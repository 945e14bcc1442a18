"""Alert rules, the alerts they fired, and the webhook addresses admins allowed."""
from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AlertRule(Base):
    """One user's line on one metric for one scope (docs/alerts.md)."""
    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    # below, above, down_by, up_by, spend_no_orders, payout_mismatch
    kind: Mapped[str] = mapped_column(String(20))
    # A column of docs/metrics.md (roas, revenue, ...); unused by the last two kinds.
    metric: Mapped[str] = mapped_column(String(30))
    # everything, brand, platform, creator, campaign; `scope_value` names the one meant.
    scope_kind: Mapped[str] = mapped_column(String(20))
    scope_value: Mapped[str | None] = mapped_column(String(200))
    # The line: a value (below/above), a percentage (down_by/up_by), a tolerance in rupees
    # (payout_mismatch); unused by spend_no_orders.
    threshold: Mapped[float | None] = mapped_column(Float)
    # Trailing weeks compared against (down_by/up_by), or days without orders.
    periods: Mapped[int | None] = mapped_column(Integer)
    send_email: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Alerts are recorded but not sent through this day (inclusive).
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    # True from a crossing until the metric is back on the right side of the line: no
    # second alert in between. `crossings` counts them; each alert is keyed by its number.
    firing: Mapped[bool] = mapped_column(Boolean, default=False)
    crossings: Mapped[int] = mapped_column(Integer, default=0)
    # The day the once-a-day evaluation last looked at this rule.
    checked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)


class AlertEvent(Base):
    """One crossing of one rule: what was said, and where it went."""
    __tablename__ = "alert_events"
    # Two evaluators that see the same crossing both try this row; only one gets it.
    __table_args__ = (UniqueConstraint("rule_id", "crossing"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"),
                                         index=True)
    crossing: Mapped[int] = mapped_column(Integer)
    fired_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(1000))
    value: Mapped[float | None] = mapped_column(Float)
    # pending, sent, failed, suppressed (muted or snoozed), none (no such channel)
    email_status: Mapped[str] = mapped_column(String(20), default="none")
    email_detail: Mapped[str | None] = mapped_column(String(500))
    webhook_status: Mapped[str] = mapped_column(String(20), default="none")
    webhook_detail: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class AllowedWebhook(Base):
    """An address alerts may POST to: a whole URL, or a prefix ending in "/"."""
    __tablename__ = "allowed_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    added_by: Mapped[str] = mapped_column(String(150))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
