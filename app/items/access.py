"""Who reads and who writes an item of the group kinds (wiki pages, tasks): the form fields,
the checks of what was chosen, and the member lists the form offers.

The rules themselves are app.permissions' (may_write_in_part, can_see_member_list,
can_change_readers); this module applies them to what a form sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField

from app.errors import DomainError
from app.forms import choices
from app.items.models import Part, WriteAccess, read_access_for
from app.permissions import can_see_member_list, may_write_in_part
from app.themes.models import WorkgroupType
from app.themes.services import theme_members
from app.urls import parse_id

WRITE_ACCESS_LABELS = {
    WriteAccess.AUTHOR: _l("Only me (and the admins)"),
    WriteAccess.MEMBERS: _l("Every member of the theme"),
    WriteAccess.CHOSEN: _l("Me and the writers I choose below"),
    WriteAccess.ADMINS: _l("Only the admins"),
}


class AccessError(DomainError):
    """A choice of part, readers or writers that the rules refuse."""


class AccessFields:
    """Form fields shared by the item forms: where it goes, who reads it, who writes it."""

    part = RadioField(_l("Where does it go?"), validate_choice=False,
                      choices=choices([("public", _l("Public part: everyone can read it after "
                                                     "an admin has approved it")),
                                       ("closed", _l("Closed part: only members read it"))]))
    audience = SelectMultipleField(_l("Only for these participants (optional)"), coerce=int,
                                   validate_choice=False,
                                   description=_l("Leave empty for everyone who may read this "
                                                  "part. Admins always see it."))
    write_access = RadioField(_l("Who may change it?"), validate_choice=False,
                              default=WriteAccess.AUTHOR.value,
                              choices=choices([(w.value, label)
                                               for w, label in WRITE_ACCESS_LABELS.items()]))
    writers = SelectMultipleField(_l("Chosen writers"), coerce=int, validate_choice=False)


@dataclass
class AccessInput:
    part: str | None = None
    audience_ids: list[int] = field(default_factory=list)
    write_access: str | None = None
    writer_ids: list[int] = field(default_factory=list)


def access_input(form) -> AccessInput:
    return AccessInput(part=form.part.data, audience_ids=form.audience.data or [],
                       write_access=form.write_access.data, writer_ids=form.writers.data or [])


def member_choices(theme, author):
    """The members the form offers as readers, writers or assignees (none for those who may
    not see the member list). A submitted form checks only the chosen people."""
    if not can_see_member_list(theme, author):
        return []
    return [m for m in theme_members(theme)]


def submitted_ids(name: str) -> set[int]:
    return {i for i in map(parse_id, request.form.getlist(name)) if i}


def part_for(theme, requested: str | None) -> Part:
    """Where a new item goes: fixed by the theme's type, or the author's choice in mixed."""
    if theme.workgroup_type == WorkgroupType.HALF_OPEN:
        return Part.PUBLIC
    if theme.workgroup_type == WorkgroupType.CLOSED:
        return Part.CLOSED
    if requested not in (Part.PUBLIC.value, Part.CLOSED.value):
        raise AccessError(_("Choose the public or the closed part."), field="part")
    return Part(requested)


def check_part(theme, author, requested) -> Part:
    part = part_for(theme, requested)
    if not may_write_in_part(theme, part, author):
        raise AccessError(_("You cannot write here yet: join this theme first.")
                          if part == Part.PUBLIC else
                          _("Only accepted members can write in the closed part."), field="part")
    return part


def _members_among(theme, author, ids, field_name):
    if not ids:
        return []
    if not can_see_member_list(theme, author):
        raise AccessError(_("Only accepted members can choose people."), field=field_name)
    members = {m.user_id: m.user for m in theme_members(theme, among=ids)}
    chosen = []
    for uid in sorted(set(ids)):
        if uid not in members:
            raise AccessError(_("Choose people from this theme's member list."),
                              field=field_name)
        chosen.append(members[uid])
    return chosen


def check_readers(theme, author, ids):
    """The chosen readers (other than the author), all members of the theme."""
    return [u for u in _members_among(theme, author, ids, "audience") if u.id != author.id]


def check_write_access(theme, author, value, writer_ids):
    """(write access, chosen writers)."""
    try:
        access = WriteAccess(value or WriteAccess.AUTHOR.value)
    except ValueError:
        raise AccessError(_("Choose who may change it."), field="write_access")
    writers = [u for u in _members_among(theme, author, writer_ids, "writers")
               if u.id != author.id]
    if access == WriteAccess.CHOSEN and not writers:
        raise AccessError(_("Choose at least one writer, or another option."), field="writers")
    return access, writers if access == WriteAccess.CHOSEN else []


def apply_access(item, theme, author, data: AccessInput, *, may_change: bool, new: bool):
    """Set part (new items), readers and write access on `item` from what the form chose;
    `may_change` is permissions.can_change_readers (others keep what is there)."""
    if new:
        item.part = check_part(theme, author, data.part)
    if may_change:
        readers = check_readers(theme, author, data.audience_ids)
        access, writers = check_write_access(theme, author, data.write_access, data.writer_ids)
        item.readers, item.write_access, item.writers = readers, access, writers
        item.read_access = read_access_for(item.part, bool(readers))
