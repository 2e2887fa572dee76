"""`flask seed`: wiki pages for the generated board (bulk inserts: items, pages in small
trees, a few revisions each)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, WriteAccess, read_access_for
from app.wiki.models import WikiPage, WikiRevision


def seed_pages(themes, root_of, by_root, user_ids, rng: random.Random, now, count: int,
               sentence, bulk) -> int:
    """`count` published pages spread over `themes`, up to three levels deep per theme."""
    first = (db.session.scalar(select(func.max(Item.id))) or 0) + 1
    items, pages, revisions = [], [], []
    in_theme: dict[int, list[int]] = {}
    for n in range(count):
        item_id = first + n
        theme = themes[rng.randrange(len(themes))]
        people = by_root[root_of[theme.id]] or user_ids
        part = (Part.CLOSED if theme.workgroup_type.value == "closed" else Part.PUBLIC)
        created = now - timedelta(days=rng.randrange(1, 700))
        title = sentence(rng, rng.randint(2, 5))
        versions = [sentence(rng, rng.randint(30, 90)) + "." for _ in range(rng.randint(1, 4))]
        siblings = in_theme.setdefault(theme.id, [])
        parent = rng.choice(siblings) if siblings and rng.random() < 0.6 else None
        items.append(dict(id=item_id, kind=ItemKind.WIKI_PAGE.value, theme_id=theme.id,
                          author_id=rng.choice(people), title=title, body=versions[-1],
                          body_html=f"<p>{versions[-1]}</p>\n", part=part.value,
                          state=ItemState.PUBLISHED.value,
                          read_access=read_access_for(part, False).value,
                          write_access=WriteAccess.MEMBERS.value, created_at=created,
                          published_at=created, last_activity_at=created,
                          updated_at=created + timedelta(days=len(versions) - 1),
                          comment_count=0, star_count=0))
        pages.append(dict(item_id=item_id, parent_id=parent, revision=len(versions)))
        revisions += [dict(item_id=item_id, number=i + 1, author_id=rng.choice(people),
                           created_at=created + timedelta(days=i), title=title, body=body)
                      for i, body in enumerate(versions)]
        if len(siblings) < 30:
            siblings.append(item_id)
    bulk(Item.__table__, items)
    bulk(WikiPage.__table__, pages)
    bulk(WikiRevision.__table__, revisions)
    return count
