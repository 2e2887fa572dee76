"""Demo wiki pages for `make run`: a small tree with a few revisions in the demo themes."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, WriteAccess, read_access_for
from app.posts.rendering import render_markdown
from app.wiki.models import WikiPage, WikiRevision

# theme slug, part, title, parent title, [(author, body) per revision]
PAGES = [
    ("zorgregio-noord", Part.PUBLIC, "Handboek mantelzorgondersteuning", None,
     [("beheerder.zorg", "Alles wat de regio biedt aan mantelzorgers.\n\n- respijtzorg\n- vervoer"),
      ("eigenaar.zorg", "Alles wat de regio biedt aan mantelzorgers.\n\n- respijtzorg\n- vervoer\n"
                        "- lotgenotencontact")]),
    ("zorgregio-noord", Part.PUBLIC, "Respijtzorg", "Handboek mantelzorgondersteuning",
     [("lid.zorg", "Logeeropvang, dagopvang en vrijwillige inzet thuis.")]),
    ("ouderenzorg", Part.CLOSED, "Afspraken capaciteit", None,
     [("beheerder.zorg", "Elke aanbieder meldt op maandag de vrije bedden.")]),
    ("gemeente-rivierstad", Part.CLOSED, "Werkwijze werkgroepen", None,
     [("eigenaar.gemeente", "# Werkwijze\n\nWe werken met een vaste agenda."),
      ("beheerder.gemeente", "# Werkwijze\n\nWe werken met een vaste agenda en actielijst.")]),
    ("klimaatplan", Part.PUBLIC, "Klimaatplan in het kort", None,
     [("eigenaar.gemeente", "Het klimaatplan 2030 in vijf stappen.")]),
    ("vereniging-buurtwerk", Part.PUBLIC, "Vrijwilligersgids", None,
     [("eigenaar.buurt", "Welkom als vrijwilliger! Hier vind je de afspraken.")]),
]


def load_demo(themes, now) -> None:
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    made: dict[str, Item] = {}
    for slug, part, title, parent, revisions in PAGES:
        created = now - timedelta(days=len(revisions) + 2)
        first_author, _first = revisions[0]
        last_author, body = revisions[-1]
        item = Item(kind=ItemKind.WIKI_PAGE, theme_id=themes[slug].id, title=title, body=body,
                    body_html=render_markdown(body), author=users[first_author], part=part,
                    state=ItemState.PUBLISHED, read_access=read_access_for(part, False),
                    write_access=WriteAccess.MEMBERS, created_at=created,
                    published_at=created, last_activity_at=created,
                    updated_at=now - timedelta(days=1) if len(revisions) > 1 else None)
        db.session.add(item)
        db.session.flush()
        db.session.add(WikiPage(item_id=item.id, revision=len(revisions),
                                parent_id=made[parent].id if parent else None))
        for number, (author, text) in enumerate(revisions, start=1):
            db.session.add(WikiRevision(item_id=item.id, number=number, author=users[author],
                                        created_at=created + timedelta(days=number - 1),
                                        title=title, body=text))
        made[title] = item
    db.session.flush()
