"""Bookmarks ("bewaren"): one row per person and item. The saved list shows only what the
person may still see: the visibility policy is in the same SELECT, so an item that became
invisible (left the theme, restricted, deleted, its kind switched off) simply drops out."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.extensions import db
from app.items.models import Item
from app.people.models import Bookmark
from app.permissions import forget_mark, viewer_for, visible_items_clause
from app.transactions import insert_once


def is_saved(user, item) -> bool:
    """Has this person saved the item? (remembered for the request)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.id != getattr(current_user, "id", None):  # the request's cache is the viewer's
        return db.session.get(Bookmark, (user.id, item.id)) is not None
    cache = g.setdefault("_saved", {}) if has_request_context() else {}
    if item.id not in cache:
        cache[item.id] = db.session.get(Bookmark, (user.id, item.id)) is not None
    return cache[item.id]


def set_saved(user, item, saved: bool) -> bool:
    """Save or unsave (twice is the same as once); returns the new state."""
    if saved:
        insert_once(Bookmark(user_id=user.id, item_id=item.id))
    else:
        db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id,
                                                  Bookmark.item_id == item.id))
    forget_mark("_saved")
    return saved


@dataclass
class SavedPage:
    bookmarks: list[Bookmark]
    page: int
    pages: int
    total: int


def saved_page(user, page: int, per_page: int) -> SavedPage:
    """One page of what the person saved and may still see, newest saved first (two
    queries: the count and the page)."""
    viewer = viewer_for(user)
    base = (select(Bookmark).join(Item, Item.id == Bookmark.item_id)
            .where(Bookmark.user_id == user.id, visible_items_clause(viewer)))
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        base.options(contains_eager(Bookmark.item).joinedload(Item.theme))
        .order_by(Bookmark.created_at.desc(), Bookmark.item_id.desc())
        .limit(per_page).offset((page - 1) * per_page)).unique().all()
    return SavedPage(bookmarks=list(rows), page=page, pages=pages, total=total)
