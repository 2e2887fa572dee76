"""Items (every kind of group content), their comments, stars, attachments, filter tags,
chosen readers and chosen writers.

Counters every list shows (stars, comments, last activity) live on the item and are kept in
step in the same transaction as the change that moves them.

Who may read an item is its `read_access`: everyone (public), the theme's members (members),
or the chosen readers (chosen; the author and the theme's admins always). `part` is where in
the theme the item was placed (the public or the closed part): it decides moderation (posts
in a public part wait for approval) and keeps, for an item with chosen readers, which part it
belongs to. Who may write it is `write_access`: the author, the members, the chosen writers,
or the admins only (the theme's admins always may).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.items.kinds import ItemKind
from app.timeutil import utcnow

class Part(str, enum.Enum):
    PUBLIC = "public"  # the theme's public part: items there wait for approval
    CLOSED = "closed"  # the theme's closed part, for its members


class ItemState(str, enum.Enum):
    DRAFT = "draft"  # being written; only the author (and admins) see it, like pending
    PENDING = "pending"  # waits for an admin (public parts)
    PUBLISHED = "published"
    REJECTED = "rejected"  # refused by an admin; the author sees why
    HIDDEN = "hidden"  # taken down after a report; author and admins still see it
    DELETED = "deleted"  # removed; nobody sees it


class ReadAccess(str, enum.Enum):
    PUBLIC = "public"  # everyone, once published
    MEMBERS = "members"  # the members of the theme (or of an ancestor)
    CHOSEN = "chosen"  # the chosen readers (item_reader)


class WriteAccess(str, enum.Enum):
    AUTHOR = "author"  # the author (and the theme's admins)
    MEMBERS = "members"  # every member of the theme
    CHOSEN = "chosen"  # the chosen writers (item_writer)
    ADMINS = "admins"  # the theme's admins only


def read_access_for(part: Part, chosen: bool) -> ReadAccess:
    """The read access of an item placed in `part`, with or without chosen readers."""
    if chosen:
        return ReadAccess.CHOSEN
    return ReadAccess.PUBLIC if part == Part.PUBLIC else ReadAccess.MEMBERS


item_filter_value = Table(
    "item_filter_value", db.metadata,
    Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("filter_value_id", Integer, ForeignKey("filter_value.id", ondelete="CASCADE"),
           primary_key=True),
    Index("ix_item_filter_value_value", "filter_value_id", "item_id"),
)

item_reader = Table(
    "item_reader", db.metadata,
    Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_item_reader_user", "user_id", "item_id"),
)

item_writer = Table(
    "item_writer", db.metadata,
    Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_item_writer_user", "user_id", "item_id"),
)


class Item(db.Model):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "item_kind"),
                                           default=ItemKind.DISCUSSION)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown as written
    body_html: Mapped[str] = mapped_column(Text)  # sanitised HTML, made at write time
    part: Mapped[Part] = mapped_column(str_enum(Part, "item_part"))
    state: Mapped[ItemState] = mapped_column(str_enum(ItemState, "item_state"))
    read_access: Mapped[ReadAccess] = mapped_column(str_enum(ReadAccess, "item_read_access"))
    write_access: Mapped[WriteAccess] = mapped_column(str_enum(WriteAccess, "item_write_access"),
                                                      default=WriteAccess.AUTHOR)
    moderation_note: Mapped[str | None] = mapped_column(Text)  # why it was rejected/hidden
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    star_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)  # published comments
    last_comment_at: Mapped[datetime | None] = mapped_column(DateTime)
    # published_at, or the last published comment's time: the "recent comments" order
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime)

    theme: Mapped["Theme"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    category: Mapped["Category | None"] = relationship()  # noqa: F821
    filter_values: Mapped[list["FilterValue"]] = relationship(  # noqa: F821
        secondary=item_filter_value, order_by="FilterValue.id")
    readers: Mapped[list["User"]] = relationship(secondary=item_reader)  # noqa: F821
    writers: Mapped[list["User"]] = relationship(secondary=item_writer)  # noqa: F821
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Attachment.id")

    # One index per board order: theme, state, then the sort key (and id to break ties).
    __table_args__ = (
        Index("ix_item_board_recent", "theme_id", "state", "published_at", "id"),
        Index("ix_item_board_comments", "theme_id", "state", "comment_count", "id"),
        Index("ix_item_board_activity", "theme_id", "state", "last_activity_at", "id"),
        Index("ix_item_board_stars", "theme_id", "state", "star_count", "id"),
        Index("ix_item_state_created", "state", "created_at"),
    )

    @property
    def is_published(self) -> bool:
        return self.state == ItemState.PUBLISHED

    @hybrid_property
    def restricted(self):
        """Read by the chosen readers only."""
        return self.read_access == ReadAccess.CHOSEN


class Comment(db.Model):
    """A comment on an item (of any kind)."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[ItemState] = mapped_column(str_enum(ItemState, "comment_state"))
    moderation_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # stars given to this comment (comment_star), kept in step in the same transaction
    star_count: Mapped[int] = mapped_column(default=0, server_default="0")

    item: Mapped[Item] = relationship()
    author: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (Index("ix_comment_item_created", "item_id", "created_at", "id"),
                      # the moderation queue: waiting comments, oldest first
                      Index("ix_comment_state_created", "state", "created_at"))


class Star(db.Model):
    __tablename__ = "star"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_star_item", "item_id"),)


class Attachment(db.Model):
    """A file of an item, stored outside the web root under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))  # safe name shown and downloaded
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    is_image: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="attachments")



class ItemTally(db.Model):
    """How many published items a theme holds, per kind, read access and category (0: none).

    Database triggers (migration 0019_tallies) keep these rows in step with `item`, in the same
    transaction as every write to it, whatever writes it (the ORM, a bulk UPDATE, a cascade), so
    a board reads its totals and category counts instead of counting its posts."""

    __tablename__ = "item_tally"

    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    read_access: Mapped[str] = mapped_column(String(20), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ItemValueTally(db.Model):
    """The same per filter value: published items of a theme per kind, read access, category
    (0: none) and filter value, kept by the same triggers (and those on item_filter_value)."""

    __tablename__ = "item_value_tally"

    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    read_access: Mapped[str] = mapped_column(String(20), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    filter_value_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)
