"""Rules for themes and memberships: joining, deciding requests, roles and ownership.

Services own the transaction: they commit once, then send mail (mail never goes out for a
change that did not commit).
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

from flask import g, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import DomainError
from app.auth.models import User
from app.extensions import db
from app.urls import external_url
from app.mail.services import send_mail
from app.organisations.models import Organisation
from app.features.models import ThemeFeature
from app.permissions import (forget_cached_memberships, opens_members_only_clause,
                             remember_switches, standing)
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType
from app.timeutil import utcnow
from app.transactions import insert_once, insert_or_refuse, is_unique_violation

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ThemeError(DomainError):
    """A rule of themes and memberships was broken; the message is shown to the user."""


class AlreadyDecided(ThemeError):
    pass


# ---------------------------------------------------------------- lookups

def get_theme_by_slug(slug: str) -> Theme | None:
    """The theme with its ancestors (and their switched-off kinds of content) and its live
    subthemes, loaded in the same query: policy checks walk the lineage, theme pages list the
    subthemes."""
    chain = select(Theme.id, Theme.parent_id).where(Theme.slug == slug).cte("lineage", recursive=True)
    chain = chain.union_all(select(Theme.id, Theme.parent_id).where(Theme.id == chain.c.parent_id))
    child = (Theme.parent_id == select(Theme.id).where(Theme.slug == slug).scalar_subquery()) \
        & Theme.deleted_at.is_(None)
    rows = db.session.execute(
        select(Theme, ThemeFeature.kind, child.label("is_child"))
        .where(Theme.id.in_(select(chain.c.id)) | child)
        .outerjoin(ThemeFeature, (ThemeFeature.theme_id == Theme.id)
                   & ThemeFeature.enabled.is_(False))
        .order_by(Theme.position, Theme.name)).all()
    by_id = {t.id: t for t, _kind, _child in rows}
    children = list({t.id: t for t, _kind, is_child in rows if is_child}.values())
    lineage = [t for t in by_id.values() if t not in children]
    if any(t.deleted_at is not None for t in lineage):  # it, or a theme above it, is deleted
        return None
    remember_switches(by_id, [(t.id, kind) for t, kind, _child in rows])
    for t in by_id.values():  # link them now: the session holds unreferenced objects only weakly
        set_committed_value(t, "parent", by_id.get(t.parent_id))
    theme = next((t for t in lineage if t.slug == slug), None)
    if theme is not None:
        set_committed_value(theme, "children", children)
    return theme


def top_level_themes() -> list[Theme]:
    return list(db.session.scalars(
        select(Theme).where(Theme.parent_id.is_(None), Theme.deleted_at.is_(None))
        .order_by(Theme.position, Theme.name)
        .options(db.selectinload(Theme.children))))


def theme_tree() -> list[Theme]:
    """All themes that are not deleted (nor below a deleted one), depth-first (parents
    before children), with `depth` known in memory."""
    themes = list(db.session.scalars(select(Theme).where(Theme.deleted_at.is_(None))
                                     .order_by(Theme.position, Theme.name)))
    by_parent: dict[int | None, list[Theme]] = {}
    for t in themes:
        by_parent.setdefault(t.parent_id, []).append(t)
    ordered: list[Theme] = []

    def walk(parent_id, depth):
        for t in by_parent.get(parent_id, []):
            t.tree_depth = depth
            ordered.append(t)
            walk(t.id, depth + 1)

    walk(None, 0)
    return ordered


def subtree_ids(theme: Theme) -> list[int]:
    """The theme's id and all its descendants' ids but deleted subthemes' (recursive CTE:
    one query; once per theme in a read request, which changes no theme)."""
    reading = has_request_context() and request.method == "GET"
    cache = g.setdefault("_subtree_ids", {}) if reading else {}
    if theme.id not in cache:
        tree = select(Theme.id).where(Theme.id == theme.id).cte("subtree", recursive=True)
        tree = tree.union_all(select(Theme.id).where(Theme.parent_id == tree.c.id,
                                                     Theme.deleted_at.is_(None)))
        cache[theme.id] = list(db.session.scalars(select(tree.c.id)))
    return list(cache[theme.id])


def organisation_choices(theme: Theme) -> list[Organisation]:
    """Organisations a member of this theme may belong to: those of the theme's lineage."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.theme_id.in_(theme.lineage_ids()))
        .order_by(Organisation.name)))


def _organisation_for(theme: Theme, organisation_id: int | None) -> Organisation | None:
    if not organisation_id:
        return None
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.theme_id not in theme.lineage_ids():
        raise ThemeError(_("Choose an organisation from this theme's list."), field="organisation")
    return org


