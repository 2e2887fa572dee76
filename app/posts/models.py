"""The board: posts, replies, stars, attachments, filter tags and restricted audiences.

Counters every list shows (stars, replies, last activity) live on the post and are kept in
step in the same transaction as the change that moves them.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, String,
                        Table, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class Part(str, enum.Enum):
    PUBLIC = "public"  # visible to everyone once approved
    CLOSED = "closed"  # visible to the theme's members


class PostStatus(str, enum.Enum):
    PENDING = "pending"  # waits for an admin (public parts)
    PUBLISHED = "published"
    REJECTED = "rejected"  # refused by an admin; the author sees why
    HIDDEN = "hidden"  # taken down after a report; author and admins still see it
    DELETED = "deleted"  # removed; nobody sees it




post_filter_value = Table(
    "post_filter_value", db.metadata,
    Column("post_id", Integer, ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("filter_value_id", Integer, ForeignKey("filter_value.id", ondelete="CASCADE"),
           primary_key=True),
    Index("ix_post_filter_value_value", "filter_value_id", "post_id"),
)

post_audience = Table(
    "post_audience", db.metadata,
    Column("post_id", Integer, ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_post_audience_user", "user_id", "post_id"),
)


class Post(db.Model):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown as written
    body_html: Mapped[str] = mapped_column(Text)  # sanitised HTML, made at write time
    part: Mapped[Part] = mapped_column(str_enum(Part, "post_part"))
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus, "post_status"))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    moderation_note: Mapped[str | None] = mapped_column(Text)  # why it was rejected/hidden
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    star_count: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)  # published replies
    last_reply_at: Mapped[datetime | None] = mapped_column(DateTime)
    # published_at, or the last published reply's time: the "recent replies" order
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime)

    theme: Mapped["Theme"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    category: Mapped["Category | None"] = relationship()  # noqa: F821
    filter_values: Mapped[list["FilterValue"]] = relationship(  # noqa: F821
        secondary=post_filter_value, order_by="FilterValue.id")
    audience: Mapped[list["User"]] = relationship(secondary=post_audience)  # noqa: F821
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Attachment.id")

    # One index per board order: theme, status, then the sort key (and id to break ties).
    __table_args__ = (
        Index("ix_post_board_recent", "theme_id", "status", "published_at", "id"),
        Index("ix_post_board_replies", "theme_id", "status", "reply_count", "id"),
        Index("ix_post_board_activity", "theme_id", "status", "last_activity_at", "id"),
        Index("ix_post_board_stars", "theme_id", "status", "star_count", "id"),
        Index("ix_post_status_created", "status", "created_at"),
    )

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED


class Reply(db.Model):
    __tablename__ = "reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus, "reply_status"))
    moderation_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    post: Mapped[Post] = relationship()
    author: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (Index("ix_reply_post_created", "post_id", "created_at", "id"),
                      # the moderation queue: waiting replies, oldest first
                      Index("ix_reply_status_created", "status", "created_at"))


class Star(db.Model):
    __tablename__ = "star"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_star_post", "post_id"),)


class Attachment(db.Model):
    """A file of a post, stored outside the web root under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))  # safe name shown and downloaded
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    is_image: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    post: Mapped[Post] = relationship(back_populates="attachments")

