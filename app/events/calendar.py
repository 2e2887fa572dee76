"""iCalendar (RFC 5545) files, built with the icalendar library: one event's `.ics` and a
theme's feed; and the personal feed tokens (only a hash of a token is stored).

Times go out in Europe/Amsterdam with its VTIMEZONE, so calendar programs show them right on
both sides of a DST change; all-day events as dates (DTEND the day after the last day).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta, timezone

from flask import current_app
from icalendar import Calendar, Event as VEvent, Timezone, vText
from sqlalchemy import delete, select

from app.events.models import CalendarToken, Event
from app.events.services import ZONE, first_day, last_day, local
from app.extensions import db
from app.items.kinds import item_url
from app.timeutil import utcnow


def _uid(event: Event) -> str:
    return f"event-{event.item_id}@{current_app.config['MAIL_MESSAGE_ID_DOMAIN']}"


def _vevent(event: Event) -> VEvent:
    item = event.item
    v = VEvent()
    v.add("uid", _uid(event))
    v.add("dtstamp", _utc(item.updated_at or item.created_at))
    v.add("summary", item.title)
    if event.all_day:
        v.add("dtstart", first_day(event))
        v.add("dtend", last_day(event) + timedelta(days=1))
    else:
        v.add("dtstart", local(event.starts_at))
        v.add("dtend", local(event.ends_at))
    if item.body:
        v.add("description", item.body)
    if event.location:
        v.add("location", event.location)
    if event.online_url:
        v.add("url", event.online_url)
    else:
        v.add("url", item_url(item, external=True))
    v.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    v.add("last-modified", _utc(item.updated_at or item.created_at))
    v.add("sequence", 1 if event.cancelled else 0)
    return v


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc)


def calendar_of(events: list[Event], name: str | None = None) -> bytes:
    """An iCalendar file with these events."""
    cal = Calendar()
    cal.add("prodid", f"-//{current_app.config['BOARD_NAME']}//Agenda//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", vText(name))
        cal.add("x-wr-timezone", vText(ZONE.key))
    if any(not e.all_day for e in events):
        starts = [e.starts_at for e in events]
        cal.add_component(Timezone.from_tzinfo(
            ZONE, first_date=min(starts).date() - timedelta(days=1),
            last_date=max(e.ends_at for e in events).date() + timedelta(days=1)))
    for event in events:
        cal.add_component(_vevent(event))
    return cal.to_ical()


# ------------------------------------------------------------------------- feed tokens

def _token_for(nonce: str) -> str:
    """The feed token of a nonce: an HMAC with the app's secret key (a copy of the database
    alone does not give the token)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"calendar-feed:{nonce}".encode(), hashlib.sha256).hexdigest()[:40]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(user) -> str | None:
    """The user's current feed token (None: they have none, or revoked it)."""
    row = db.session.get(CalendarToken, user.id)
    return _token_for(row.nonce) if row is not None else None


def renew_token(user) -> str:
    """A new feed token for the user; the old one stops working."""
    db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    nonce = secrets.token_hex(16)
    token = _token_for(nonce)
    db.session.add(CalendarToken(user_id=user.id, nonce=nonce, token_hash=_hash(token),
                                 created_at=utcnow()))
    db.session.flush()
    return token


def revoke_token(user) -> None:
    db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    db.session.flush()


def user_of_token(token: str):
    """The owner of a feed token, or None (unknown, revoked or renewed since)."""
    from app.auth.models import User

    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == _hash(token)))
    if row is None or not hmac.compare_digest(_token_for(row.nonce), token):
        return None
    return db.session.get(User, row.user_id)
