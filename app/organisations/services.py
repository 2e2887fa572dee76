"""Organisations of a theme."""
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.extensions import db
from app.organisations.models import Organisation
from app.items.models import Item, ItemState
from app.themes.models import Membership
from app.themes.models import Theme
from app.themes.services import ThemeError
from app.transactions import insert_or_refuse


def _check_name(theme: Theme, name: str, other_than: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ThemeError(_("Give the organisation a name."), field="name")
    same = [Organisation.theme_id == theme.id, func.lower(Organisation.name) == name.lower()]
    if other_than is not None:
        same.append(Organisation.id != other_than)
    if db.session.scalar(select(Organisation.id).where(*same)):
        raise ThemeError(_("%(name)s is already on the list.", name=name), field="name")
    return name


def add_organisation(theme: Theme, *, name: str, description: str = "", vision: str = "",
                     contact_email: str | None = None) -> Organisation:
    """Add an organisation to the theme's list."""
    name = _check_name(theme, name)
    org = Organisation(theme_id=theme.id, name=name, description=(description or "").strip(),
                       vision=(vision or "").strip(), contact_email=contact_email or None)
    insert_or_refuse(org, ThemeError(_("%(name)s is already on the list.", name=name),
                                     field="name"))
    db.session.flush()
    return org


def update_organisation(org: Organisation, *, name: str, description: str = "", vision: str = "",
                        contact_email: str | None = None) -> Organisation:
    """Change an organisation's fiche. Posts in its name show the new name."""
    org.name = _check_name(org.theme, name, other_than=org.id)  # search follows (listener)
    org.description = (description or "").strip()
    org.vision = (vision or "").strip()
    org.contact_email = contact_email or None
    db.session.flush()
    return org


def organisation_usage(org: Organisation) -> tuple[int, int]:
    """(members who belong to it, posts written in its name), deleted posts not counted."""
    members = db.session.scalar(select(func.count(Membership.id)).where(
        Membership.organisation_id == org.id)) or 0
    posts = db.session.scalar(select(func.count(Item.id)).where(
        Item.organisation_id == org.id, Item.state != ItemState.DELETED)) or 0
    return members, posts


def remove_organisation(org: Organisation) -> None:
    """Take an organisation off the list. Its members stay members, without organisation; its
    posts stay, in their authors' names only."""
    _reindex_posts_of(org.id)
    db.session.execute(update(Membership).where(Membership.organisation_id == org.id)
                       .values(organisation_id=None).execution_options(synchronize_session=False))
    db.session.execute(update(Item).where(Item.organisation_id == org.id)
                       .values(organisation_id=None).execution_options(synchronize_session=False))
    db.session.delete(org)
    db.session.flush()


def _reindex_posts_of(organisation_id: int) -> None:
    """Posts in the organisation's name are found by its name: they are indexed again."""
    from app.search.index import touch
    for item_id in db.session.scalars(select(Item.id).where(Item.organisation_id == organisation_id)):
        touch(item_id)
