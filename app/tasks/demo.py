"""Demo tasks for `make run`: each state, assignees, one overdue, in the demo themes."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, WriteAccess, read_access_for
from app.posts.rendering import render_markdown
from app.tasks.models import Task, TaskState
from app.tasks.services import today

# theme slug, part, title, description, state, due in days (None: no date), assignees
TASKS = [
    ("zorgregio-noord", Part.PUBLIC, "Lijst logeeradressen bijwerken",
     "Controleer of de adressen en telefoonnummers nog kloppen.", TaskState.IN_PROGRESS, 5,
     ["lid.zorg"]),
    ("zorgregio-noord", Part.PUBLIC, "Zaal regelen voor de bijeenkomst", "", TaskState.NEW, -2,
     ["beheerder.zorg"]),
    ("zorgregio-noord", Part.PUBLIC, "Uitnodiging versturen", "", TaskState.DONE, -10,
     ["eigenaar.zorg"]),
    ("ouderenzorg", Part.CLOSED, "Cijfers eerste kwartaal verzamelen", "", TaskState.NEW, 14,
     ["beheerder.zorg", "lid.zorg"]),
    ("gemeente-rivierstad", Part.CLOSED, "Begroting sociaal domein aanleveren",
     "Voor 1 december bij de griffie.", TaskState.IN_PROGRESS, 8, ["lid.gemeente"]),
    ("klimaatplan", Part.PUBLIC, "Reacties op het voorstel ordenen", "", TaskState.NEW, None,
     ["beheerder.gemeente"]),
    ("vereniging-buurtwerk", Part.PUBLIC, "Barbecue: boodschappenlijst", "", TaskState.NEW, 20,
     ["eigenaar.buurt"]),
]


def load_demo(themes, now) -> None:
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    day = today()
    for i, (slug, part, title, body, state, due, assignees) in enumerate(TASKS):
        created = now - timedelta(days=3, hours=i)
        item = Item(kind=ItemKind.TASK, theme_id=themes[slug].id, title=title, body=body,
                    body_html=render_markdown(body) if body else "", author=users[assignees[0]],
                    part=part, state=ItemState.PUBLISHED, read_access=read_access_for(part, False),
                    write_access=WriteAccess.MEMBERS, created_at=created, published_at=created,
                    last_activity_at=created)
        db.session.add(item)
        db.session.flush()
        row = Task(item_id=item.id, state=state,
                   due_date=day + timedelta(days=due) if due is not None else None)
        row.assignees = [users[a] for a in assignees]
        db.session.add(row)
    db.session.flush()
