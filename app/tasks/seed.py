"""`flask seed`: tasks for the generated board (bulk inserts: items, tasks, assignees)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, WriteAccess, read_access_for
from app.tasks.models import Task, TaskState, task_assignee
from app.tasks.services import today


def seed_tasks(themes, root_of, by_root, user_ids, rng: random.Random, now, count: int,
               sentence, bulk) -> int:
    """`count` published tasks in every state, most with a due date and one to three
    assignees (who were told)."""
    first = (db.session.scalar(select(func.max(Item.id))) or 0) + 1
    day = today()
    items, tasks, assignees = [], [], []
    states = list(TaskState)
    for n in range(count):
        item_id = first + n
        theme = themes[rng.randrange(len(themes))]
        people = by_root[root_of[theme.id]] or user_ids
        part = (Part.CLOSED if theme.workgroup_type.value == "closed" else Part.PUBLIC)
        created = now - timedelta(days=rng.randrange(1, 200))
        items.append(dict(id=item_id, kind=ItemKind.TASK.value, theme_id=theme.id,
                          author_id=rng.choice(people), title=sentence(rng, rng.randint(3, 7)),
                          body="", body_html="", part=part.value,
                          state=ItemState.PUBLISHED.value,
                          read_access=read_access_for(part, False).value,
                          write_access=WriteAccess.MEMBERS.value, created_at=created,
                          published_at=created, last_activity_at=created,
                          comment_count=0, star_count=0))
        due = day + timedelta(days=rng.randint(-20, 60)) if rng.random() < 0.8 else None
        tasks.append(dict(item_id=item_id, state=rng.choice(states).value, due_date=due))
        assignees += [dict(item_id=item_id, user_id=uid, notified=True)
                      for uid in rng.sample(people, min(len(people), rng.randint(1, 3)))]
    bulk(Item.__table__, items)
    bulk(Task.__table__, tasks)
    bulk(task_assignee, assignees)
    return count
