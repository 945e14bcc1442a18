"""Import batches, the data version that cache keys carry, and the audit log."""
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(150))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    dataset: Mapped[str] = mapped_column(String(20))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # committed | failed
    status: Mapped[str] = mapped_column(String(20))
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # Where the uploaded file is kept (instance/uploads/<sha256>.csv): nothing is lost.
    stored_path: Mapped[str | None] = mapped_column(String(1000))


def new_database_id() -> str:
    return uuid.uuid4().hex


class DataState(Base):
    """A single row whose version every import bumps; cache keys carry it."""

    __tablename__ = "data_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Random, written once: cache keys carry it, so two databases with the same version
    # never share cached results in one cache folder or Redis.
    database_id: Mapped[str | None] = mapped_column(String(32), default=new_database_id)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(150))
    # login, login_failed, logout, user_created, role_changed, import, ...
    action: Mapped[str] = mapped_column(String(50), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
