"""Profiles: what a viewer may see of a person (app.permissions decides per field), the cards
lists show (display name and photo, for many people in one query), and saving one's own
profile."""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

from flask import g, has_request_context
from markupsafe import Markup
from sqlalchemy import case, select

from app.auth.models import User
from app.extensions import db
from app.people import photos
from app.people.models import Profile, ProfileField, ProfileFieldValue, Visibility
from app.permissions import may_see_profile_field, profile_visible_clause
from app.posts.rendering import render_markdown
from app.timeutil import utcnow


@dataclass(frozen=True)
class PersonCard:
    """A person as lists show them to the viewer: the full name and photo only where the
    viewer may see them."""

    user_id: int
    username: str
    name: str | None = None
    photo_name: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.username


def people_cards(user_ids) -> dict[int, PersonCard]:
    """Cards for these people, in one query (the visibility rule is inside it), remembered for
    the request so that a page's template finds them all."""
    cache = g.setdefault("_person_cards", {}) if has_request_context() else {}
    wanted = {i for i in user_ids if i is not None}
    missing = wanted - cache.keys()
    if missing:
        name_seen = profile_visible_clause(Profile.name_visibility, User.id)
        photo_seen = profile_visible_clause(Profile.photo_visibility, User.id)
        rows = db.session.execute(
            select(User.id, User.username,
                   case((name_seen, Profile.name), else_=None),
                   case((photo_seen, Profile.photo_name), else_=None))
            .outerjoin(Profile, Profile.user_id == User.id).where(User.id.in_(missing)))
        for user_id, username, name, photo_name in rows:
            cache[user_id] = PersonCard(user_id, username, name or None, photo_name)
    return {i: cache[i] for i in wanted if i in cache}


def person_card(user) -> PersonCard | None:
    """The card of one person (from the request's cards when a view loaded them already).
    A card not yet loaded is loaded together with those of every person the request has
    loaded so far, so that a list of bylines costs one query, not one per author."""
    if user is None:
        return None
    cache = g.get("_person_cards", {}) if has_request_context() else {}
    if user.id in cache:
        return cache[user.id]
    loaded = [obj.id for obj in list(db.session.identity_map.values())
              if isinstance(obj, User) and obj.id not in cache]
    return people_cards([user.id, *loaded]).get(user.id)


@dataclass
class Entry:
    """One field of a profile as the viewer sees it."""

    key: str
    label: str
    value: str = ""
    html: Markup | None = None
    kind: str = "text"  # text, url, email, tel


@dataclass
class ProfileView:
    person: User
    card: PersonCard
    entries: list[Entry] = dataclass_field(default_factory=list)


def profile_of(user_id: int) -> Profile | None:
    return db.session.get(Profile, user_id)


def custom_fields() -> list[ProfileField]:
    return list(db.session.scalars(select(ProfileField).order_by(ProfileField.position,
                                                                 ProfileField.id)))


def custom_values(user_id: int) -> dict[int, ProfileFieldValue]:
    return {v.field_id: v for v in db.session.scalars(
        select(ProfileFieldValue).where(ProfileFieldValue.user_id == user_id))}


def built_in_labels() -> dict[str, str]:
    from flask_babel import gettext as _

    return {"organisation": _("Organisation"), "function": _("Function"),
            "email": _("E-mail"), "phone": _("Phone"), "about": _("About me")}


def view_profile(person: User, locale: str) -> ProfileView:
    """What the viewer may see of this person's profile (the rule: may_see_profile_field)."""
    profile = profile_of(person.id)
    card = people_cards([person.id])[person.id]
    result = ProfileView(person=person, card=card)
    labels = built_in_labels()

    def seen(visibility) -> bool:
        return may_see_profile_field(person.id, visibility)

    if profile is not None:
        for key in ("organisation", "function"):
            value = getattr(profile, key)
            if value and seen(getattr(profile, f"{key}_visibility")):
                result.entries.append(Entry(key, labels[key], value))
    if seen(profile.email_visibility if profile else Visibility.PRIVATE):
        result.entries.append(Entry("email", labels["email"], person.email, kind="email"))
    if profile is not None:
        if profile.phone and seen(profile.phone_visibility):
            result.entries.append(Entry("phone", labels["phone"], profile.phone, kind="tel"))
        if profile.about and seen(profile.about_visibility):
            result.entries.append(Entry("about", labels["about"], profile.about,
                                        html=Markup(profile.about_html)))
    values = custom_values(person.id)
    for f in custom_fields():
        v = values.get(f.id)
        if v is not None and v.value and seen(v.visibility):
            result.entries.append(Entry(f"field_{f.id}", f.label(locale), v.value,
                                        kind=f.kind.value))
    return result


@dataclass
class ProfileInput:
    name: str = ""
    organisation: str = ""
    function: str = ""
    phone: str = ""
    about: str = ""
    visibility: dict[str, Visibility] = dataclass_field(default_factory=dict)
    extra: dict[int, tuple[str, Visibility]] = dataclass_field(default_factory=dict)
    photo: object = None  # a readable stream, or None to keep the photo
    photo_filename: str = ""  # the uploaded file's name, as messages name it
    remove_photo: bool = False


def save_profile(user: User, data: ProfileInput) -> Profile:
    """Store one's own profile (made on first save). A refused photo raises PhotoRefused
    before anything is changed."""
    profile = profile_of(user.id)
    new_photo = None
    previous = profile.photo_name if profile else None
    if data.photo is not None:
        new_photo = photos.store_photo(data.photo, previous, data.photo_filename)
    if profile is None:
        profile = Profile(user_id=user.id)
        db.session.add(profile)
    profile.name = (data.name or "").strip()
    profile.organisation = (data.organisation or "").strip()
    profile.function = (data.function or "").strip()
    profile.phone = (data.phone or "").strip()
    profile.about = data.about or ""
    profile.about_html = render_markdown(profile.about) if profile.about.strip() else ""
    for key, visibility in data.visibility.items():
        setattr(profile, f"{key}_visibility", Visibility(visibility))
    if new_photo:
        profile.photo_name = new_photo
    elif data.remove_photo and previous:
        photos.drop_photo(previous)
        profile.photo_name = None
    profile.updated_at = utcnow()
    values = custom_values(user.id)
    for field_id, (value, visibility) in data.extra.items():
        row = values.get(field_id)
        if row is None:
            row = ProfileFieldValue(user_id=user.id, field_id=field_id)
            db.session.add(row)
        row.value = (value or "").strip()
        row.visibility = Visibility(visibility)
    db.session.flush()
    forget_cards()
    return profile


def forget_cards() -> None:
    if has_request_context():
        g.pop("_person_cards", None)


def add_field(label_nl: str, label_en: str, kind) -> ProfileField:
    position = (db.session.scalar(select(db.func.max(ProfileField.position))) or 0) + 1
    f = ProfileField(label_nl=label_nl.strip(), label_en=label_en.strip(), kind=kind,
                     position=position)
    db.session.add(f)
    db.session.flush()
    return f


def delete_field(field_id: int) -> bool:
    """Remove a field with everyone's values of it."""
    from sqlalchemy import delete

    f = db.session.get(ProfileField, field_id)
    if f is None:
        return False
    db.session.execute(delete(ProfileFieldValue).where(ProfileFieldValue.field_id == field_id))
    db.session.delete(f)
    db.session.flush()
    return True
