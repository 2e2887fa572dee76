"""Demo events for `make run`: upcoming and past ones in the demo themes, with answers, a
waiting list and a cancelled one."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.events.models import Answer, Event, EventResponse
from app.events.services import local, to_utc
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState, Part, read_access_for
from app.posts.rendering import render_markdown

# theme slug, author, title, days from today, local start, hours, place, link, max, part,
# answers (user, answer), cancelled
EVENTS = [
    ("zorgregio-noord", "beheerder.zorg", "Regionale bijeenkomst mantelzorg", 12, (19, 30), 2,
     "Gemeentehuis Noorderveld, raadzaal", None, None, Part.PUBLIC,
     [("lid.zorg", Answer.ATTENDING), ("eigenaar.zorg", Answer.MAYBE)], False),
    ("zorgregio-noord", "eigenaar.zorg", "Webinar respijtzorg", 5, (12, 0), 1, None,
     "https://meet.example.org/respijtzorg", 2, Part.PUBLIC,
     [("lid.zorg", Answer.ATTENDING), ("beheerder.zorg", Answer.ATTENDING),
      ("platform", Answer.ATTENDING)], False),
    ("zorgregio-noord", "beheerder.zorg", "Kennismaking nieuwe wijkverpleging", -20, (10, 0), 2,
     "Thuiszorg Noord, Stationsweg 4", None, None, Part.PUBLIC,
     [("lid.zorg", Answer.ATTENDING)], False),
    ("ouderenzorg", "beheerder.zorg", "Overleg capaciteit verpleeghuizen", 3, (9, 30), 2,
     "Vergaderzaal De Linde", None, None, Part.CLOSED,
     [("eigenaar.zorg", Answer.ATTENDING), ("lid.zorg", Answer.DECLINED)], False),
    ("gemeente-rivierstad", "beheerder.gemeente", "Begrotingsoverleg sociaal domein", 8, (14, 0),
     3, "Stadhuis, kamer 2.14", None, None, Part.CLOSED,
     [("lid.gemeente", Answer.ATTENDING)], False),
    ("klimaatplan", "eigenaar.gemeente", "Inloopavond klimaatplan", 15, (19, 0), 2,
     "Bibliotheek Rivierstad", None, 40, Part.PUBLIC, [("lid.gemeente", Answer.MAYBE)], False),
    ("klimaatplan", "lid.gemeente", "Werksessie warmtenet", 6, (13, 0), 2, None,
     "https://meet.example.org/warmtenet", None, Part.CLOSED, [], True),
    ("vereniging-buurtwerk", "eigenaar.buurt", "Buurtbarbecue", 30, None, 1, "Speeltuin Oost",
     None, None, Part.PUBLIC, [], False),
    ("vereniging-buurtwerk", "eigenaar.buurt", "Vrijwilligersavond", -10, (19, 30), 3,
     "Buurthuis De Brug", None, None, Part.PUBLIC, [], False),
]


def load_demo(themes, now: datetime) -> None:
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    today = local(now).date()
    for (slug, author, title, days, at, hours, place, link, limit, part, answers,
         cancelled) in EVENTS:
        day = today + timedelta(days=days)
        if at is None:
            starts, ends = to_utc(day), to_utc(day + timedelta(days=hours))
        else:
            starts = to_utc(day, time(*at))
            ends = starts + timedelta(hours=hours)
        created = min(now, starts) - timedelta(days=7)
        body = (f"Iedereen uit de werkgroep is welkom bij **{title.lower()}**.\n\n"
                "- aanmelden via deze pagina\n- vragen kunnen als reactie")
        item = Item(kind=ItemKind.EVENT, theme_id=themes[slug].id, author=users[author],
                    title=title, body=body, body_html=render_markdown(body), part=part,
                    state=ItemState.PUBLISHED, read_access=read_access_for(part, False),
                    created_at=created, published_at=created, last_activity_at=created)
        db.session.add(item)
        db.session.flush()
        db.session.add(Event(item_id=item.id, starts_at=starts, ends_at=ends,
                             all_day=at is None, location=place, online_url=link,
                             max_attendees=limit,
                             cancelled_at=now if cancelled else None,
                             reminded_at=now if starts <= now else None))
        db.session.flush()
        attending = 0
        for i, (who, answer) in enumerate(answers):
            waits = answer == Answer.ATTENDING and limit is not None and attending >= limit
            attending += answer == Answer.ATTENDING and not waits
            db.session.add(EventResponse(item_id=item.id, user_id=users[who].id, answer=answer,
                                         waitlisted=waits,
                                         answered_at=created + timedelta(hours=i + 1)))
    db.session.flush()
