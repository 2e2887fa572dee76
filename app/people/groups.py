"""The groups overview: every theme (all themes are listed on the platform; a closed one shows
only that it exists), searchable by name, and the viewer's own; each with its type, member
count (one grouped query for the page) and the viewer's standing."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.permissions import Standing, standing
from app.themes.models import Membership, MembershipStatus, Theme


@dataclass
class GroupRow:
    theme: Theme
    members: int
    standing: Standing


@dataclass
class GroupsPage:
    rows: list[GroupRow]
    page: int
    pages: int
    total: int


def _with_ancestors(theme_ids) -> None:
    """Load these themes' ancestors into the session in one query, so that their names and
    the viewer's standing (which walks each lineage) need no query per theme."""
    if not theme_ids:
        return
    up = select(Theme.id.label("id"), Theme.parent_id.label("parent_id")).where(
        Theme.id.in_(theme_ids)).cte("lineage", recursive=True)
    up = up.union_all(select(Theme.id, Theme.parent_id).where(Theme.id == up.c.parent_id))
    db.session.scalars(select(Theme).where(Theme.id.in_(select(up.c.id)))).all()


def groups_page(user, *, q: str = "", mine: bool = False, page: int = 1,
                per_page: int = 20) -> GroupsPage:
    """One page of groups by name; `mine`: only those the viewer joined or asked to join."""
    query = select(Theme)
    if q:
        query = query.where(func.lower(Theme.name).contains(q.lower(), autoescape=True))
    if mine:
        query = query.where(Theme.id.in_(
            select(Membership.theme_id).where(Membership.user_id == user.id,
                                              Membership.status != MembershipStatus.REJECTED)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    themes = db.session.scalars(query.order_by(func.lower(Theme.name), Theme.id)
                                .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [t.id for t in themes]
    _with_ancestors(ids)
    counts = dict(db.session.execute(
        select(Membership.theme_id, func.count())
        .where(Membership.theme_id.in_(ids), Membership.status == MembershipStatus.ACTIVE)
        .group_by(Membership.theme_id)).all()) if ids else {}
    rows = [GroupRow(theme=t, members=counts.get(t.id, 0), standing=standing(user, t))
            for t in themes]
    return GroupsPage(rows=rows, page=page, pages=pages, total=total)
