"""The agenda: events in Amsterdam time, answers with a waiting list, calendar files and feeds
(parsed with icalendar), reminders and change mails (read from the real SMTP server), the lists
and who may see what: visitor, non-member, member, restricted-audience outsider, admin."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app import scheduler
from app.events.models import Event, EventResponse
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Comment, Item, ItemState, Part
from app.themes.models import Role, WorkgroupType
from app.timeutil import utcnow
from tests.factories import ItemFactory, ThemeFactory, UserFactory, event_item, member
from tests.helpers import PAGE_QUERY_BUDGET, Client, counted_queries, page_text


def _form(**over) -> dict:
    data = {"title": "Regiobijeenkomst mantelzorg", "body": "Wij praten over **respijtzorg**.",
            "start_date": "2027-07-15", "start_time": "10:00", "end_date": "",
            "end_time": "12:00", "location": "Gemeentehuis Noorderveld", "online_url": "",
            "max_attendees": ""}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _event_of(title) -> Item:
    return db.session.scalar(select(Item).where(Item.title == title, Item.kind == ItemKind.EVENT))


def _ics(resp) -> Calendar:
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(resp.get_data())


def _summaries(cal: Calendar) -> set[str]:
    return {str(v["SUMMARY"]) for v in cal.walk("VEVENT")}


@pytest.fixture
def closed(app):
    """A closed theme with an admin and a member (who both publish at once)."""
    theme = ThemeFactory(name="Ouderenzorg", workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN, username="Bart Beheerder")
    lotte = member(theme, username="Lotte Lid")
    c = Client(app)
    c.login(lotte.email)
    return theme, admin, lotte, c


# ------------------------------------------------------------------------- writing

def test_a_time_in_amsterdam_is_stored_as_the_right_utc_in_summer_and_winter(closed):
    theme, _admin, _lotte, c = closed
    summer = c.post(f"/t/{theme.slug}/events/new", _form(title="Zomeroverleg"))
    assert summer.status_code == 302, page_text(summer)[:800]
    winter = c.post(f"/t/{theme.slug}/events/new",
                    _form(title="Winteroverleg", start_date="2027-01-14", end_time="11:30"))
    assert winter.status_code == 302
    s, w = _event_of("Zomeroverleg").event, _event_of("Winteroverleg").event
    assert s.starts_at == datetime(2027, 7, 15, 8, 0)  # CEST, UTC+2
    assert s.ends_at == datetime(2027, 7, 15, 10, 0)
    assert w.starts_at == datetime(2027, 1, 14, 9, 0)  # CET, UTC+1
    page = page_text(c.get(winter.headers["Location"]))
    assert "10:00" in page and "11:30" in page and "Gemeentehuis Noorderveld" in page
    # ...and the .ics says 10:00 in Europe/Amsterdam, for both.
    for item in (_event_of("Zomeroverleg"), _event_of("Winteroverleg")):
        (vevent,) = _ics(c.get(f"/events/{item.id}/event.ics")).walk("VEVENT")
        start = vevent.decoded("DTSTART")
        assert (start.hour, start.minute) == (10, 0)
        assert vevent["DTSTART"].params["TZID"] == "Europe/Amsterdam"


def test_an_all_day_event_has_dates_only(closed):
    theme, _admin, _lotte, c = closed
    resp = c.post(f"/t/{theme.slug}/events/new",
                  _form(title="Heidag", start_date="2027-03-27", end_date="2027-03-28",
                        start_time="", end_time="", all_day="y"))
    assert resp.status_code == 302, page_text(resp)[:800]
    item = _event_of("Heidag")
    (vevent,) = _ics(c.get(f"/events/{item.id}/event.ics")).walk("VEVENT")
    assert vevent.decoded("DTSTART") == date(2027, 3, 27)
    assert vevent.decoded("DTEND") == date(2027, 3, 29)  # the day after the last day
    assert "Saturday, March 27, 2027 to Sunday, March 28, 2027" in page_text(c.get(f"/events/{item.id}"))


@pytest.mark.parametrize("over, problem", [
    ({"end_time": "09:00"}, "The end comes before the start"),
    ({"start_date": "31-02-2027"}, "Give a date as year-month-day"),
    ({"start_time": "25:99"}, "Give a time as hours:minutes"),
    ({"online_url": "javascript:alert(1)"}, "Give a web address that starts with https://"),
    ({"online_url": "ftp://example.org/x"}, "Give a web address that starts with https://"),
    ({"max_attendees": "0"}, "Give a whole number of 1 or more"),
    ({"max_attendees": "veel"}, "Give a whole number of 1 or more"),
    ({"end_time": ""}, "Give the end time"),
])
def test_bad_input_comes_back_named_with_what_was_typed(closed, over, problem):
    theme, _admin, _lotte, c = closed
    resp = c.post(f"/t/{theme.slug}/events/new", _form(**over))
    assert resp.status_code == 422
    assert problem in page_text(resp)
    html = resp.get_data(as_text=True)
    assert 'value="Regiobijeenkomst mantelzorg"' in html
    assert "Gemeentehuis Noorderveld" in html
    for value in over.values():
        if value:
            assert f'value="{value}"' in html
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_in_a_half_open_theme_a_members_event_waits_for_an_admin(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    author = member(theme)
    c = Client(app)
    c.login(author.email)
    resp = c.post(f"/t/{theme.slug}/events/new", _form(title="Wandeling langs de dijk"))
    assert resp.status_code == 302
    item = _event_of("Wandeling langs de dijk")
    assert item.state == ItemState.PENDING
    assert Client(app).get(f"/events/{item.id}").status_code == 404
    assert "Wandeling langs de dijk" not in page_text(Client(app).get(f"/t/{theme.slug}/agenda"))
    assert "Wandeling langs de dijk" in page_text(c.get(f"/t/{theme.slug}/agenda"))  # own, waiting
    a = Client(app)
    a.login(admin.email)
    assert "Wandeling langs de dijk" in page_text(a.get(f"/t/{theme.slug}/moderation"))
    approved = a.post(f"/t/{theme.slug}/moderation/decide",
                      {"target": f"item:{item.id}", "action": "approve"})
    assert approved.status_code == 303
    assert "Wandeling langs de dijk" in page_text(Client(app).get(f"/t/{theme.slug}/agenda"))


def test_the_author_edits_and_deletes_others_may_not(closed, app):
    theme, admin, lotte, c = closed
    item = event_item(theme=theme, part=Part.CLOSED, author=lotte, title="Teamdag")
    other = Client(app)
    other.login(member(theme).email)
    assert other.get(f"/events/{item.id}/edit").status_code == 403
    assert other.post(f"/events/{item.id}/delete").status_code == 403
    form = c.get(f"/events/{item.id}/edit")
    assert form.status_code == 200 and 'value="Teamdag"' in form.get_data(as_text=True)
    assert c.post(f"/events/{item.id}/delete").status_code == 302
    assert c.get(f"/events/{item.id}").status_code == 404
    assert "Teamdag" not in page_text(c.get(f"/t/{theme.slug}/agenda"))


# ------------------------------------------------------------------------- who sees what

def test_counts_for_readers_names_for_members_and_404_for_those_who_may_not_read(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    anna = member(theme, username="Anna Aanwezig")
    chosen = member(theme, username="Gekozen Gerda")
    outsider = member(theme, username="Buiten Bert")
    open_event = event_item(theme=theme, title="Open avond", author=admin)
    secret = event_item(theme=theme, title="Besloten overleg", author=admin, readers=[chosen])
    a = Client(app)
    a.login(anna.email)
    first = a.post(f"/events/{open_event.id}/answer", {"answer": "attending"})
    second = a.post(f"/events/{open_event.id}/answer", {"answer": "attending"})  # double click
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EventResponse)) == 1

    visitor = page_text(Client(app).get(f"/events/{open_event.id}"))
    assert "1 attending" in visitor and "Anna Aanwezig" not in visitor
    stranger = Client(app)
    stranger.login(UserFactory().email)  # logged in, not a member
    text = page_text(stranger.get(f"/events/{open_event.id}"))
    assert "1 attending" in text and "Anna Aanwezig" not in text
    assert stranger.post(f"/events/{open_event.id}/answer",
                         {"answer": "attending"}).status_code == 403
    member_view = page_text(a.get(f"/events/{open_event.id}"))
    assert "Who comes" in member_view and "Anna Aanwezig" in member_view

    o = Client(app)
    o.login(outsider.email)
    assert o.get(f"/events/{secret.id}").status_code == 404
    assert o.get(f"/events/{secret.id}/event.ics").status_code == 404
    assert o.post(f"/events/{secret.id}/answer", {"answer": "attending"}).status_code == 404
    assert "Besloten overleg" not in page_text(o.get(f"/t/{theme.slug}/agenda"))
    g = Client(app)
    g.login(chosen.email)
    assert "Besloten overleg" in page_text(g.get(f"/t/{theme.slug}/agenda"))
    boss = Client(app)
    boss.login(admin.email)
    assert boss.get(f"/events/{secret.id}").status_code == 200


def test_a_closed_themes_agenda_is_for_its_members(closed, app):
    theme, _admin, lotte, c = closed
    item = event_item(theme=theme, part=Part.CLOSED, title="Capaciteitsoverleg")
    for client in (Client(app), _logged_in(app, UserFactory())):
        assert client.get(f"/events/{item.id}").status_code == 404
        assert "Capaciteitsoverleg" not in page_text(client.get(f"/t/{theme.slug}/agenda"))
    assert "Capaciteitsoverleg" in page_text(c.get(f"/t/{theme.slug}/agenda"))


def _logged_in(app, user) -> Client:
    client = Client(app)
    client.login(user.email)
    return client


# ------------------------------------------------------------------------- waiting list

def test_the_first_on_the_waiting_list_moves_up_and_gets_a_mail(closed, app, mailbox):
    theme, _admin, lotte, c = closed
    item = event_item(theme=theme, part=Part.CLOSED, title="Workshop", max_attendees=1)
    wim, wendy = member(theme, username="Wachtende Wim"), member(theme, username="Wendy")
    cw, cwe = _logged_in(app, wim), _logged_in(app, wendy)
    assert c.post(f"/events/{item.id}/answer", {"answer": "attending"}).status_code == 302
    full = cw.post(f"/events/{item.id}/answer", {"answer": "attending"})
    assert "you are on the waiting list" in page_text(cw.get(full.headers["Location"]))
    cwe.post(f"/events/{item.id}/answer", {"answer": "attending"})
    text = page_text(c.get(f"/events/{item.id}"))
    assert "1 attending of 1 places" in text and "2 on the waiting list" in text

    c.post(f"/events/{item.id}/answer", {"answer": "declined"})
    (mail,) = mailbox.wait_for(wim.email)
    assert "You have a place: Workshop" in mail.subject
    assert mail.link(f"/events/{item.id}")
    assert mailbox.to(wendy.email) == []
    assert "You are attending" in page_text(cw.get(f"/events/{item.id}"))
    assert "You are on the waiting list" in page_text(cwe.get(f"/events/{item.id}"))


# ------------------------------------------------------------------------- calendar files

def test_the_ics_file_is_a_standard_calendar_with_the_cancelled_status(closed, app):
    theme, admin, lotte, c = closed
    start = datetime(2027, 1, 14, 9, 0)
    item = event_item(theme=theme, part=Part.CLOSED, title="Nieuwjaarsoverleg", starts_at=start,
                      author=lotte)
    resp = c.get(f"/events/{item.id}/event.ics")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Content-Disposition"].endswith('.ics"')
    cal = _ics(resp)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]).startswith(f"event-{item.id}@")
    assert str(vevent["SUMMARY"]) == "Nieuwjaarsoverleg"
    assert str(vevent["LOCATION"]) == "Gemeentehuis"
    assert vevent.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"

    assert c.post(f"/events/{item.id}/cancel").status_code == 302
    (vevent,) = _ics(c.get(f"/events/{item.id}/event.ics")).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert "Nieuwjaarsoverleg Cancelled" in page_text(c.get(f"/t/{theme.slug}/agenda"))


def test_feeds_show_only_what_their_owner_may_read(app):
    mixed = ThemeFactory(workgroup_type=WorkgroupType.MIXED, slug="buurtwerk")
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    owner = member(mixed, role=Role.ADMIN)
    lid = member(mixed, username="Lid")
    other = member(mixed, username="Ander")
    event_item(theme=mixed, title="Publieke markt")
    event_item(theme=mixed, part=Part.CLOSED, title="Ledenvergadering")
    event_item(theme=mixed, part=Part.CLOSED, title="Alleen voor Ander", readers=[other])
    event_item(theme=mixed, part=Part.CLOSED, title="Wacht nog", state=ItemState.PENDING,
               author=owner)
    event_item(theme=mixed, title="Verwijderd", state=ItemState.DELETED)
    event_item(theme=closed, part=Part.CLOSED, title="Elders besloten")

    assert _summaries(_ics(Client(app).get("/t/buurtwerk/agenda.ics"))) == {"Publieke markt"}

    c = _logged_in(app, lid)
    page = c.get("/t/buurtwerk/agenda")
    assert "Make my personal address" in page_text(page)
    c.post("/agenda/feed-token", {"action": "renew", "next": "/t/buurtwerk/agenda"})
    html = c.get("/t/buurtwerk/agenda").get_data(as_text=True)
    url = re.search(r'value="(http://[^"]+/t/buurtwerk/agenda/[^"]+\.ics)"', html).group(1)
    token = url.rsplit("/", 1)[1][:-4]
    from app.events.models import CalendarToken
    row = db.session.get(CalendarToken, lid.id)
    assert token not in (row.token_hash, row.nonce)  # only a hash is kept
    personal = Client(app).get(url.replace("http://localhost", ""))
    assert personal.headers["Cache-Control"] == "private, no-store"
    assert _summaries(_ics(personal)) == {"Publieke markt", "Ledenvergadering"}
    assert Client(app).get(f"/t/{closed.slug}/agenda/{token}.ics").status_code == 200
    assert _summaries(_ics(Client(app).get(f"/t/{closed.slug}/agenda/{token}.ics"))) == set()

    # Another member's token shows their own events; once revoked it works no more.
    o = _logged_in(app, other)
    o.post("/agenda/feed-token", {"action": "renew", "next": "/t/buurtwerk/agenda"})
    other_url = re.search(r'value="http://localhost(/t/buurtwerk/agenda/[^"]+\.ics)"',
                          o.get("/t/buurtwerk/agenda").get_data(as_text=True)).group(1)
    assert "Alleen voor Ander" in _summaries(_ics(Client(app).get(other_url)))
    o.post("/agenda/feed-token", {"action": "revoke", "next": "/t/buurtwerk/agenda"})
    assert Client(app).get(other_url).status_code == 404
    # Renewing ends the old address.
    c.post("/agenda/feed-token", {"action": "renew", "next": "/t/buurtwerk/agenda"})
    assert Client(app).get(url.replace("http://localhost", "")).status_code == 404
    assert Client(app).get("/t/buurtwerk/agenda/not-a-token.ics").status_code == 404


# ------------------------------------------------------------------------- mails

def test_attendees_get_a_reminder_the_day_before_once(closed, app, mailbox):
    theme, _admin, lotte, c = closed
    soon = event_item(theme=theme, part=Part.CLOSED, title="Morgen overleg",
                      starts_at=utcnow() + timedelta(hours=20))
    later = event_item(theme=theme, part=Part.CLOSED, title="Volgende week")
    maybe = member(theme)
    for item in (soon, later):
        c.post(f"/events/{item.id}/answer", {"answer": "attending"})
    _logged_in(app, maybe).post(f"/events/{soon.id}/answer", {"answer": "maybe"})
    scheduler.tick(app)
    scheduler.tick(app)
    mailbox.wait_for(lotte.email)
    (mail,) = [m for m in mailbox.to(lotte.email) if "Reminder" in m.subject]
    assert mail.subject.endswith("Reminder: Morgen overleg")
    assert "Gemeentehuis" in mail.text and mail.link(f"/events/{soon.id}")
    assert [m for m in mailbox.to(maybe.email) if "Reminder" in m.subject] == []


def test_a_change_of_time_or_place_and_a_cancellation_mail_the_attendees(closed, app, mailbox):
    theme, admin, lotte, c = closed
    item = event_item(theme=theme, part=Part.CLOSED, title="Scholing", author=admin,
                      starts_at=datetime(2027, 7, 15, 8, 0))
    c.post(f"/events/{item.id}/answer", {"answer": "attending"})
    declined = member(theme)
    _logged_in(app, declined).post(f"/events/{item.id}/answer", {"answer": "declined"})
    boss = _logged_in(app, admin)
    same = boss.post(f"/events/{item.id}/edit", _form(title="Scholing", body="Nieuwe tekst",
                                                      location="Gemeentehuis",
                                                      end_time="12:00"))
    assert same.status_code == 302
    assert mailbox.to(lotte.email) == []  # only the text changed
    moved = boss.post(f"/events/{item.id}/edit", _form(title="Scholing", body="Nieuwe tekst",
                                                       location="Bibliotheek", start_time="14:00",
                                                       end_time="16:00"))
    assert moved.status_code == 302
    (mail,) = mailbox.wait_for(lotte.email)
    assert "Changed: Scholing" in mail.subject
    assert "Bibliotheek" in mail.text and "14:00" in mail.text
    assert db.session.get(Event, item.id).starts_at == datetime(2027, 7, 15, 12, 0)
    dutch = member(theme, locale="nl")
    nl = Client(app, lang="nl")
    nl.login(dutch.email)
    nl.post(f"/events/{item.id}/answer", {"answer": "maybe"})
    boss.post(f"/events/{item.id}/cancel")
    mails = mailbox.wait_for(lotte.email, count=2)
    assert "Cancelled: Scholing" in mails[1].subject
    (dutch_mail,) = mailbox.wait_for(dutch.email)
    assert "Geannuleerd: Scholing" in dutch_mail.subject
    assert "donderdag 15 juli 2027, 14:00–16:00" in dutch_mail.text
    assert mailbox.to(declined.email) == []
    assert "Scholing Geannuleerd" in page_text(nl.get(f"/t/{theme.slug}/agenda"))
    text = page_text(c.get(f"/events/{item.id}"))
    assert "This event is cancelled." in text
    assert c.post(f"/events/{item.id}/answer", {"answer": "maybe"}).status_code == 422


# ------------------------------------------------------------------------- lists

def test_the_agenda_lists_upcoming_and_past_in_order_with_bounded_queries(closed, app):
    theme, _admin, lotte, c = closed
    now = utcnow().replace(microsecond=0)
    for days in (3, 1, 2):
        event_item(theme=theme, part=Part.CLOSED, title=f"Over {days} dagen",
                   starts_at=now + timedelta(days=days))
    event_item(theme=theme, part=Part.CLOSED, title="Vorige maand",
               starts_at=now - timedelta(days=30))
    ItemFactory(theme=theme, part=Part.CLOSED, title="Gewone discussie")
    page = page_text(c.get(f"/t/{theme.slug}/agenda"))
    assert page.index("Over 1 dagen") < page.index("Over 2 dagen") < page.index("Over 3 dagen")
    assert "Vorige maand" not in page and "Gewone discussie" not in page
    assert "Vorige maand" in page_text(c.get(f"/t/{theme.slug}/agenda?when=past"))
    # The board lists discussions, not events; the overview has an agenda section.
    board = page_text(c.get(f"/t/{theme.slug}"))
    assert "Gewone discussie" in board and "Over 1 dagen" not in board
    assert "Over 1 dagen" in page_text(c.get(f"/t/{theme.slug}/overview"))

    def queries():
        with counted_queries() as statements:
            assert c.get(f"/t/{theme.slug}/agenda").status_code == 200
        return len(statements)

    few = queries()
    for i in range(25):
        item = event_item(theme=theme, part=Part.CLOSED, title=f"Reeks {i}",
                          starts_at=now + timedelta(days=10 + i))
        db.session.add(EventResponse(item_id=item.id, user_id=lotte.id, answer="attending",
                                     waitlisted=False, answered_at=now))
    db.session.commit()
    assert queries() == few <= PAGE_QUERY_BUDGET
    second = page_text(c.get(f"/t/{theme.slug}/agenda?page=2"))
    assert "Page 2 of 2" in second and "Reeks 24" in second


def test_comments_stars_and_reports_work_on_events(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN)
    item = event_item(theme=theme, title="Open dag", author=admin)
    lid = member(theme)
    c = _logged_in(app, lid)
    empty = c.post(f"/items/{item.id}/comments", {"body": ""})
    assert empty.status_code == 422 and "Open dag" in page_text(empty)
    sent = c.post(f"/items/{item.id}/comments", {"body": "Ik neem taart mee."})
    assert sent.status_code == 302 and f"/events/{item.id}" in sent.headers["Location"]
    comment = db.session.scalar(select(Comment).where(Comment.item_id == item.id))
    assert comment.state == ItemState.PENDING  # a public part: an admin approves it first
    starred = c.post(f"/posts/{item.id}/star", {"star": "1", "next": f"/events/{item.id}"})
    assert starred.headers["Location"].endswith(f"/events/{item.id}")
    assert db.session.get(Item, item.id).star_count == 1
    assert c.get(f"/posts/{item.id}/report").status_code == 200
    reported = c.post(f"/posts/{item.id}/report", {"reason": "spam", "text": "Reclame"})
    assert reported.status_code == 302 and reported.headers["Location"].endswith(
        f"/events/{item.id}")
    assert c.post(f"/posts/{item.id}/replies", {"body": "x"}).status_code == 404


def test_search_finds_events_the_viewer_may_read(closed, app):
    theme, _admin, lotte, c = closed
    resp = c.post(f"/t/{theme.slug}/events/new",
                  _form(title="Kwartaaloverleg zorgcapaciteit", body="Over de wachtlijsten."))
    assert resp.status_code == 302
    item = _event_of("Kwartaaloverleg zorgcapaciteit")
    hits = c.get("/search?q=wachtlijsten").get_data(as_text=True)
    assert f'href="/events/{item.id}"' in hits
    # the place is found too, also after it changed
    assert f'href="/events/{item.id}"' in c.get("/search?q=Noorderveld").get_data(as_text=True)
    c.post(f"/events/{item.id}/edit", _form(title="Kwartaaloverleg zorgcapaciteit",
                                            body="Over de wachtlijsten.",
                                            location="Stadskantoor Zuiderhaven"))
    assert f'href="/events/{item.id}"' in c.get("/search?q=Zuiderhaven").get_data(as_text=True)
    assert f'href="/events/{item.id}"' not in c.get("/search?q=Noorderveld").get_data(as_text=True)
    assert "Kwartaaloverleg" not in page_text(Client(app).get("/search?q=wachtlijsten"))
