"""What only an event has (the rest is its Item): its time, place, link and attendee limit;
the members' answers; and the personal calendar-feed tokens.

Times are stored as naive UTC like every other time; an all-day event keeps its first and last
day as midnight UTC of those dates (the dates are what counts, not the instants).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class Event(db.Model):
    __tablename__ = "event"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime)  # UTC; for all-day: the last day
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    max_attendees: Mapped[int | None] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The day-before reminder went out (cleared when the start time changes).
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)

    item: Mapped["Item"] = relationship(  # noqa: F821
        backref=db.backref("event", uselist=False))

    # The agenda lists order by start; the reminder job looks for starts in a window.
    __table_args__ = (Index("ix_event_starts", "starts_at", "item_id"),
                      Index("ix_event_ends", "ends_at", "item_id"))

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class Answer(str, enum.Enum):
    ATTENDING = "attending"
    MAYBE = "maybe"
    DECLINED = "declined"


class EventResponse(db.Model):
    """A member's answer: one row per person per event. An "attending" beyond the maximum
    waits (waitlisted), first come first served by answered_at."""

    __tablename__ = "event_response"

    item_id: Mapped[int] = mapped_column(ForeignKey("event.item_id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    answer: Mapped[Answer] = mapped_column(str_enum(Answer, "event_answer"))
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821

    __table_args__ = (Index("ix_event_response_user", "user_id", "item_id"),
                      Index("ix_event_response_queue", "item_id", "answer", "waitlisted",
                            "answered_at"))


class CalendarToken(db.Model):
    """A member's secret address for calendar feeds with members-only events. The token is an
    HMAC of the nonce with the app's secret key (so the member can see it again); the table
    keeps the nonce and the SHA-256 of the token, never the token. Renewing replaces the row;
    revoking deletes it."""

    __tablename__ = "calendar_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
