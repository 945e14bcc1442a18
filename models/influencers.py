"""Creators and their posts."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

PLATFORMS = ("Instagram", "YouTube", "Twitter", "TikTok")
TIERS = ("nano", "micro", "mid", "macro", "mega")


def tier_for(follower_count: int) -> str:
    """Tier from follower count, as DATASETS.md defines it (never uploaded)."""
    if follower_count < 10_000:
        return "nano"
    if follower_count < 100_000:
        return "micro"
    if follower_count < 500_000:
        return "mid"
    if follower_count < 1_000_000:
        return "macro"
    return "mega"


class Influencer(Base):
    __tablename__ = "influencers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The CSV's influencer_id: the natural key users see. Tables that point at a creator
    # call their integer column influencer_pk, so influencer_id never means this id.
    influencer_key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(200), index=True)
    gender: Mapped[str | None] = mapped_column(String(50))
    follower_count: Mapped[int] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(20), index=True)
    tier: Mapped[str] = mapped_column(String(10), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_influencer_pk_date", "influencer_pk", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # post_id when the file has one, else the url: the natural key.
    post_key: Mapped[str] = mapped_column(String(2000), unique=True)
    post_id: Mapped[str | None] = mapped_column(String(200))
    influencer_pk: Mapped[int] = mapped_column(ForeignKey("influencers.id"))
    platform: Mapped[str] = mapped_column(String(20))
    date: Mapped[date] = mapped_column(Date, index=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    caption: Mapped[str | None] = mapped_column(Text)
    reach: Mapped[int] = mapped_column(BigInteger)
    likes: Mapped[int] = mapped_column(BigInteger)
    comments: Mapped[int] = mapped_column(BigInteger)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
