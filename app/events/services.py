"""Rules of the agenda: writing, changing, cancelling and deleting events, answers with a
waiting list, the agenda lists, the mails to attendees and the day-before reminder.

Times: entered and shown in Europe/Amsterdam (the zone of the Netherlands and Belgium), stored
as naive UTC. An all-day event is stored from the local midnight of its first day to the local
midnight after its last day, so "upcoming" and "past" work the same for both.

Every read goes through app.permissions.visible_items_clause (the one policy).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager, joinedload

from app.auth.models import User
from app.errors import DomainError
from app.events.models import Answer, Event, EventResponse
from app.extensions import db
from app.items.kinds import ItemKind, item_url
from app.items.models import Item, ItemState
from app.mail.services import send_mail
from app.permissions import (can_answer_event, viewer_for, visible_items_clause)
from app.posts import services as posts
from app.themes.models import Theme
from app.timeutil import utcnow
from app.transactions import insert_once

log = logging.getLogger(__name__)

ZONE = ZoneInfo("Europe/Amsterdam")
LOCATION_MAX = 300
URL_MAX = 500
# The reminder goes out once the start is this near.
REMINDER_AHEAD = timedelta(hours=24)


class EventError(DomainError):
    """A rule was broken; the message names the problem (and the field)."""


# ------------------------------------------------------------------------- time

def to_utc(day: date, at: time | None = None) -> datetime:
    """The naive UTC instant of a local date and time in Europe/Amsterdam."""
    local = datetime.combine(day, at or time(0), tzinfo=ZONE)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time as an aware time in Europe/Amsterdam."""
    return moment.replace(tzinfo=timezone.utc).astimezone(ZONE)


def first_day(event: Event) -> date:
    return local(event.starts_at).date()


def last_day(event: Event) -> date:
    """The last day of an all-day event (its stored end is the midnight after it)."""
    return (local(event.ends_at) - timedelta(seconds=1)).date()