def theme_admins(theme: Theme) -> list[User]:
    """Confirmed admins and owners of the theme or any ancestor (who handle its requests)."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.theme_id.in_(theme.lineage_ids()),
               Membership.status == MembershipStatus.ACTIVE,
               Membership.role.in_([Role.ADMIN, Role.OWNER]),
               User.email_confirmed_at.is_not(None))
        .distinct().order_by(User.id)))


def owner_of(theme: Theme) -> User | None:
    return db.session.scalar(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.theme_id == theme.id, Membership.role == Role.OWNER))


# ---------------------------------------------------------------- themes

def create_theme(*, name: str, slug: str, workgroup_type: WorkgroupType | str,
                 description: str = "", parent: Theme | None = None) -> Theme:
    """Add a theme (parent=None: a top-level organisation/project). Does not commit; a
    refusal rolls the transaction back."""
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise ThemeError(_("Use lower-case letters, digits and single hyphens, e.g. zorgregio-noord."),
                         field="slug")
    taken = ThemeError(_("The address %(slug)s is already taken.", slug=slug), field="slug")
    if get_theme_by_slug(slug) is not None:
        raise taken
    theme = Theme(name=name.strip(), slug=slug, description=(description or "").strip(),
                  workgroup_type=WorkgroupType(workgroup_type),
                  parent_id=parent.id if parent is not None else None)
    insert_or_refuse(theme, taken)
    return theme


def appoint_owner(theme: Theme, user: User, decided_by: User | None = None) -> Membership:
    """Make `user` the theme's one owner; a previous owner stays on as admin. Does not commit."""
    previous = db.session.scalar(
        select(Membership).where(Membership.theme_id == theme.id, Membership.role == Role.OWNER))
    if previous is not None and previous.user_id == user.id:
        return previous
    if previous is not None:
        previous.role = Role.ADMIN
        db.session.flush()  # the one-owner index must see the demotion first
    membership = db.session.scalar(
        select(Membership).where(Membership.theme_id == theme.id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(user_id=user.id, theme_id=theme.id, role=Role.OWNER,
                                status=MembershipStatus.ACTIVE, decided_at=utcnow(),
                                decided_by_id=decided_by.id if decided_by else None)
        if not insert_once(membership):  # a concurrent request appointed someone meanwhile:
            return appoint_owner(theme, user, decided_by)  # decide again on what it stored
    else:
        membership.role = Role.OWNER
        membership.status = MembershipStatus.ACTIVE
        membership.decided_at = utcnow()
        membership.decided_by = decided_by
        db.session.flush()
    forget_cached_memberships(user)
    return membership


# ---------------------------------------------------------------- joining

def join_theme(user: User, theme: Theme, organisation_id: int | None = None) -> Membership:
    """Join a theme by its type's rule. Does not commit; see notify_request_if_pending().

    half-open: active at once. closed: a pending request. mixed: the public part at once,
    the closed part once an admin accepts the (pending) request.
    """
    s = standing(user, theme) if user.is_confirmed else None
    if s is not None and s.is_member:
        raise ThemeError(_("You are already a member of %(theme)s.", theme=theme.name))
    organisation = _organisation_for(theme, organisation_id)
    membership = db.session.scalar(
        select(Membership).where(Membership.theme_id == theme.id, Membership.user_id == user.id))
    if membership is not None and membership.status == MembershipStatus.PENDING:
        raise ThemeError(_("Your request to join %(theme)s is waiting for an admin.",
                           theme=theme.name))
    status = (MembershipStatus.ACTIVE if theme.workgroup_type == WorkgroupType.HALF_OPEN
              else MembershipStatus.PENDING)
    if membership is None:
        membership = Membership(user_id=user.id, theme_id=theme.id, role=Role.MEMBER,
                                status=status, created_at=utcnow(),
                                organisation_id=organisation.id if organisation else None)
        if not insert_once(membership):  # an identical request joined meanwhile: answer as
            forget_cached_memberships(user)  # to a second submit, from what that one stored
            return join_theme(user, theme, organisation_id)
    else:  # asking again after a rejection
        membership.organisation = organisation
        membership.created_at = utcnow()
        membership.decided_at = None
        membership.decided_by = None
        membership.status = status
        db.session.flush()
    forget_cached_memberships(user)
    return membership


def notify_request_if_pending(membership: Membership) -> None:
    """Queue a mail to the theme's admins that a confirmed person asks to join (before the
    caller commits: the mail goes out with the request, or not at all)."""
    if membership.status != MembershipStatus.PENDING or not membership.user.is_confirmed:
        return
    theme = membership.theme
    link = external_url("moderation.queue", _theme=theme, slug=theme.slug, kind="members")
    for admin in theme_admins(theme):
        send_mail(admin.email, lambda: _("New membership request for %(theme)s", theme=theme.name),
                  "membership_request", locale=admin.locale, user=admin, admin=admin,
                  applicant=membership.user, theme=theme, link=link)


def pending_requests(theme: Theme) -> list[Membership]:
    """Requests from confirmed people for this theme and its subthemes, oldest first."""
    return list(db.session.scalars(
        select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.theme_id.in_(subtree_ids(theme)),
               Membership.status == MembershipStatus.PENDING,
               User.email_confirmed_at.is_not(None))
        .options(db.joinedload(Membership.user), db.joinedload(Membership.organisation),
                 db.joinedload(Membership.theme))
        .order_by(Membership.created_at, Membership.id)))


def decide_request(membership_id: int, admin: User, accept: bool) -> Membership:
    """Accept or reject a pending request. The first decision wins (conditional update);
    the decision is written to the audit log in the same transaction."""
    from app.moderation import audit
    from app.moderation.models import Action

    new_status = MembershipStatus.ACTIVE if accept else MembershipStatus.REJECTED
    result = db.session.execute(
        update(Membership)
        .where(Membership.id == membership_id, Membership.status == MembershipStatus.PENDING)
        .values(status=new_status, decided_at=utcnow(), decided_by_id=admin.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        membership = db.session.get(Membership, membership_id)
        who = membership.decided_by.username if membership and membership.decided_by else "?"
        raise AlreadyDecided(_("This request was already decided by %(name)s.", name=who))
    membership = db.session.get(Membership, membership_id)
    db.session.refresh(membership)
    audit.record(theme_id=membership.theme_id, actor=admin,
                 action=Action.ACCEPT_MEMBER if accept else Action.REJECT_MEMBER,
                 target=f"membership:{membership_id}", summary=membership.user.username)
    applicant, theme = membership.user, membership.theme
    send_mail(applicant.email,
              (lambda: _("Welcome to %(theme)s", theme=theme.name)) if accept else
              (lambda: _("Your request to join %(theme)s", theme=theme.name)),
              "membership_decision", locale=applicant.locale, user=applicant, theme=theme,
              accepted=accept, link=external_url("themes.show", _theme=theme, slug=theme.slug))
    db.session.flush()
    return membership


# ---------------------------------------------------------------- roles

def theme_members(theme: Theme, among: Iterable[int] | None = None) -> list[Membership]:
    """Active memberships of this theme and its ancestors that make someone a member here
    (permissions.opens_members_only: below a half-open theme, a closed or mixed theme counts
    only accepted memberships and admin roles), by role; `among`: only these users (checking
    a choice without loading every member)."""
    q = (select(Membership).join(User, Membership.user_id == User.id)
         .where(Membership.theme_id.in_(theme.lineage_ids()),
                Membership.status == MembershipStatus.ACTIVE,
                User.email_confirmed_at.is_not(None)))
    if theme.workgroup_type != WorkgroupType.HALF_OPEN:
        q = q.join(Theme, Theme.id == Membership.theme_id).where(
            opens_members_only_clause(Membership.role, Theme.workgroup_type))
    if among is not None:
        q = q.where(Membership.user_id.in_(set(among)))
    rows = db.session.scalars(
        q.options(db.joinedload(Membership.user), db.joinedload(Membership.organisation))
        .order_by(User.username)).unique().all()
    best: dict[int, Membership] = {}
    for m in rows:
        if m.user_id not in best or m.role.rank > best[m.user_id].role.rank:
            best[m.user_id] = m
    return sorted(best.values(), key=lambda m: (-m.role.rank, m.user.username.lower()))


def _membership_in(theme: Theme, membership_id: int) -> Membership:
    m = db.session.get(Membership, membership_id)
    if m is None or m.theme_id != theme.id or m.status != MembershipStatus.ACTIVE:
        raise ThemeError(_("That person is not a member of this theme."))
    return m


def set_role(theme: Theme, membership_id: int, role: Role) -> Membership:
    """Appoint a member admin or make an admin a member again."""
    if role not in (Role.ADMIN, Role.MEMBER):
        raise ThemeError(_("Use 'transfer ownership' to change the owner."))
    m = _membership_in(theme, membership_id)
    if m.role == Role.OWNER:
        raise ThemeError(_("The owner's role changes only by transferring ownership."))
    m.role = role
    db.session.flush()
    return m


def transfer_ownership(theme: Theme, membership_id: int, by: User) -> Membership:
    """Hand the theme to another member; the previous owner stays on as admin."""
    m = _membership_in(theme, membership_id)
    if m.role == Role.OWNER:
        raise ThemeError(_("%(name)s already owns this theme.", name=m.user.username))
    try:
        appoint_owner(theme, m.user, decided_by=by)
        db.session.flush()
    except IntegrityError as exc:  # the one-owner index: another transfer won meanwhile
        if not is_unique_violation(exc):
            raise
        db.session.rollback()
        raise ThemeError(_("Ownership changed meanwhile; please try again."))
    return m
