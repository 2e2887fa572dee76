"""Reports ("melden") and the audit log of every moderation decision."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow




class ReportReason(str, enum.Enum):
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    OFFENSIVE = "offensive"
    PRIVACY = "privacy"
    OTHER = "other"


class Resolution(str, enum.Enum):
    HIDDEN = "hidden"
    DELETED = "deleted"
    DISMISSED = "dismissed"


class Report(db.Model):
    """One person's report of one item or comment. Reports of the same target form one queue entry."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    # "item:<id>" or "comment:<id>": one key for both (unique per reporter, NULL-free).
    target: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason, "report_reason"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[Resolution | None] = mapped_column(str_enum(Resolution, "report_resolution"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    reporter: Mapped["User | None"] = relationship(foreign_keys=[reporter_id])  # noqa: F821
    item: Mapped["Item"] = relationship()  # noqa: F821
    comment: Mapped["Comment | None"] = relationship()  # noqa: F821

    __table_args__ = (
        UniqueConstraint("reporter_id", "target", name="uq_report_reporter_target"),
        Index("ix_report_queue", "theme_id", "resolved_at", "created_at"),
        Index("ix_report_target", "target", "resolved_at"),
    )


class Action(str, enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"
    EDIT_APPROVE = "edit_approve"
    HIDE = "hide"
    DELETE = "delete"
    DISMISS = "dismiss"
    ACCEPT_MEMBER = "accept_member"
    REJECT_MEMBER = "reject_member"
    REMOVE_MEMBER = "remove_member"
    DELETE_THEME = "delete_theme"
    RESTORE_THEME = "restore_theme"


class ModerationDecision(db.Model):
    """The audit log: who decided what, when and why. Written, never edited from the UI."""

    __tablename__ = "moderation_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(40))  # kept if the account goes
    action: Mapped[Action] = mapped_column(str_enum(Action, "moderation_action"))
    target: Mapped[str] = mapped_column(String(30))  # "item:12", "comment:3", "membership:7"
    summary: Mapped[str] = mapped_column(String(250), default="")  # title or name, as it was
    reason: Mapped[str] = mapped_column(Text, default="")
    before_text: Mapped[str | None] = mapped_column(Text)
    after_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index("ix_moderation_decision_theme", "theme_id", "created_at"),
        Index("ix_moderation_decision_target", "target", "created_at"),
    )
