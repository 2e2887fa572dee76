"""The owner's and admins' powers beyond deciding requests: deleting a theme (recoverable by
the platform owner for DELETED_THEME_DAYS, then purged), inviting people by e-mail, and the
member list by role, page by page."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.errors import DomainError
from app.extensions import db
from app.mail.services import send_mail
from app.permissions import forget_cached_memberships, opens_members_only_clause, standing
from app.themes.models import Invitation, Membership, MembershipStatus, Role, Theme, WorkgroupType
from app.timeutil import utcnow
from app.urls import external_url


class RoleError(DomainError):
    """A rule of roles, invitations or deleting a theme was broken (shown to the user)."""


# ---------------------------------------------------------------- member list

@dataclass
class MemberPage:
    memberships: list[Membership]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _rank():
    return case((Membership.role == Role.OWNER, 3), (Membership.role == Role.ADMIN, 2), else_=1)


def member_page(theme: Theme, page: int = 1, per_page: int = 50) -> MemberPage:
    """The people who are members here (the rule of services.theme_members), owner first,
    then admins, then members by name; each person once, with their strongest membership.
    Three queries whatever the number of members."""
    scope = (select(Membership.user_id.label("user_id"), func.max(_rank()).label("rank"))
             .join(User, Membership.user_id == User.id)
             .where(Membership.theme_id.in_(theme.lineage_ids()),
                    Membership.status == MembershipStatus.ACTIVE,
                    User.email_confirmed_at.is_not(None)))
    if theme.workgroup_type != WorkgroupType.HALF_OPEN:
        scope = scope.join(Theme, Theme.id == Membership.theme_id).where(
            opens_members_only_clause(Membership.role, Theme.workgroup_type))
    scope = scope.group_by(Membership.user_id).subquery()
    total = db.session.scalar(select(func.count()).select_from(scope)) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    ranked = db.session.execute(
        select(scope.c.user_id, scope.c.rank).join(User, User.id == scope.c.user_id)
        .order_by(scope.c.rank.desc(), func.lower(User.username), User.id)
        .offset((page - 1) * per_page).limit(per_page)).all()
    order = {user_id: i for i, (user_id, _r) in enumerate(ranked)}
    rows = db.session.scalars(
        select(Membership).where(Membership.user_id.in_(order),
                                 Membership.theme_id.in_(theme.lineage_ids()),
                                 Membership.status == MembershipStatus.ACTIVE)
        .options(joinedload(Membership.user), joinedload(Membership.organisation),
                 joinedload(Membership.theme))).unique().all()
    best: dict[int, Membership] = {}
    for m in rows:
        if m.user_id not in best or m.role.rank > best[m.user_id].role.rank:
            best[m.user_id] = m
    return MemberPage(sorted(best.values(), key=lambda m: order[m.user_id]), total, page, per_page)


def transfer_candidates(theme: Theme) -> list[Membership]:
    """Who may receive the theme: its own active, confirmed members and admins (one query)."""
    return list(db.session.scalars(
        select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.theme_id == theme.id, Membership.status == MembershipStatus.ACTIVE,
               Membership.role != Role.OWNER, User.email_confirmed_at.is_not(None))
        .options(joinedload(Membership.user)).order_by(func.lower(User.username))))


# ---------------------------------------------------------------- deleting a theme

def deleted_theme_days() -> int:
    return current_app.config["DELETED_THEME_DAYS"]


def delete_theme(theme: Theme, confirmation: str, by: User) -> None:
    """Delete the theme once its name is typed exactly: it and everything in it is gone from
    every page at once (app.permissions.live_theme_clause); the platform owner can restore
    it until the purge."""
    from app.moderation import audit
    from app.moderation.models import Action

    if (confirmation or "").strip() != theme.name:
        raise RoleError(_("Type the theme's name exactly as shown to delete it."),
                        field="confirmation")
    done = db.session.execute(update(Theme).where(Theme.id == theme.id, Theme.deleted_at.is_(None))
                              .values(deleted_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise RoleError(_("This theme is deleted already."))
    audit.record(theme_id=theme.id, actor=by, action=Action.DELETE_THEME,
                 target=f"theme:{theme.id}", summary=theme.name)
    db.session.flush()


def deleted_themes() -> list[Theme]:
    """Deleted themes, most recently deleted first (for the platform owner)."""
    return list(db.session.scalars(select(Theme).where(Theme.deleted_at.is_not(None))
                                   .order_by(Theme.deleted_at.desc())))


def restore_theme(theme_id: int, by: User) -> Theme:
    from app.moderation import audit
    from app.moderation.models import Action

    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.deleted_at is None:
        raise RoleError(_("This theme is not deleted."))
    theme.deleted_at = None
    audit.record(theme_id=theme.id, actor=by, action=Action.RESTORE_THEME,
                 target=f"theme:{theme.id}", summary=theme.name)
    db.session.flush()
    return theme


def purge_deleted_themes(now=None) -> int:
    """Remove for good the themes deleted longer than DELETED_THEME_DAYS ago, with their
    subthemes and everything in them (app.cascade); their files go after the commit."""
    from app.cascade import delete_rows

    cutoff = (now or utcnow()) - timedelta(days=deleted_theme_days())
    ids = list(db.session.scalars(select(Theme.id).where(Theme.deleted_at < cutoff)))
    delete_rows("theme", ids)
    db.session.flush()
    return len(ids)


# ---------------------------------------------------------------- invitations

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_days() -> int:
    return current_app.config["INVITATION_DAYS"]


def open_invitations(theme: Theme) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(Invitation.theme_id == theme.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .options(joinedload(Invitation.invited_by)).order_by(Invitation.created_at.desc())))


def invite(theme: Theme, email: str, by: User) -> Invitation:
    """Invite an address: a mail with a link that works once, until it expires. Someone who
    already has an account also finds it in their notification list."""
    from app.auth.services import find_user_by_email, normalise_email
    from app.inbox import services as inbox
    from app.inbox.models import NoticeKind

    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None and existing.is_confirmed and standing(existing, theme).is_member:
        raise RoleError(_("%(email)s is a member already.", email=email), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(theme_id=theme.id, email=email, token_hash=_hash(token),
                            invited_by_id=by.id, created_at=utcnow(),
                            expires_at=utcnow() + timedelta(days=invitation_days()))
    db.session.add(invitation)
    db.session.flush()
    link = external_url("roles.invitation", token=token)
    send_mail(email, lambda: _("%(name)s invites you to %(theme)s", name=by.username,
                               theme=theme.name),
              "invitation", locale=existing.locale if existing else by.locale, kind="account",
              user=existing, theme=theme, inviter=by, link=link, days=invitation_days())
    if existing is not None and existing.is_confirmed:
        inbox.add(existing.id, NoticeKind.INVITATION, theme_id=theme.id, actor=by,
                  link=link)
    return invitation


def revoke(theme: Theme, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.theme_id != theme.id:
        raise RoleError(_("This invitation does not exist."))
    if not invitation.is_open:
        raise RoleError(_("This invitation is used, revoked or expired already."))
    invitation.revoked_at = utcnow()
    db.session.flush()
    return invitation


class InvitationUnusable(RoleError):
    """The link is unknown, used, revoked or expired, or its theme is gone."""


def invitation_for(token: str) -> Invitation:
    """The open invitation of a link (its theme still there); InvitationUnusable otherwise."""
    from app.themes.services import get_theme_by_slug

    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == _hash(token or "")))
    if (invitation is None or not invitation.is_open
            or get_theme_by_slug(invitation.theme.slug) is None):
        raise InvitationUnusable(_("This invitation link is used, revoked or expired. Ask the "
                                   "theme's admin for a new one."))
    return invitation


def accept(token: str, user: User) -> Membership:
    """Join the invitation's theme as an active member (or keep one's stronger role). The
    first use of the link wins (a conditional update); every later one is refused."""
    invitation = invitation_for(token)
    used = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
        .execution_options(synchronize_session=False)).rowcount
    if used != 1:
        db.session.rollback()
        raise InvitationUnusable(_("This invitation link is used, revoked or expired. Ask the "
                                   "theme's admin for a new one."))
    theme = invitation.theme
    membership = db.session.scalar(select(Membership).where(
        Membership.theme_id == theme.id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(user_id=user.id, theme_id=theme.id, role=Role.MEMBER,
                                status=MembershipStatus.ACTIVE, created_at=utcnow(),
                                decided_at=utcnow(), decided_by_id=invitation.invited_by_id)
        db.session.add(membership)
    elif membership.status != MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.ACTIVE
        membership.decided_at = utcnow()
        membership.decided_by_id = invitation.invited_by_id
    db.session.flush()
    forget_cached_memberships(user)
    return membership


def register_invited(token: str, username: str, password: str, locale: str) -> User:
    """Create the account of an invited address that has none yet, and join the theme. The
    invitation came by mail to that address, so the account is confirmed at once."""
    from app.auth.services import _username_taken, find_user_by_email
    from app.transactions import insert_once

    invitation = invitation_for(token)
    if find_user_by_email(invitation.email) is not None:
        raise RoleError(_("This address has an account already: log in to accept."),
                        field="username")
    username = (username or "").strip()
    if _username_taken(username):
        raise RoleError(_("This user name is taken; choose another."), field="username")
    user = User(email=invitation.email, username=username, locale=locale,
                email_confirmed_at=utcnow())
    user.set_password(password)
    if not insert_once(user):  # the same address or name was registered a moment ago
        db.session.rollback()
        raise RoleError(_("This user name is taken; choose another."), field="username")
    accept(token, user)
    return user
