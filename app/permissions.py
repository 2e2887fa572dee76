"""The ONE policy module: who may see and do what. Views and templates both call it.

A membership applies to its theme and every subtheme below it; the strongest membership
in a theme's lineage (the theme and its ancestors) decides. The platform owner may do
everything. A viewer's memberships are loaded once per request (one query), so policy
checks inside lists cost no extra queries.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType


@dataclass(frozen=True)
class Standing:
    """A viewer's standing in one theme (after looking at its whole lineage)."""

    role: Role | None = None  # role from the strongest ACTIVE membership
    pending: bool = False  # a request waits (closed theme or closed part of a mixed theme)
    joined: bool = False  # any non-rejected membership in the lineage
    platform_owner: bool = False

    @property
    def is_member(self) -> bool:
        """May see members-only content: an accepted membership (or platform owner)."""
        return self.platform_owner or self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.platform_owner or (self.role is not None and self.role.rank >= Role.ADMIN.rank)

    @property
    def is_owner(self) -> bool:
        return self.platform_owner or self.role == Role.OWNER


def _user_memberships(user) -> dict[int, Membership]:
    """theme_id -> membership for the user, cached on flask.g for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cache_key = f"_memberships_{user.id}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    result = {m.theme_id: m for m in rows}
    if has_request_context():
        setattr(g, cache_key, result)
    return result


def forget_cached_memberships(user) -> None:
    """Call after changing a user's memberships within a request."""
    if has_request_context() and user is not None:
        g.pop(f"_memberships_{user.id}", None)


def standing(user, theme: Theme) -> Standing:
    """The viewer's standing in a theme."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_confirmed:
        return Standing()
    memberships = _user_memberships(user)
    best_role, pending, joined = None, False, False
    for theme_id in theme.lineage_ids():
        m = memberships.get(theme_id)
        if m is None or m.status == MembershipStatus.REJECTED:
            continue
        joined = True
        if m.status == MembershipStatus.PENDING:
            pending = True
        elif best_role is None or m.role.rank > best_role.rank:
            best_role = m.role
    if best_role is not None:
        pending = False
    return Standing(role=best_role, pending=pending, joined=joined,
                    platform_owner=bool(user.is_platform_owner))


def _viewer(user):
    return current_user if user is None else user


def can_see_members_only(theme: Theme, user=None) -> bool:
    """Members-only content (closed themes, the closed part of mixed themes)."""
    return standing(_viewer(user), theme).is_member


def can_post_public(theme: Theme, user=None) -> bool:
    """May write in the public (moderated) part: half-open, or mixed after joining."""
    s = standing(_viewer(user), theme)
    if theme.workgroup_type == WorkgroupType.CLOSED:
        return s.is_member
    return s.is_member or s.joined


def can_post_closed(theme: Theme, user=None) -> bool:
    """May write in the members-only part (closed theme, or closed part of a mixed theme)."""
    return theme.workgroup_type != WorkgroupType.HALF_OPEN and standing(_viewer(user), theme).is_member


def can_see_member_list(theme: Theme, user=None) -> bool:
    return standing(_viewer(user), theme).is_member


def can_administer(theme: Theme, user=None) -> bool:
    """Theme admins and owner (of this theme or an ancestor), and the platform owner."""
    return standing(_viewer(user), theme).is_admin


def can_manage_roles(theme: Theme, user=None) -> bool:
    """Appoint/remove admins and transfer ownership: the owner and the platform owner."""
    return standing(_viewer(user), theme).is_owner


def is_platform_owner(user=None) -> bool:
    u = _viewer(user)
    return bool(getattr(u, "is_authenticated", False) and u.is_platform_owner and u.is_confirmed)


def template_helpers() -> dict:
    """Exposed to Jinja so templates ask the same policy as views."""
    return {
        "standing": lambda theme: standing(current_user, theme),
        "can_see_members_only": can_see_members_only,
        "can_post_public": can_post_public,
        "can_post_closed": can_post_closed,
        "can_see_member_list": can_see_member_list,
        "can_administer": can_administer,
        "can_manage_roles": can_manage_roles,
        "is_platform_owner": is_platform_owner,
    }
