"""Questions, blog articles and status updates for `flask seed`: bulk inserts spread over the
seeded themes, in the part each theme's type allows."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, read_access_for
from app.themes.models import WorkgroupType
from app.toolkit.models import BlogArticle, Question, StatusUpdate

VIDEOS = ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://vimeo.com/76979871", None,
          None, None)


def seed_toolkit(rng: random.Random, now: datetime, themes, people_of, count: int,
                 sentence) -> dict[str, int]:
    """Insert `count` published questions, `count // 2` blog articles and `count` status
    updates; `people_of(theme)` gives the user ids that may write there. Returns the numbers
    made per kind."""
    first = (db.session.scalar(select(func.max(Item.id))) or 0) + 1
    items, questions, articles, updates = [], [], [], []
    plan = ([ItemKind.QUESTION] * count + [ItemKind.BLOG] * (count // 2)
            + [ItemKind.STATUS_UPDATE] * count)
    for n, kind in enumerate(plan):
        item_id = first + n
        theme = themes[rng.randrange(len(themes))]
        part = (Part.CLOSED if theme.workgroup_type == WorkgroupType.CLOSED
                else Part.PUBLIC if theme.workgroup_type == WorkgroupType.HALF_OPEN
                else rng.choice([Part.PUBLIC, Part.CLOSED]))
        created = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 365))
        if kind == ItemKind.STATUS_UPDATE:
            body = sentence(rng, rng.randint(6, 30)) + "."
            title = " ".join(body.split()[:6])
        else:
            body = sentence(rng, rng.randint(20, 80)) + "."
            title = ("Hoe " if kind == ItemKind.QUESTION else "") + sentence(rng, 4)
            title += "?" if kind == ItemKind.QUESTION else ""
        items.append(dict(id=item_id, kind=kind.value, theme_id=theme.id,
                          author_id=rng.choice(people_of(theme)), title=title[:200],
                          body=body, body_html=f"<p>{body}</p>\n", part=part.value,
                          state=ItemState.PUBLISHED.value, write_access="author",
                          read_access=read_access_for(part, False).value,
                          created_at=created, published_at=created, last_activity_at=created,
                          comment_count=0, star_count=0))
        if kind == ItemKind.QUESTION:
            questions.append(dict(item_id=item_id, best_comment_id=None, best_marked_at=None))
        elif kind == ItemKind.BLOG:
            articles.append(dict(item_id=item_id, intro=sentence(rng, 18)[:299] + ".",
                                 cover_id=None))
        else:
            updates.append(dict(item_id=item_id, image_id=None, video_url=rng.choice(VIDEOS),
                                link_url=None, link_title=None, link_description=None,
                                link_checked_at=None))
    for table, rows in ((Item.__table__, items), (Question.__table__, questions),
                        (BlogArticle.__table__, articles), (StatusUpdate.__table__, updates)):
        if rows:
            db.session.execute(insert(table), rows)
    return {"questions": len(questions), "blog articles": len(articles),
            "status updates": len(updates)}
