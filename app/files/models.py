"""Folders and files: what only they have, next to their item row.

A folder or file lies in a folder (`parent_id` / `folder_id`) or at the theme's top level
(NULL). Its access (the item's part, read access, chosen readers, write access, chosen
writers) is stored on its own item row: when it `inherits_access`, that is a copy of its
folder's (or, at the top level, the theme's default), written when it is created or moved and
again whenever the folder's access changes (app.files.services.propagate_access, in the same
transaction). So app.permissions.visible_items_clause alone decides who sees what.

A deleted folder or file stays in the bin (item state DELETED) with when and by whom; what
went with a deleted folder points at it (`deleted_with_id`) and comes back with it.

A file's versions are its uploads under the same name in the same folder, oldest first; the
file row repeats what lists show of the newest one (size, type, stored name, thumbnail), and
holds the text extracted from it for search.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class TextState(str, enum.Enum):
    PENDING = "pending"  # waits for the extraction job
    DONE = "done"  # text stored (possibly empty)
    NONE = "none"  # a type without text to extract (an image, a spreadsheet)
    FAILED = "failed"  # unreadable, too large, or took too long


class Folder(db.Model):
    __tablename__ = "folder"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("folder.item_id", ondelete="CASCADE"), index=True)
    inherits_access: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # the folder whose deletion took this one along (restored with it)
    deleted_with_id: Mapped[int | None] = mapped_column(Integer)

    item: Mapped["Item"] = relationship()  # noqa: F821
    deleted_by: Mapped["User | None"] = relationship()  # noqa: F821


class File(db.Model):
    __tablename__ = "file"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(
        ForeignKey("folder.item_id", ondelete="CASCADE"))
    inherits_access: Mapped[bool] = mapped_column(Boolean, default=True)
    name_key: Mapped[str] = mapped_column(String(200))  # lower-case name: "the same name"
    stored_name: Mapped[str] = mapped_column(String(64))  # the newest version's
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    version_count: Mapped[int] = mapped_column(default=1)
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Text)
    text_state: Mapped[TextState] = mapped_column(str_enum(TextState, "file_text_state"),
                                                  default=TextState.PENDING)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    deleted_with_id: Mapped[int | None] = mapped_column(Integer)

    item: Mapped["Item"] = relationship()  # noqa: F821
    deleted_by: Mapped["User | None"] = relationship()  # noqa: F821
    versions: Mapped[list["FileVersion"]] = relationship(
        back_populates="file", order_by="FileVersion.number.desc()",
        cascade="all, delete-orphan")

    __table_args__ = (Index("ix_file_folder_name", "folder_id", "name_key"),
                      Index("ix_file_text_state", "text_state"))

    @property
    def extension(self) -> str:
        return self.item.title.rsplit(".", 1)[-1].lower() if "." in self.item.title else ""


class FileVersion(db.Model):
    """One upload of a file."""

    __tablename__ = "file_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("file.item_id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))  # the name it was uploaded under
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    file: Mapped[File] = relationship(back_populates="versions")
    uploader: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (Index("ix_file_version_file", "file_id", "number", unique=True),)


class ThemeStorage(db.Model):
    """A theme's file quota (set by the platform owner; NULL: BOARD_THEME_QUOTA_MB) and the
    bytes its files take (every version, the bin included until it is purged), kept in step
    in the transaction that stores or purges them."""

    __tablename__ = "theme_storage"

    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                          primary_key=True)
    quota_mb: Mapped[int | None] = mapped_column(Integer)
    bytes_used: Mapped[int] = mapped_column(BigInteger, default=0)
