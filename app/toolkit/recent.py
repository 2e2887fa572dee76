"""What the theme's overview page shows of questions, blog articles and status updates (for
the viewer, through the one visibility policy)."""
from __future__ import annotations

from sqlalchemy.orm import selectinload

from app.items.kinds import ItemKind


def recent_questions(theme, limit: int) -> list:
    from app.toolkit.models import Question
    from app.toolkit.services import recent
    return recent(theme, ItemKind.QUESTION, Question, limit)


def recent_articles(theme, limit: int) -> list:
    from app.toolkit.models import BlogArticle
    from app.toolkit.services import recent
    return recent(theme, ItemKind.BLOG, BlogArticle, limit)


def recent_updates(theme, limit: int) -> list:
    from app.items.models import Item
    from app.toolkit.models import StatusUpdate
    from app.toolkit.services import recent
    return recent(theme, ItemKind.STATUS_UPDATE, StatusUpdate, limit,
                  options=(selectinload(Item.attachments),))
