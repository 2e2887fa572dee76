"""What only questions, blog articles and status updates have, each in a table keyed by its
item (the item's row holds title, text, theme, author, state, access and counters)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Question(db.Model):
    """A question (item of kind question); its comments are the answers."""

    __tablename__ = "question"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    # the answer the asker (or an admin) marked as the best; none: the question is open
    best_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL"), index=True)
    best_marked_at: Mapped[datetime | None] = mapped_column(DateTime)


class CommentStar(db.Model):
    """One person's star on one comment (an answer); comment.star_count counts them."""

    __tablename__ = "comment_star"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                            primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_comment_star_comment", "comment_id"),)


class BlogArticle(db.Model):
    """A blog article (item of kind blog): its intro for the overview and its cover."""

    __tablename__ = "blog_article"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    intro: Mapped[str] = mapped_column(String(300))
    cover_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="SET NULL"))

    cover: Mapped["Attachment | None"] = relationship()  # noqa: F821


class StatusUpdate(db.Model):
    """A status update (item of kind status_update): its message is the item's text; here
    the image, the video link and the link it may carry (a file is an item attachment)."""

    __tablename__ = "status_update"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))
    video_url: Mapped[str | None] = mapped_column(String(500))
    link_url: Mapped[str | None] = mapped_column(String(500))
    # the linked page's title and description (app/toolkit/linkpreview.py, by the scheduler);
    # link_checked_at stays empty until the scheduler has looked
    link_title: Mapped[str | None] = mapped_column(String(200))
    link_description: Mapped[str | None] = mapped_column(String(300))
    link_checked_at: Mapped[datetime | None] = mapped_column(DateTime)

    image: Mapped["Attachment | None"] = relationship()  # noqa: F821
