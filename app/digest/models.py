"""Digest runs: one row per theme and period (a unique key), one delivery row per recipient,
so that two schedulers, a restart or a retry never send a period twice and a failed run
resumes with only the recipients not yet served."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class DigestRun(db.Model):
    __tablename__ = "digest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # "theme:12:2026-W47", "admins:2026-11-22"
    kind: Mapped[str] = mapped_column(String(20))  # "theme" or "admins"
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                                 index=True)
    period_start: Mapped[datetime] = mapped_column(DateTime)
    period_end: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft, sending, sent
    intro: Mapped[str] = mapped_column(Text, default="")
    item_ids: Mapped[list] = mapped_column(JSON, default=list)  # chosen items, in order
    edited: Mapped[bool] = mapped_column(default=False)  # an admin chose the items by hand
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    theme: Mapped["Theme | None"] = relationship()  # noqa: F821


class DigestDelivery(db.Model):
    """A recipient served by a run (mail queued, or nothing visible to send them)."""

    __tablename__ = "digest_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_run.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("run_id", "user_id", name="uq_digest_delivery_run_user"),)


class ThreadMute(db.Model):
    """"Stop mails about new comments" on one item."""

    __tablename__ = "thread_mute"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
