"""Derived tables, rebuilt inside the import transaction that changes their sources."""
from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DailyFact(Base):
    """One row per influencer x day x brand x campaign with orders, spend events and posts.

    Rows from orders and spend always carry a brand and a campaign (Unattributed
    included); rows from posts have no campaign, and no brand when posts.csv had none.
    Undated spend (METRICS.md) has day NULL. A key can hold two rows, one written from the
    orders (with basis-order spend) and one from posts (basis-post spend); every reader
    sums, so that is never visible. `in_post_window` marks days 0..6 after one
    of the influencer's posts, which the measured baseline (docs/metrics.md) leaves out.
    """

    __tablename__ = "daily_facts"
    __table_args__ = (
        Index("ix_daily_facts_day_brand_id", "day", "brand_id"),
        Index("ix_daily_facts_influencer_pk_day", "influencer_pk", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    influencer_pk: Mapped[int] = mapped_column(ForeignKey("influencers.id"))
    day: Mapped[date | None] = mapped_column(Date)
    month: Mapped[str | None] = mapped_column(String(7))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    tracking_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    orders: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue: Mapped[float] = mapped_column(Float, default=0.0)
    spend_events: Mapped[int] = mapped_column(BigInteger, default=0)
    spend: Mapped[float] = mapped_column(Float, default=0.0)
    posts: Mapped[int] = mapped_column(BigInteger, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    likes: Mapped[int] = mapped_column(BigInteger, default=0)
    comments: Mapped[int] = mapped_column(BigInteger, default=0)
    in_post_window: Mapped[bool] = mapped_column(Boolean, default=False)
