"""What the overview page of a theme shows for each kind (through the one visibility policy)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.permissions import viewer_for, visible_items_clause, visible_comments_clause


@dataclass
class RecentDiscussions:
    posts: list  # the theme's newest discussions
    replies: list  # the latest replies in them


def recent_discussions(theme, limit: int) -> RecentDiscussions:
    """The theme's newest published discussions the viewer may see, and the latest published
    replies in any of its discussions the viewer may see: two queries whatever the numbers."""
    from app.items.kinds import ItemKind
    from app.items.models import Item, ItemState, Comment

    from app.items.kinds import ItemKind

    viewer = viewer_for()
    visible = (Item.theme_id == theme.id, Item.state == ItemState.PUBLISHED,
               Item.kind == ItemKind.DISCUSSION,
               visible_items_clause(viewer, in_theme=theme))
    posts = db.session.scalars(
        select(Item).where(*visible)
        .options(joinedload(Item.author), joinedload(Item.organisation))
        .order_by(Item.published_at.desc(), Item.id.desc())
        .limit(limit)).all()
    replies = db.session.scalars(
        select(Comment).join(Item, Comment.item_id == Item.id)
        .where(*visible, Comment.state == ItemState.PUBLISHED, visible_comments_clause(viewer))
        .options(joinedload(Comment.author), joinedload(Comment.item))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)).all()
    return RecentDiscussions(posts=list(posts), replies=list(replies))


def recent_files(theme, limit: int) -> list:
    """The theme's newest published files the viewer may see (one query)."""
    from app.items.kinds import ItemKind
    from app.items.models import Item, ItemState

    return list(db.session.scalars(
        select(Item).where(Item.theme_id == theme.id, Item.kind == ItemKind.FILE,
                           Item.state == ItemState.PUBLISHED, visible_items_clause(viewer_for(), in_theme=theme))
        .options(joinedload(Item.author))
        .order_by(Item.last_activity_at.desc(), Item.id.desc()).limit(limit)))


def upcoming_events(theme, limit: int):
    """The theme's next events the viewer may see, with their answer counts."""
    from app.events.services import upcoming

    return upcoming(theme, limit)
def recent_wiki_pages(theme, limit: int):
    """The theme's most recently changed wiki pages the viewer may see."""
    from app.wiki.services import recent_pages

    return recent_pages(theme, limit)


def recent_tasks(theme, limit: int):
    """The theme's open tasks the viewer may see, the first due first."""
    from app.tasks.services import open_tasks

    return open_tasks(theme, limit)
