"""What creators were paid (payouts.csv), keyed by (influencer, basis)."""
from sqlalchemy import BigInteger, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

BASES = ("post", "order")


class Payout(Base):
    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("influencer_pk", "basis"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    influencer_pk: Mapped[int] = mapped_column(ForeignKey("influencers.id"))
    basis: Mapped[str] = mapped_column(String(10))
    rate: Mapped[float] = mapped_column(Float)
    orders: Mapped[int | None] = mapped_column(BigInteger)
    total_payout: Mapped[float] = mapped_column(Float)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
