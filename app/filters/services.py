"""Categories and filter groups: what a theme offers (its own plus its ancestors')."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.filters.models import Category, FilterGroup, FilterValue
from app.themes.models import Theme
from app.themes.services import ThemeError
from app.transactions import insert_or_refuse


def categories_for(theme: Theme, counts=None) -> list[Category]:
    """Categories of the theme and its ancestors, the ancestors' first.

    `counts`, a subquery of (category_id, n), sets `c.count` on each in the same query."""
    lineage = theme.lineage_ids()
    q = select(Category).where(Category.theme_id.in_(lineage))
    if counts is None:
        rows = db.session.scalars(q).all()
    else:
        rows = []
        for category, n in db.session.execute(
                q.add_columns(counts.c.n).outerjoin(counts, counts.c.category_id == Category.id)):
            category.count = n or 0
            rows.append(category)
    return sorted(rows, key=lambda c: (lineage.index(c.theme_id), c.position, c.name.lower()))


def filter_groups_for(theme: Theme) -> list[FilterGroup]:
    """Filter groups (with their values) of the theme and its ancestors."""
    lineage = theme.lineage_ids()
    rows = db.session.scalars(select(FilterGroup).where(FilterGroup.theme_id.in_(lineage))
                              .options(joinedload(FilterGroup.values))).unique().all()
    return sorted(rows, key=lambda g: (lineage.index(g.theme_id), g.position, g.name.lower()))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ThemeError(_("Give a name."), field="name")
    if len(name) > 60:
        raise ThemeError(_("Use at most 60 characters."), field="name")
    return name


def _exists(name: str) -> ThemeError:
    return ThemeError(_("%(name)s already exists.", name=name), field="name")


def _add_named(model, theme: Theme, name: str, existing) -> object:
    """Add a category or filter group to the theme, unique by name in its lineage."""
    name = _clean_name(name)
    if any(item.name.lower() == name.lower() for item in existing):
        raise _exists(name)
    position = db.session.scalar(select(func.count(model.id))
                                 .where(model.theme_id == theme.id)) or 0
    item = model(theme_id=theme.id, name=name, position=position)
    insert_or_refuse(item, _exists(name))
    db.session.flush()
    return item


def add_category(theme: Theme, name: str) -> Category:
    return _add_named(Category, theme, name, categories_for(theme))


def add_filter_group(theme: Theme, name: str) -> FilterGroup:
    return _add_named(FilterGroup, theme, name, filter_groups_for(theme))


def add_filter_value(group: FilterGroup, name: str) -> FilterValue:
    name = _clean_name(name)
    if any(v.name.lower() == name.lower() for v in group.values):
        raise _exists(name)
    value = FilterValue(group_id=group.id, name=name, position=len(group.values))
    insert_or_refuse(value, _exists(name))
    db.session.flush()
    return value


def own_category(theme: Theme, category_id: int) -> Category | None:
    """A category defined by this very theme (only those can be removed here)."""
    c = db.session.get(Category, category_id)
    return c if c is not None and c.theme_id == theme.id else None


def own_group(theme: Theme, group_id: int) -> FilterGroup | None:
    g = db.session.get(FilterGroup, group_id)
    return g if g is not None and g.theme_id == theme.id else None


def own_value(theme: Theme, value_id: int) -> FilterValue | None:
    v = db.session.get(FilterValue, value_id)
    return v if v is not None and v.group.theme_id == theme.id else None


def remove(obj) -> None:
    """Remove a category, group or value; posts keep their text, only the tag goes."""
    db.session.delete(obj)
    db.session.flush()

