"""What the overview page of a theme shows for each kind (through the one visibility policy)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.permissions import viewer_for, visible_posts_clause, visible_replies_clause


@dataclass
class RecentDiscussions:
    posts: list  # the theme's newest discussions
    replies: list  # the latest replies in them


def recent_discussions(theme, limit: int) -> RecentDiscussions:
    """The theme's newest published discussions the viewer may see, and the latest published
    replies in any of its discussions the viewer may see: two queries whatever the numbers."""
    from app.posts.models import Post, PostStatus, Reply

    viewer = viewer_for()
    visible = (Post.theme_id == theme.id, Post.status == PostStatus.PUBLISHED,
               visible_posts_clause(viewer))
    posts = db.session.scalars(
        select(Post).where(*visible)
        .options(joinedload(Post.author), joinedload(Post.organisation))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)).all()
    replies = db.session.scalars(
        select(Reply).join(Post, Reply.post_id == Post.id)
        .where(*visible, Reply.status == PostStatus.PUBLISHED, visible_replies_clause(viewer))
        .options(joinedload(Reply.author), joinedload(Reply.post))
        .order_by(Reply.created_at.desc(), Reply.id.desc())
        .limit(limit)).all()
    return RecentDiscussions(posts=list(posts), replies=list(replies))
