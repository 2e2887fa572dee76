"""One entry in a person's notification list."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class NoticeKind(str, enum.Enum):
    REPLY = "reply"  # a reply on an item you wrote or replied to
    MENTION = "mention"  # @you in a post or reply
    APPROVED = "approved"  # your post or reply was approved
    REJECTED = "rejected"  # ... was not approved
    HIDDEN = "hidden"  # ... was hidden by an admin
    REMOVED = "removed"  # ... was removed by an admin
    INVITATION = "invitation"  # you were invited to a theme


class Notice(db.Model):
    """What happened, for whom, about which item (and reply); read once the list is seen."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, "notice_kind"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                                index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                                   index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                                 index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                 index=True)
    # an invitation's link (a secret: only its recipient's list shows it)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    item: Mapped["Item | None"] = relationship()  # noqa: F821
    comment: Mapped["Comment | None"] = relationship()  # noqa: F821
    theme: Mapped["Theme | None"] = relationship()  # noqa: F821
    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])  # noqa: F821

    __table_args__ = (
        # the list (newest first) and the unread count, both by user
        Index("ix_notice_user_created", "user_id", "created_at"),
        Index("ix_notice_user_unread", "user_id", "read_at"),
    )