def _parse_date(text: str, field_name: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise EventError(_("Give a date as year-month-day, for example 2026-12-31."),
                         field=field_name)


def _parse_time(text: str, field_name: str) -> time:
    text = (text or "").strip()
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise EventError(_("Give a time as hours:minutes, for example 19:30."), field=field_name)
    if len(text) < 4:
        raise EventError(_("Give a time as hours:minutes, for example 19:30."), field=field_name)
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


# ------------------------------------------------------------------------- input

@dataclass
class EventInput:
    title: str = ""
    body: str = ""
    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    all_day: bool = False
    location: str = ""
    online_url: str = ""
    max_attendees: str = ""
    part: str | None = None
    audience_ids: list[int] = field(default_factory=list)
    files: list = field(default_factory=list)
    remove_attachment_ids: list[int] = field(default_factory=list)


@dataclass
class When:
    starts_at: datetime
    ends_at: datetime
    all_day: bool


def _check_when(data: EventInput) -> When:
    start_day = _parse_date(data.start_date, "start_date")
    end_day = _parse_date(data.end_date, "end_date") if (data.end_date or "").strip() else start_day
    if data.all_day:
        if end_day < start_day:
            raise EventError(_("The last day comes before the first day."), field="end_date")
        return When(to_utc(start_day), to_utc(end_day + timedelta(days=1)), True)
    start = to_utc(start_day, _parse_time(data.start_time, "start_time"))
    if not (data.end_time or "").strip():
        raise EventError(_("Give the end time (or make it an all-day event)."), field="end_time")
    end = to_utc(end_day, _parse_time(data.end_time, "end_time"))
    if end <= start:
        raise EventError(_("The end comes before the start: check the dates and times."),
                         field="end_time")
    return When(start, end, False)


def _check_place(data: EventInput) -> tuple[str | None, str | None]:
    location = " ".join((data.location or "").split()) or None
    if location and len(location) > LOCATION_MAX:
        raise EventError(_("Use at most %(n)d characters.", n=LOCATION_MAX), field="location")
    link = (data.online_url or "").strip() or None
    if link:
        parts = urlsplit(link)
        if (parts.scheme not in ("http", "https") or not parts.netloc or " " in link
                or len(link) > URL_MAX):
            raise EventError(_("Give a web address that starts with https:// (or http://)."),
                             field="online_url")
    return location, link


def _check_max(text) -> int | None:
    text = str(text or "").strip()
    if not text:
        return None
    try:
        n = int(text)
    except ValueError:
        raise EventError(_("Give a whole number of 1 or more, or leave it empty for no "
                           "maximum."), field="max_attendees")
    if n < 1 or n > 100_000:
        raise EventError(_("Give a whole number of 1 or more, or leave it empty for no "
                           "maximum."), field="max_attendees")
    return n


def _as_post_input(data: EventInput) -> posts.PostInput:
    return posts.PostInput(title=data.title, body=data.body, part=data.part,
                           audience_ids=data.audience_ids, files=data.files,
                           remove_attachment_ids=data.remove_attachment_ids)


def _refused(exc: posts.PostError) -> EventError:
    return EventError(exc.message, field=exc.field)


# ------------------------------------------------------------------------- writing

def create_event(author: User, theme: Theme, data: EventInput) -> Item:
    """Put a new event on the theme's agenda. In a public part it waits for approval."""
    when = _check_when(data)
    location, link = _check_place(data)
    limit = _check_max(data.max_attendees)
    try:
        item = posts.create_post(author, theme, _as_post_input(data))
    except posts.PostError as exc:
        raise _refused(exc)
    item.kind = ItemKind.EVENT
    db.session.add(Event(item_id=item.id, starts_at=when.starts_at, ends_at=when.ends_at,
                         all_day=when.all_day, location=location, online_url=link,
                         max_attendees=limit))
    db.session.flush()
    return item


def edit_event(editor: User, item: Item, data: EventInput) -> Item:
    """Change an event. Attendees are mailed when its time or place changes; a higher maximum
    gives places to the first on the waiting list."""
    event = item.event
    when = _check_when(data)
    location, link = _check_place(data)
    limit = _check_max(data.max_attendees)
    try:
        posts.edit_post(editor, item, _as_post_input(data))
    except posts.PostError as exc:
        raise _refused(exc)
    before = (event.starts_at, event.ends_at, event.all_day, event.location, event.online_url)
    if (when.starts_at, when.ends_at) != (event.starts_at, event.ends_at):
        event.reminded_at = None  # the reminder is for the new time
    event.starts_at, event.ends_at, event.all_day = when.starts_at, when.ends_at, when.all_day
    event.location, event.online_url, event.max_attendees = location, link, limit
    db.session.flush()
    if before != (event.starts_at, event.ends_at, event.all_day, event.location,
                  event.online_url) and item.state == ItemState.PUBLISHED:
        _mail_attendees(item, "event_changed", lambda: _("Changed: %(title)s", title=item.title),
                        skip=editor.id)
    _promote(item)
    return item


def cancel_event(actor: User, item: Item) -> bool:
    """Call the event off (it stays on the agenda as cancelled) and tell its attendees.
    False when it was already cancelled."""
    done = db.session.execute(
        update(Event).where(Event.item_id == item.id, Event.cancelled_at.is_(None))
        .values(cancelled_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not done:
        return False
    db.session.expire(item.event)
    item.updated_at = utcnow()
    from app.search.index import touch
    touch(item.id)
    if item.state == ItemState.PUBLISHED:
        _mail_attendees(item, "event_cancelled",
                        lambda: _("Cancelled: %(title)s", title=item.title), skip=actor.id)
    db.session.flush()
    return True


def delete_event(actor: User, item: Item) -> None:
    posts.delete_post(actor, item)


# ------------------------------------------------------------------------- answers

@dataclass
class Counts:
    attending: int = 0
    maybe: int = 0
    declined: int = 0
    waiting: int = 0


def counts_for(item_ids) -> dict[int, Counts]:
    """The answers per event, in one query."""
    result = {i: Counts() for i in item_ids}
    if not result:
        return result
    for item_id, answer, waitlisted, n in db.session.execute(
            select(EventResponse.item_id, EventResponse.answer, EventResponse.waitlisted,
                   func.count())
            .where(EventResponse.item_id.in_(list(result)))
            .group_by(EventResponse.item_id, EventResponse.answer, EventResponse.waitlisted)):
        c = result[item_id]
        if answer == Answer.ATTENDING and waitlisted:
            c.waiting += n
        else:
            setattr(c, Answer(answer).value, getattr(c, Answer(answer).value) + n)
    return result


def answers_of(user, item_ids) -> dict[int, EventResponse]:
    """The viewer's own answers to these events, in one query."""
    if user is None or not getattr(user, "is_authenticated", False) or not item_ids:
        return {}
    return {r.item_id: r for r in db.session.scalars(select(EventResponse).where(
        EventResponse.user_id == user.id, EventResponse.item_id.in_(list(item_ids))))}


def responses(item: Item) -> list[EventResponse]:
    """Everyone's answers to the event (for its members' eyes), waiting list in its order."""
    return list(db.session.scalars(
        select(EventResponse).where(EventResponse.item_id == item.id)
        .options(joinedload(EventResponse.user))
        .order_by(EventResponse.answer, EventResponse.waitlisted, EventResponse.answered_at,
                  EventResponse.user_id)))


def _attending_count(item_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(EventResponse).where(
        EventResponse.item_id == item_id, EventResponse.answer == Answer.ATTENDING,
        EventResponse.waitlisted.is_(False))) or 0


def _lock(item: Item) -> Event:
    """The event row, locked for the rest of the transaction (PostgreSQL), so that two
    answers at once cannot both take the last place. (SQLite writes one at a time.)"""
    return db.session.scalar(select(Event).where(Event.item_id == item.id)
                             .with_for_update().execution_options(populate_existing=True))


def respond(user: User, item: Item, answer: str) -> EventResponse:
    """Say whether the user comes. Saying again what is already so changes nothing (a double
    click keeps one row and its place in the queue). Leaving gives the place to the first on
    the waiting list."""
    try:
        answer = Answer(answer)
    except ValueError:
        raise EventError(_("Choose attending, maybe or not attending."), field="answer")
    if not can_answer_event(item, user):
        raise EventError(_("Only members can answer for this event."), field="answer")
    event = _lock(item)
    if event.cancelled:
        raise EventError(_("This event is cancelled."), field="answer")
    if event.ends_at <= utcnow():
        raise EventError(_("This event is over."), field="answer")
    row = db.session.get(EventResponse, (item.id, user.id))
    if row is None:
        fresh = EventResponse(item_id=item.id, user_id=user.id, answer=answer,
                              waitlisted=False, answered_at=utcnow())
        if answer == Answer.ATTENDING and event.max_attendees is not None:
            fresh.waitlisted = _attending_count(item.id) >= event.max_attendees
        if insert_once(fresh):
            return fresh
        row = db.session.get(EventResponse, (item.id, user.id), populate_existing=True)
    if row.answer == answer:
        return row
    had_place = row.answer == Answer.ATTENDING and not row.waitlisted
    row.answer, row.answered_at = answer, utcnow()
    row.waitlisted = bool(answer == Answer.ATTENDING and event.max_attendees is not None
                          and _attending_count(item.id) >= event.max_attendees)
    db.session.flush()
    if had_place:
        _promote(item)
    return row


def _promote(item: Item) -> int:
    """Give free places to the first on the waiting list, and mail them. Returns how many."""
    event = item.event
    if event.max_attendees is None or event.cancelled:
        free = None if event.max_attendees is None else 0
    else:
        free = event.max_attendees - _attending_count(item.id)
    queue = select(EventResponse).where(
        EventResponse.item_id == item.id, EventResponse.answer == Answer.ATTENDING,
        EventResponse.waitlisted.is_(True)).order_by(EventResponse.answered_at,
                                                     EventResponse.user_id)
    if free is not None:
        if free <= 0:
            return 0
        queue = queue.limit(free)
    moved = list(db.session.scalars(queue.options(joinedload(EventResponse.user))))
    for row in moved:
        row.waitlisted = False
    db.session.flush()
    for row in moved:
        if row.user.email_confirmed_at is not None and _sees(row.user, item):
            _mail(row.user, item, "event_promoted",
                  lambda: _("You have a place: %(title)s", title=item.title))
    return len(moved)


# ------------------------------------------------------------------------- mails

def _sees(user: User, item: Item) -> bool:
    return db.session.scalar(select(Item.id).where(
        Item.id == item.id, Item.state == ItemState.PUBLISHED,
        visible_items_clause(viewer_for(user)))) is not None


def _mail(user: User, item: Item, template: str, subject) -> None:
    from flask_babel import force_locale

    with force_locale(user.locale):
        when = describe_when(item.event)
    send_mail(user.email, subject, template, locale=user.locale, kind="event", user=user,
              item=item, event=item.event, theme=item.theme, when=when,
              link=item_url(item, external=True))


def _mail_attendees(item: Item, template: str, subject, skip: int | None = None) -> int:
    """Mail those who said they come (also those waiting, and "maybe") and still may read
    the event."""
    rows = db.session.scalars(
        select(EventResponse).where(EventResponse.item_id == item.id,
                                    EventResponse.answer.in_([Answer.ATTENDING, Answer.MAYBE]))
        .options(joinedload(EventResponse.user)))
    sent = 0
    for row in rows:
        user = row.user
        if user.id == skip or user.email_confirmed_at is None or not _sees(user, item):
            continue
        _mail(user, item, template, subject)
        sent += 1
    return sent


def describe_when(event: Event) -> str:
    """The event's time in words, in Amsterdam time (for mails and pages), in the current
    language; times on the 24-hour clock."""
    from flask_babel import format_date

    start, end = local(event.starts_at), local(event.ends_at)
    if event.all_day:
        first, last = first_day(event), last_day(event)
        if first == last:
            return format_date(first, "full")
        return _("%(first)s to %(last)s", first=format_date(first, "full"),
                 last=format_date(last, "full"))
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s", day=format_date(start.date(), "full"),
                 start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
    return _("%(start)s to %(end)s",
             start=f"{format_date(start.date(), 'full')} {start.strftime('%H:%M')}",
             end=f"{format_date(end.date(), 'full')} {end.strftime('%H:%M')}")


def send_reminders(now: datetime | None = None) -> int:
    """Mail the attendees of each published event that starts within REMINDER_AHEAD, once per
    event (a conditional update claims it first). Returns how many mails were queued."""
    now = now or utcnow()
    due = list(db.session.scalars(
        select(Event.item_id).join(Item, Item.id == Event.item_id)
        .where(Event.starts_at > now, Event.starts_at <= now + REMINDER_AHEAD,
               Event.reminded_at.is_(None), Event.cancelled_at.is_(None),
               Item.state == ItemState.PUBLISHED, Item.kind == ItemKind.EVENT)
        .order_by(Event.starts_at, Event.item_id).limit(200)))
    sent = 0
    for item_id in due:
        claimed = db.session.execute(
            update(Event).where(Event.item_id == item_id, Event.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        item = db.session.get(Item, item_id)
        rows = db.session.scalars(
            select(EventResponse).where(EventResponse.item_id == item_id,
                                        EventResponse.answer == Answer.ATTENDING,
                                        EventResponse.waitlisted.is_(False))
            .options(joinedload(EventResponse.user)))
        for row in rows:
            if row.user.email_confirmed_at is None or not _sees(row.user, item):
                continue
            _mail(row.user, item, "event_reminder",
                  lambda: _("Reminder: %(title)s", title=item.title))
            sent += 1
    db.session.flush()
    return sent


# ------------------------------------------------------------------------- lists

@dataclass
class Agenda:
    events: list[Event]
    total: int | None  # None when not counted (agenda(paged=False))
    page: int
    pages: int
    counts: dict[int, Counts]
    mine: dict[int, EventResponse]


def _listed(theme: Theme, viewer):
    return (Item.theme_id == theme.id, Item.kind == ItemKind.EVENT,
            Item.state == ItemState.PUBLISHED, visible_items_clause(viewer, in_theme=theme))


def agenda(theme: Theme, past: bool = False, page: int = 1, per_page: int = 20,
           user=None, paged: bool = True) -> Agenda:
    """A page of the theme's upcoming events (soonest first) or past ones (latest first) that
    the viewer may see, with the answer counts and the viewer's own answers: four queries.
    Without `paged`, only the first `per_page` events, uncounted: three queries."""
    from flask_login import current_user

    user = current_user if user is None else user
    now = utcnow()
    where = (*_listed(theme, viewer_for(user)),
             Event.ends_at <= now if past else Event.ends_at > now)
    order = ((Event.starts_at.desc(), Event.item_id.desc()) if past
             else (Event.starts_at, Event.item_id))
    total, pages = None, 1
    if paged:
        total = db.session.scalar(select(func.count()).select_from(Event)
                                  .join(Item, Item.id == Event.item_id).where(*where)) or 0
        pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = list(db.session.scalars(
        select(Event).join(Item, Item.id == Event.item_id).where(*where).order_by(*order)
        .options(contains_eager(Event.item).joinedload(Item.author))
        .limit(per_page).offset((page - 1) * per_page)))
    ids = [e.item_id for e in events]
    return Agenda(events=events, total=total, page=page, pages=pages, counts=counts_for(ids),
                  mine=answers_of(user, ids))


def waiting_events(theme: Theme, user) -> list[Item]:
    """The viewer's own events that wait for approval or were refused or hidden."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(Item).where(Item.theme_id == theme.id, Item.kind == ItemKind.EVENT,
                           Item.author_id == user.id,
                           Item.state.in_([ItemState.PENDING, ItemState.REJECTED,
                                           ItemState.HIDDEN]))
        .order_by(Item.created_at.desc()).limit(20)))


def upcoming(theme: Theme, limit: int) -> Agenda:
    """The overview section: the next events the viewer may see."""
    return agenda(theme, past=False, page=1, per_page=limit, paged=False)


def feed_events(theme: Theme, viewer, limit: int = 500) -> list[Event]:
    """The events of a theme's calendar feed for this viewer: published ones that ended less
    than a year ago or are still to come, soonest first."""
    since = utcnow() - timedelta(days=365)
    return list(db.session.scalars(
        select(Event).join(Item, Item.id == Event.item_id)
        .where(*_listed(theme, viewer), Event.ends_at > since)
        .order_by(Event.starts_at, Event.item_id)
        .options(contains_eager(Event.item)).limit(limit)))
