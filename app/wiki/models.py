"""What only a wiki page has: its place in the theme's tree of pages, and its revisions.

The page's current title and text live on its item (so lists, search and the policy see them);
every saved version is a revision row, numbered from 1. `revision` on the page is the number of
the current one: a save names the revision it started from and is written only if that is
still the current one (a conditional UPDATE), so two people saving at once cannot overwrite
each other.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class WikiPage(db.Model):
    __tablename__ = "wiki_page"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    # the page above this one in the tree (None: a top page of the theme's wiki)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("wiki_page.item_id", ondelete="SET NULL"), index=True)
    revision: Mapped[int] = mapped_column(default=1)  # number of the current revision

    item: Mapped["Item"] = relationship()  # noqa: F821


class WikiRevision(db.Model):
    """One saved version of a page: who saved it, when, its title and text."""

    __tablename__ = "wiki_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    restored_from: Mapped[int | None] = mapped_column()  # the number this one restores

    author: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_wiki_revision_number"),)
