"""Attributed orders (tracking_data.csv)."""
from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        # Rows without a tracking_id are a multiset keyed by their values: the n-th copy of
        # a row has dup_index n, so re-importing the same rows finds them all present.
        Index("uq_orders_row_hash_dup_index", "row_hash", "dup_index", unique=True),
        # Partial: rows matched by value have no tracking_id and cost this index nothing,
        # so a bulk load of them neither maintains nor rebuilds it.
        Index("uq_orders_tracking_id", "tracking_id", unique=True,
              sqlite_where=text("tracking_id IS NOT NULL"),
              postgresql_where=text("tracking_id IS NOT NULL")),
        # Covering for the rollup rebuild, which groups orders by these keys: SQLite reads
        # them in index order instead of sorting every order again.
        Index("ix_orders_influencer_pk_date", "influencer_pk", "date", "brand_id",
              "campaign_id", "orders", "revenue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str | None] = mapped_column(String(200))
    row_hash: Mapped[int | None] = mapped_column(BigInteger)
    dup_index: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    influencer_pk: Mapped[int] = mapped_column(ForeignKey("influencers.id"))
    user_id: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    date: Mapped[date] = mapped_column(Date)
    orders: Mapped[int] = mapped_column(BigInteger)
    revenue: Mapped[float] = mapped_column(Float)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
