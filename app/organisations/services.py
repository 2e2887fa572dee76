"""Organisations of a theme."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.organisations.models import Organisation
from app.themes.models import Theme
from app.themes.services import ThemeError
from app.transactions import insert_or_refuse


def add_organisation(theme: Theme, *, name: str, description: str = "", vision: str = "",
                     contact_email: str | None = None) -> Organisation:
    """Add an organisation to the theme's list. Commits."""
    name = name.strip()
    on_the_list = ThemeError(_("%(name)s is already on the list.", name=name), field="name")
    if db.session.scalar(select(Organisation.id).where(
            Organisation.theme_id == theme.id, func.lower(Organisation.name) == name.lower())):
        raise on_the_list
    org = Organisation(theme_id=theme.id, name=name, description=(description or "").strip(),
                       vision=(vision or "").strip(), contact_email=contact_email or None)
    insert_or_refuse(org, on_the_list)
    db.session.commit()
    return org
