"""Events for `flask seed`: bulk inserts, spread over the seeded themes, about a year back and
half a year ahead, with answers."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from app.events.models import Answer, Event, EventResponse
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, read_access_for
from app.themes.models import WorkgroupType

PLACES = ("Gemeentehuis, raadzaal", "Buurthuis De Brug", "Bibliotheek, zaal 2", "Stadhuis 2.14",
          None)
ANSWERS = (Answer.ATTENDING, Answer.ATTENDING, Answer.MAYBE, Answer.DECLINED)


def seed_events(rng: random.Random, now: datetime, themes, people_of, count: int,
                sentence) -> int:
    """Insert `count` published events; `people_of(theme)` gives the user ids that may answer
    there. Returns how many were made."""
    first = (db.session.scalar(select(func.max(Item.id))) or 0) + 1
    items, events, answers = [], [], []
    hour = now.replace(minute=0, second=0, microsecond=0)
    for n in range(count):
        item_id = first + n
        theme = themes[rng.randrange(len(themes))]
        people = people_of(theme)
        part = (Part.CLOSED if theme.workgroup_type == WorkgroupType.CLOSED
                else Part.PUBLIC if theme.workgroup_type == WorkgroupType.HALF_OPEN
                else rng.choice([Part.PUBLIC, Part.CLOSED]))
        starts = hour + timedelta(hours=rng.randrange(-24 * 365, 24 * 180))
        created = min(now, starts) - timedelta(days=rng.randrange(1, 60))
        body = sentence(rng, rng.randint(15, 40)) + "."
        items.append(dict(id=item_id, kind=ItemKind.EVENT.value, theme_id=theme.id,
                          author_id=rng.choice(people), title="Overleg " + sentence(rng, 3),
                          body=body, body_html=f"<p>{body}</p>\n", part=part.value,
                          state=ItemState.PUBLISHED.value,
                          read_access=read_access_for(part, False).value,
                          created_at=created, published_at=created, last_activity_at=created,
                          comment_count=0, star_count=0))
        events.append(dict(item_id=item_id, starts_at=starts,
                           ends_at=starts + timedelta(hours=rng.choice([1, 2, 3])),
                           all_day=False, location=rng.choice(PLACES), online_url=None,
                           max_attendees=None, cancelled_at=None,
                           reminded_at=starts if starts <= now else None))
        for uid in rng.sample(people, min(len(people), int(rng.expovariate(0.15)))):
            answers.append(dict(item_id=item_id, user_id=uid, answer=rng.choice(ANSWERS).value,
                                waitlisted=False, answered_at=created))
    for table, rows in ((Item.__table__, items), (Event.__table__, events),
                        (EventResponse.__table__, answers)):
        if rows:
            db.session.execute(insert(table), rows)
    return count
