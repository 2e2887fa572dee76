"""Archive jobs: one row per archive an owner asked for, built by the scheduler."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class ArchiveStatus(str, enum.Enum):
    BUILDING = "building"  # asked for; the scheduler builds it
    READY = "ready"  # in storage, downloadable until expires_at
    FAILED = "failed"
    EXPIRED = "expired"  # its file is gone


class ArchiveJob(db.Model):
    __tablename__ = "archive_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[ArchiveStatus] = mapped_column(str_enum(ArchiveStatus, "archive_status"),
                                                  default=ArchiveStatus.BUILDING)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)  # rows and files; 0 until counted
    stored_name: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)

    theme: Mapped["Theme"] = relationship()  # noqa: F821
    requested_by: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (
        # One archive of a theme is built at a time: a second click finds this one.
        Index("uq_archive_job_building", "theme_id", unique=True,
              sqlite_where=text("status = 'building'"),
              postgresql_where=text("status = 'building'")),
        Index("ix_archive_job_theme_created", "theme_id", "created_at"),
    )
