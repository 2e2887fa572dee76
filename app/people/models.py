"""Profiles with a visibility per field, the extra fields the platform owner defines, and
bookmarks.

Every profile field carries its own visibility, chosen by the person it describes; who may
see a field at that visibility is decided by app.permissions.may_see_profile_field (and its
SQL twin profile_visible_clause).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class Visibility(str, enum.Enum):
    """Who sees a profile field, from narrowest to widest."""

    PRIVATE = "private"  # only the person
    THEMES = "themes"  # people who share an accepted membership of a theme with the person
    LOGGED_IN = "logged_in"  # everyone logged in
    PUBLIC = "public"  # everyone, visitors too


def _visibility(default: Visibility):
    return mapped_column(str_enum(Visibility, "profile_visibility"), default=default)


# The built-in fields of a profile, in the order the profile page shows them.
BUILT_IN_FIELDS = ("name", "photo", "organisation", "function", "email", "phone", "about")


class Profile(db.Model):
    """What a person tells about themselves. One row per user, made on first edit; a user
    without one shows only their user name (public, as user names are)."""

    __tablename__ = "profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    name_visibility: Mapped[Visibility] = _visibility(Visibility.LOGGED_IN)
    photo_name: Mapped[str | None] = mapped_column(String(64))  # stored name in app.storage
    photo_visibility: Mapped[Visibility] = _visibility(Visibility.LOGGED_IN)
    organisation: Mapped[str] = mapped_column(String(120), default="")
    organisation_visibility: Mapped[Visibility] = _visibility(Visibility.LOGGED_IN)
    function: Mapped[str] = mapped_column(String(120), default="")
    function_visibility: Mapped[Visibility] = _visibility(Visibility.LOGGED_IN)
    email_visibility: Mapped[Visibility] = _visibility(Visibility.PRIVATE)  # user.email
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_visibility: Mapped[Visibility] = _visibility(Visibility.PRIVATE)
    about: Mapped[str] = mapped_column(Text, default="")  # Markdown as written
    about_html: Mapped[str] = mapped_column(Text, default="")  # sanitised, made when saved
    about_visibility: Mapped[Visibility] = _visibility(Visibility.LOGGED_IN)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821


class FieldKind(str, enum.Enum):
    TEXT = "text"
    URL = "url"


class ProfileField(db.Model):
    """A field the platform owner adds to every profile."""

    __tablename__ = "profile_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    label_nl: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(80))
    kind: Mapped[FieldKind] = mapped_column(str_enum(FieldKind, "profile_field_kind"),
                                            default=FieldKind.TEXT)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def label(self, locale: str) -> str:
        return self.label_nl if locale == "nl" else self.label_en


class ProfileFieldValue(db.Model):
    """One person's value of a platform-defined field, with its own visibility."""

    __tablename__ = "profile_field_value"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("profile_field.id", ondelete="CASCADE"),
                                          primary_key=True)
    value: Mapped[str] = mapped_column(String(500), default="")
    visibility: Mapped[Visibility] = _visibility(Visibility.LOGGED_IN)

    field: Mapped[ProfileField] = relationship()


class Bookmark(db.Model):
    """An item someone saved ("bewaard"): one row per person and item."""

    __tablename__ = "bookmark"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped["Item"] = relationship()  # noqa: F821

    # The saved list: one person's bookmarks, newest first.
    __table_args__ = (Index("ix_bookmark_user_created", "user_id", "created_at", "item_id"),)
