"""The ONE policy module: who may see and do what. Views and templates both call it.

A membership applies to its theme and every subtheme below it; the strongest membership
in a theme's lineage (the theme and its ancestors) decides. A membership never opens more
than its theme's type gives: one that was accepted automatically (a plain member of a
half-open theme) opens the public parts below it, but members-only content (a closed theme,
the closed part of a mixed one) needs an accepted membership of that theme or of a closed or
mixed ancestor, or an admin or owner role in the lineage. The platform owner may do
everything. A viewer's memberships are loaded once per request (one query), so policy
checks inside lists cost no extra queries.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import literal, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.themes.models import Membership, MembershipStatus, Role, Theme, WorkgroupType


@dataclass(frozen=True)
class Standing:
    """A viewer's standing in one theme (after looking at its whole lineage)."""

    role: Role | None = None  # role from the strongest ACTIVE membership
    pending: bool = False  # a request waits (closed theme or closed part of a mixed theme)
    joined: bool = False  # any non-rejected membership in the lineage
    platform_owner: bool = False
    opens: bool = False  # an ACTIVE membership that opens this theme's members-only content
    half_open: bool = False  # the theme itself is half-open

    @property
    def is_member(self) -> bool:
        """May see members-only content: an accepted membership (or platform owner)."""
        return self.platform_owner or self.opens

    @property
    def may_join(self) -> bool:
        """May join (half-open) or ask to join (closed theme, closed part of a mixed theme)."""
        return not self.is_member and not self.pending and not (self.joined and self.half_open)

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
    rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id)
                              .options(joinedload(Membership.theme))).all()
    result = {m.theme_id: m for m in rows}
    if has_request_context():
        setattr(g, cache_key, result)
    return result


def forget_cached_memberships(user) -> None:
    """Call after changing a user's memberships within a request."""
    if has_request_context() and user is not None:
        g.pop(f"_memberships_{user.id}", None)
        g.pop(f"_viewer_{user.id}", None)


def opens_members_only(workgroup_type: WorkgroupType, role: Role) -> bool:
    """Does an ACTIVE membership of a theme of this type open the members-only content of the
    theme and the themes below it? Only if an admin accepted it (a closed or mixed theme) or
    it carries an admin role: a half-open theme accepts everyone automatically."""
    return role.rank >= Role.ADMIN.rank or workgroup_type != WorkgroupType.HALF_OPEN


def opens_members_only_clause(role_column, workgroup_type_column):
    """opens_members_only() as an SQL condition on a membership's role and its theme's type."""
    return (role_column.in_([r for r in Role if r.rank >= Role.ADMIN.rank])
            | (workgroup_type_column != WorkgroupType.HALF_OPEN))


def standing(user, theme: Theme) -> Standing:
    """The viewer's standing in a theme."""
    half_open = theme.workgroup_type == WorkgroupType.HALF_OPEN
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_confirmed:
        return Standing(half_open=half_open)
    memberships = _user_memberships(user)
    best_role, pending, joined, opens = None, False, False, False
    for node in theme.ancestors() + [theme]:
        m = memberships.get(node.id)
        if m is None or m.status == MembershipStatus.REJECTED:
            continue
        joined = True
        if m.status == MembershipStatus.PENDING:
            pending = True
            continue
        if best_role is None or m.role.rank > best_role.rank:
            best_role = m.role
        # A half-open theme has no members-only content: any active membership is enough.
        if half_open or opens_members_only(node.workgroup_type, m.role):
            opens = True
    return Standing(role=best_role, pending=pending and not opens, joined=joined,
                    platform_owner=bool(user.is_platform_owner), opens=opens,
                    half_open=half_open)


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


def may_write_in_part(theme: Theme, part, user=None) -> bool:
    """May create an item in this part of the theme (the public or the closed part)?"""
    from app.items.models import Part

    return can_post_closed(theme, user) if part == Part.CLOSED else can_post_public(theme, user)


def may_create(theme: Theme, kind, user=None) -> bool:
    """May this person create an item of this kind in the theme? The kind is on there, and
    they may write in one of its parts."""
    from app.features import KINDS

    u = _viewer(user)
    if u is None or not getattr(u, "is_authenticated", False):
        return False
    if not any(kind in (k.item_kind, *k.more_item_kinds) and feature_enabled(theme, k.key)
               for k in KINDS):
        return False
    return can_post_public(theme, u) or can_post_closed(theme, u)


def needs_approval(theme: Theme, part, user=None) -> bool:
    """Does what this person writes in this part wait for an admin? Public parts are
    moderated, except what the theme's own admins write."""
    from app.items.models import Part

    return part == Part.PUBLIC and not standing(_viewer(user), theme).is_admin


def can_see_member_list(theme: Theme, user=None) -> bool:
    return standing(_viewer(user), theme).is_member


def can_administer(theme: Theme, user=None) -> bool:
    """Theme admins and owner (of this theme or an ancestor), and the platform owner."""
    return standing(_viewer(user), theme).is_admin


def can_manage_roles(theme: Theme, user=None) -> bool:
    """Appoint/remove admins and transfer ownership: the owner and the platform owner."""
    return standing(_viewer(user), theme).is_owner


def can_delete_theme(theme: Theme, user=None) -> bool:
    """Delete the theme (recoverable by the platform owner for a while): its owner (or the
    owner of a theme above it) and the platform owner."""
    return standing(_viewer(user), theme).is_owner


def can_invite(theme: Theme, user=None) -> bool:
    """Invite people by e-mail and manage the open invitations: the theme's admins."""
    return standing(_viewer(user), theme).is_admin


def can_remove_member(theme: Theme, membership, user=None) -> bool:
    """Remove this membership of the theme (not one of a theme above it): admins remove
    members, only the owner removes an admin; nobody removes the owner, nor themselves."""
    u = _viewer(user)
    s = standing(u, theme)
    if (not s.is_admin or membership.theme_id != theme.id or membership.role == Role.OWNER
            or membership.user_id == getattr(u, "id", None)):
        return False
    return membership.role == Role.MEMBER or s.is_owner


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
        "can_delete_theme": can_delete_theme,
        "can_invite": can_invite,
        "can_remove_member": can_remove_member,
        "is_platform_owner": is_platform_owner,
        "can_edit_item": can_edit_item,
        "can_restore_item": can_restore_item,
        "can_add_files": can_add_files,
        "can_set_file_quota": can_set_file_quota,
        "can_change_readers": can_change_readers,
        "can_change_task": can_change_task,
        "can_delete_comment": can_delete_comment,
        "can_comment": can_comment,
        "can_report": can_report,
        "can_answer_event": can_answer_event,
        "can_see_attendees": can_see_attendees,
        "current_user_administers": lambda: bool(viewer_for().admin_theme_ids),
        "may_push": may_push,
        "can_mark_best_answer": can_mark_best_answer,
        "can_star_comment": can_star_comment,
        "can_moderate_item": can_moderate_item,
        "needs_approval": needs_approval,
        "may_create": may_create,
        "may_write_in_part": may_write_in_part,
        "feature_enabled": feature_enabled,
        "enabled_kinds": enabled_kinds,
    }


# ---------------------------------------------------------------------------- items
#
# THE visibility rule for items, their comments and what hangs off them (counts, attachments,
# search hits, digests, mails). Everything that shows an item builds its query from
# visible_items_clause(); nothing decides visibility anywhere else.
#
#   deleted, or its kind switched off -> nobody
#   admin of the item's theme       -> every other state
#   author                          -> own items in every other state (draft included)
#   anyone else                     -> published only, and by read access:
#       public                      -> everyone
#       members                     -> members of the theme (or of an ancestor) only
#       chosen                      -> the chosen readers; in the closed part only while
#                                      they are members


@dataclass(frozen=True)
class Viewer:
    """Who is looking, reduced to what the policy needs (computed once per request)."""

    user_id: int | None = None
    member_theme_ids: frozenset[int] = frozenset()  # themes whose members-only content is open
    admin_theme_ids: frozenset[int] = frozenset()  # themes this viewer administers
    platform_owner: bool = False
    # themes below any active membership (also automatic ones): what the person follows
    joined_theme_ids: frozenset[int] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


def _expand_subtrees(joined_ids: set[int], member_ids: set[int], admin_ids: set[int]
                     ) -> tuple[frozenset, frozenset, frozenset]:
    """(joined themes, member themes, admin themes), each with all descendants, in one
    recursive query."""
    from sqlalchemy import case, func

    if not joined_ids:
        return frozenset(), frozenset(), frozenset()

    def flag(ids):
        return case((Theme.id.in_(ids), 1), else_=0) if ids else literal(0)

    tree = (select(Theme.id.label("id"), flag(member_ids).label("member"),
                   flag(admin_ids).label("admin"))
            .where(Theme.id.in_(joined_ids)).cte("viewer_tree", recursive=True))
    tree = tree.union_all(
        select(Theme.id, tree.c.member, tree.c.admin).where(Theme.parent_id == tree.c.id))
    rows = db.session.execute(select(tree.c.id, func.max(tree.c.member), func.max(tree.c.admin))
                              .where(live_theme_clause(tree.c.id))
                              .group_by(tree.c.id)).all()
    return (frozenset(r[0] for r in rows), frozenset(r[0] for r in rows if r[1]),
            frozenset(r[0] for r in rows if r[2]))


def viewer_for(user=None) -> Viewer:
    """The policy's view of a user (default: the current user), cached per request."""
    user = _viewer(user)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_confirmed:
        return Viewer()
    cache_key = f"_viewer_{user.id}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    active = [m for m in _user_memberships(user).values()
              if m.status == MembershipStatus.ACTIVE]
    joined_ids = {m.theme_id for m in active}
    member_ids = {m.theme_id for m in active
                  if opens_members_only(m.theme.workgroup_type, m.role)}
    admin_ids = {m.theme_id for m in active if m.role.rank >= Role.ADMIN.rank}
    joined, members, admins = _expand_subtrees(joined_ids, member_ids, admin_ids)
    result = Viewer(user_id=user.id, member_theme_ids=members, admin_theme_ids=admins,
                    platform_owner=bool(user.is_platform_owner), joined_theme_ids=joined)
    if has_request_context():
        setattr(g, cache_key, result)
    return result


def viewers_for(users) -> dict[int, Viewer]:
    """viewer_for() of many users at once (digests): two queries whatever their number.
    The same rule as viewer_for: active memberships open their themes and every subtheme,
    members-only content only where opens_members_only() says so."""
    users = [u for u in users if u is not None]
    result = {u.id: Viewer() for u in users}
    confirmed = {u.id: u for u in users if u.is_confirmed}
    if not confirmed:
        return result
    joined_ids: dict[int, set[int]] = {uid: set() for uid in confirmed}
    member_ids: dict[int, set[int]] = {uid: set() for uid in confirmed}
    admin_ids: dict[int, set[int]] = {uid: set() for uid in confirmed}
    for user_id, theme_id, role, workgroup_type in db.session.execute(
            select(Membership.user_id, Membership.theme_id, Membership.role, Theme.workgroup_type)
            .join(Theme, Theme.id == Membership.theme_id)
            .where(Membership.user_id.in_(confirmed),
                   Membership.status == MembershipStatus.ACTIVE)):
        joined_ids[user_id].add(theme_id)
        if opens_members_only(workgroup_type, role):
            member_ids[user_id].add(theme_id)
        if role.rank >= Role.ADMIN.rank:
            admin_ids[user_id].add(theme_id)
    children: dict[int, list[int]] = {}
    for theme_id, parent_id in db.session.execute(select(Theme.id, Theme.parent_id)
                                                  .where(Theme.deleted_at.is_(None))):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(theme_id)
    gone = set(db.session.scalars(select(Theme.id).where(~live_theme_clause(Theme.id))))
    expanded: dict[frozenset, frozenset] = {}

    def with_subthemes(ids: set[int]) -> frozenset:
        key = frozenset(ids) - gone
        if key not in expanded:
            seen, todo = set(key), list(key)
            while todo:
                for child in children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
            expanded[key] = frozenset(seen)
        return expanded[key]

    for uid, user in confirmed.items():
        result[uid] = Viewer(user_id=uid, member_theme_ids=with_subthemes(member_ids[uid]),
                             admin_theme_ids=with_subthemes(admin_ids[uid]),
                             platform_owner=bool(user.is_platform_owner),
                             joined_theme_ids=with_subthemes(joined_ids[uid]))
    return result


def visible_items_clause(viewer: Viewer, in_theme: Theme | None = None):
    """SQL condition on Item: may this viewer see the item at all (any state)?

    With `in_theme`, the condition is for the items of that one theme: whether it is deleted
    and which kinds are on there are then decided here from the loaded theme (with its
    ancestors and switches, as get_theme_by_slug loads it) instead of inside the SQL."""
    from sqlalchemy import and_, or_

    from app.items.models import Item, ItemState, Part, ReadAccess, item_reader

    if in_theme is None:
        not_deleted = and_(Item.state != ItemState.DELETED, item_kind_on_clause(),
                           live_theme_clause(Item.theme_id))
    else:
        not_deleted = _live_items_of(in_theme)
    if viewer.platform_owner:
        return not_deleted
    readable = [Item.read_access == ReadAccess.PUBLIC]
    if viewer.member_theme_ids:
        readable.append((Item.read_access == ReadAccess.MEMBERS)
                        & Item.theme_id.in_(viewer.member_theme_ids))
    if viewer.user_id is not None:
        # chosen readers, who must still be members where the item is in the closed part
        in_part = Item.part == Part.PUBLIC
        if viewer.member_theme_ids:
            in_part = in_part | Item.theme_id.in_(viewer.member_theme_ids)
        readable.append((Item.read_access == ReadAccess.CHOSEN) & in_part & Item.id.in_(
            select(item_reader.c.item_id).where(item_reader.c.user_id == viewer.user_id)))
    ways = [and_(Item.state == ItemState.PUBLISHED, or_(*readable))]
    if viewer.user_id is not None:
        ways.append(Item.author_id == viewer.user_id)
    if viewer.admin_theme_ids:
        ways.append(Item.theme_id.in_(viewer.admin_theme_ids))
    return and_(not_deleted, or_(*ways))


def _live_items_of(theme: Theme):
    """SQL condition on Item: the theme's items that are not deleted, of a kind that is on
    there, decided from the loaded theme (with its ancestors and switches)."""
    from sqlalchemy import and_, false

    from app.features import KINDS
    from app.items.models import Item, ItemState

    if any(t.deleted_at is not None for t in [*theme.ancestors(), theme]):
        return false()
    kinds_on = [kind for k in KINDS if feature_enabled(theme, k.key)
                for kind in (k.item_kind, *k.more_item_kinds)]
    return and_(Item.theme_id == theme.id, Item.state != ItemState.DELETED,
                Item.kind.in_(kinds_on))


def standing_items_clause(viewer: Viewer, theme: Theme):
    """SQL condition on Item: the published items of `theme` that everyone with this viewer's
    standing there sees alike (shared_read_access), without the ones only they see. A list
    shared by all of them (app/posts/listing.py) is read with this, never with what one of
    them sees beyond it."""
    from app.items.models import Item, ItemState

    return (_live_items_of(theme) & (Item.state == ItemState.PUBLISHED)
            & Item.read_access.in_(sorted(shared_read_access(viewer, theme))))


def shared_read_access(viewer: Viewer, theme: Theme) -> frozenset:
    """The read accesses under which every published item of `theme` (live, its kind on) is
    visible to this viewer: what everyone with the same standing there sees alike, so its counts
    can be read from the tallies. Beyond these the viewer sees only items they wrote or were
    chosen to read (personal_items_clause), which visible_items_clause decides one by one."""
    from app.items.models import ReadAccess

    if viewer.platform_owner or theme.id in viewer.admin_theme_ids:
        return frozenset(ReadAccess)
    if theme.id in viewer.member_theme_ids:
        return frozenset({ReadAccess.PUBLIC, ReadAccess.MEMBERS})
    return frozenset({ReadAccess.PUBLIC})


def personal_items_clause(viewer: Viewer):
    """SQL condition on Item: the items beyond shared_read_access that this viewer may see are
    among these (their own, and those they were chosen to read); None for a visitor."""
    from sqlalchemy.orm import aliased

    from app.items.models import Item, item_reader

    if viewer.user_id is None:
        return None
    # One IN over a union of two index lookups: an OR of the two would make PostgreSQL read
    # every item of the theme to test each row.
    written = aliased(Item)
    return Item.id.in_(
        select(written.id).where(written.author_id == viewer.user_id)
        .union_all(select(item_reader.c.item_id).where(item_reader.c.user_id == viewer.user_id)))


def live_theme_clause(theme_id_column):
    """SQL condition: the row's theme is not deleted, nor below a deleted theme (a deleted
    theme and everything in it is gone from every listing, search, feed and digest at once;
    a recursive subquery inside the condition, no extra query)."""
    gone = (select(Theme.id.label("id")).where(Theme.deleted_at.is_not(None))
            .cte("deleted_themes", recursive=True, nesting=True))
    gone = gone.union_all(select(Theme.id).where(Theme.parent_id == gone.c.id))
    return theme_id_column.not_in(select(gone.c.id))
VISITOR = Viewer()  # someone without a login: what the outside world may see


def is_public_theme(theme: Theme) -> bool:
    """May the outside world follow this theme (feeds, embeds, search engines)? Neither it nor
    a theme above it is closed."""
    return all(t.workgroup_type != WorkgroupType.CLOSED for t in theme.ancestors() + [theme])


def public_items_clause():
    """SQL condition on Item: what a visitor without a login may see, in a public theme. Feeds,
    embeds and oEmbed show nothing else (the caller checks the theme with is_public_theme)."""
    return visible_items_clause(VISITOR)


def load_public_item(item_id, kind=None):
    """The item if the outside world may see it (published, read by everyone, its kind on, in
    a public theme), else None. One query, whoever is logged in."""
    from sqlalchemy.orm import joinedload

    from app.items.models import Item

    if item_id is None:
        return None
    query = (select(Item).where(Item.id == item_id, public_items_clause())
             .options(joinedload(Item.author), joinedload(Item.theme)))
    if kind is not None:
        query = query.where(Item.kind == kind)
    item = db.session.scalar(query)
    return item if item is not None and is_public_theme(item.theme) else None


def is_public_item(item) -> bool:
    """Does the outside world see this item, which the viewer's page loaded through
    visible_items_clause (so it is not deleted and its kind is on)? The Python twin of
    public_items_clause for such an item: published and read by everyone, in a public theme.
    No query."""
    from app.items.models import ItemState, ReadAccess

    return (item is not None and item.state == ItemState.PUBLISHED
            and item.read_access == ReadAccess.PUBLIC and is_public_theme(item.theme))


def item_kind_on_clause():
    """SQL condition on Item: its kind is switched on in its theme (app.features.KINDS)."""
    from sqlalchemy import or_

    from app.features import KINDS
    from app.items.models import Item

    return or_(*(Item.kind.in_([k.item_kind, *k.more_item_kinds])
                 & kind_on_clause(k.key, Item.theme_id) for k in KINDS))



def visible_comments_clause(viewer: Viewer):
    """SQL condition on Comment (given its post is visible): published, own, or admin's."""
    from sqlalchemy import or_

    from app.items.models import Item, ItemState, Comment

    if viewer.platform_owner:
        return Comment.state != ItemState.DELETED
    ways = [Comment.state == ItemState.PUBLISHED]
    if viewer.user_id is not None:
        ways.append((Comment.author_id == viewer.user_id) & (Comment.state != ItemState.DELETED))
    if viewer.admin_theme_ids:
        ways.append(Comment.item_id.in_(select(Item.id).where(
            Item.theme_id.in_(viewer.admin_theme_ids))) & (Comment.state != ItemState.DELETED))
    return or_(*ways)


def can_read_item(item, user=None) -> bool:
    """Does the one SQL policy admit this item for the viewer? (one query)"""
    from app.items.models import Item

    if item is None:
        return False
    return db.session.scalar(
        select(Item.id).where(Item.id == item.id, visible_items_clause(viewer_for(user)))
    ) is not None


def can_moderate_item(item, user=None) -> bool:
    v = viewer_for(user)
    return v.platform_owner or item.theme_id in v.admin_theme_ids


def can_edit_item(item, user=None) -> bool:
    """May the viewer change (or delete) the item? By its write access: the author, the
    theme's members, the chosen writers, or nobody but the admins; the theme's admins always."""
    from app.items.models import ItemState, Part, WriteAccess

    v = viewer_for(user)
    if item.state == ItemState.DELETED or v.user_id is None:
        return False
    if can_moderate_item(item, user):
        return True
    if item.write_access == WriteAccess.ADMINS:
        return False
    if item.author_id == v.user_id:
        return True
    if item.write_access == WriteAccess.MEMBERS:
        # the members who may read it: in a public part also those a half-open theme
        # accepted automatically
        return item.theme_id in v.member_theme_ids or (
            item.part == Part.PUBLIC and item.theme_id in v.joined_theme_ids)
    if item.write_access == WriteAccess.CHOSEN:
        return any(u.id == v.user_id for u in item.writers)
    return False


def can_restore_item(item, user=None) -> bool:
    """May the viewer take this deleted item back out of the bin? Its author and the
    theme's admins."""
    from app.items.models import ItemState

    v = viewer_for(user)
    if item.state != ItemState.DELETED or v.user_id is None:
        return False
    return item.author_id == v.user_id or can_moderate_item(item, user)


def bin_items_clause(viewer: Viewer):
    """SQL condition on Item: a deleted item this viewer may see in a bin and restore (its
    author's, or any in a theme the viewer administers)."""
    from sqlalchemy import and_, false, or_

    from app.items.models import Item, ItemState

    deleted = and_(Item.state == ItemState.DELETED, item_kind_on_clause())
    if viewer.platform_owner:
        return deleted
    ways = []
    if viewer.user_id is not None:
        ways.append(Item.author_id == viewer.user_id)
    if viewer.admin_theme_ids:
        ways.append(Item.theme_id.in_(viewer.admin_theme_ids))
    return and_(deleted, or_(*ways)) if ways else false()


def can_add_files(theme: Theme, folder=None, user=None) -> bool:
    """May the viewer upload files or make folders here: into a folder they may change, or
    at the top level of a theme where they may create files."""
    from app.items.kinds import ItemKind

    if folder is not None:
        return can_edit_item(folder, user)
    return may_create(theme, ItemKind.FILE, user)


def can_set_file_quota(user=None) -> bool:
    """A theme's file quota is the platform owner's to set."""
    return is_platform_owner(user)
def can_change_task(item, assignees, user=None) -> bool:
    """May the viewer change a task's state and assignees? Those who may edit it (its write
    access), and the people it is assigned to."""
    v = viewer_for(user)
    if v.user_id is None:
        return False
    if can_edit_item(item, user):
        return True
    from app.items.models import ItemState

    return item.state != ItemState.DELETED and any(u.id == v.user_id for u in assignees)


def may_be_assigned(user_id: int, item_author_id, read_access, reader_ids) -> bool:
    """May this member of the theme (app.themes.services.theme_members) be assigned a task
    with this read access? Whoever reads it: with chosen readers, those and the author."""
    from app.items.models import ReadAccess

    if read_access != ReadAccess.CHOSEN:
        return True
    return user_id == item_author_id or user_id in set(reader_ids)


def can_change_readers(item, user=None) -> bool:
    """May the viewer change who reads the item (its chosen readers) or in whose name it is
    written? Only its author and the theme's admins: others who may write change its text."""
    v = viewer_for(user)
    return v.user_id is not None and (item.author_id == v.user_id
                                      or can_moderate_item(item, user))


def load_item(item_id, kind=None, *, write: bool = False, user=None):
    """The item for a view: 404 when the viewer may not read it (or it is not of `kind`), 403
    when `write` is asked and the viewer may read but not change it. Loads what its page
    shows with it."""
    from flask import abort
    from sqlalchemy.orm import joinedload, selectinload

    from app.filters.models import FilterValue
    from app.items.models import Item

    viewer = viewer_for(user)
    query = (select(Item).where(Item.id == item_id, visible_items_clause(viewer))
             .options(joinedload(Item.author), joinedload(Item.category),
                      joinedload(Item.organisation), joinedload(Item.theme),
                      selectinload(Item.filter_values).joinedload(FilterValue.group),
                      selectinload(Item.attachments)))  # the chosen readers: when shown
    if kind is not None:
        query = query.where(Item.kind == kind)
    marked = user is None and viewer.user_id is not None and not write and has_request_context()
    if marked:  # what the viewer did with it (starred, saved, muted), in the same SELECT
        query = query.add_columns(*_viewer_marks(viewer.user_id))
    row = db.session.execute(query).first() if item_id is not None else None
    if row is None:
        abort(404)
    item = row[0]
    if marked:
        for name, on in zip(VIEWER_MARKS, row[1:]):
            g.setdefault(name, {})[item.id] = bool(on)
    if write and not can_edit_item(item, user):
        abort(403)
    if not write and has_request_context() and "shown_item" not in g:
        g.shown_item = item  # the page's item: app.outward shares it when it is public
    return item


# Per request, item id -> whether the viewer starred, saved (bookmarked) or muted the item, as
# load_item read them: posts.services.starred_ids, people.bookmarks.is_saved and
# mail.notifications.is_muted answer from these before asking the database.
VIEWER_MARKS = ("_starred", "_saved", "_muted")


def _viewer_marks(user_id: int) -> list:
    from app.digest.models import ThreadMute
    from app.items.models import Item, Star
    from app.people.models import Bookmark

    return [select(Star.item_id).where(Star.item_id == Item.id, Star.user_id == user_id).exists(),
            select(Bookmark.item_id).where(Bookmark.item_id == Item.id,
                                           Bookmark.user_id == user_id).exists(),
            select(ThreadMute.item_id).where(ThreadMute.item_id == Item.id,
                                             ThreadMute.user_id == user_id).exists()]


def forget_mark(name: str) -> None:
    """After the viewer changed a star, bookmark or mute: read it from the database again."""
    if has_request_context():
        g.pop(name, None)


def remembered_mark(name: str, item_id: int) -> bool | None:
    """What load_item read for the viewer (VIEWER_MARKS), or None when it did not."""
    if not has_request_context():
        return None
    return g.get(name, {}).get(item_id)


def load_comment(comment_id, *, write: bool = False, user=None):
    """The comment for a view: 404 unless the viewer may see it and its item, 403 when `write`
    is asked and the viewer may not delete it (its author, or the item's moderators)."""
    from flask import abort

    from app.items.models import Comment, Item

    viewer = viewer_for(user)
    comment = db.session.scalar(
        select(Comment).join(Item, Item.id == Comment.item_id)
        .where(Comment.id == comment_id, visible_comments_clause(viewer),
               visible_items_clause(viewer)))
    if comment is None:
        abort(404)
    if write and not can_delete_comment(comment, user):
        abort(403)
    return comment


def can_delete_comment(comment, user=None) -> bool:
    from app.items.models import ItemState

    v = viewer_for(user)
    if v.user_id is None or comment.state == ItemState.DELETED:
        return False
    return comment.author_id == v.user_id or can_moderate_item(comment.item, user)


def can_report(item, comment=None, user=None) -> bool:
    """May report this item, or this comment on it (given the viewer may read the item): a
    logged-in person, someone else's text, once it is published."""
    from app.items.models import ItemState

    v = viewer_for(user)
    target = comment if comment is not None else item
    return (v.user_id is not None and target.state == ItemState.PUBLISHED
            and target.author_id != v.user_id)


def can_comment(item, user=None) -> bool:
    """May the viewer comment on this (readable) item? Published items, by those who may
    write in its part of the theme, and its moderators."""
    from app.items.models import ItemState

    u = _viewer(user)
    if u is None or not getattr(u, "is_authenticated", False):
        return False
    if item.state != ItemState.PUBLISHED:
        return False
    return may_write_in_part(item.theme, item.part, u) or can_moderate_item(item, u)


def can_mark_best_answer(question, user=None) -> bool:
    """May the viewer choose (or change, or drop) the best answer of this readable question?
    Its asker and the theme's admins, while the question is published."""
    from app.items.models import ItemState

    v = viewer_for(user)
    if v.user_id is None or question.state != ItemState.PUBLISHED:
        return False
    return question.author_id == v.user_id or can_moderate_item(question, user)


def can_star_comment(comment, user=None) -> bool:
    """May the viewer star this comment (on an item they may read)? Logged in, a published
    comment on a published item."""
    from app.items.models import ItemState

    v = viewer_for(user)
    return (v.user_id is not None and comment.state == ItemState.PUBLISHED
            and comment.item.state == ItemState.PUBLISHED)
def can_answer_event(item, user=None) -> bool:
    """May the viewer say whether they come to this (readable) event? The same people who may
    comment on it: those who may write in its part of the theme, and its moderators."""
    return can_comment(item, user)


def can_see_attendees(item, user=None) -> bool:
    """Who comes to an event is shown to the theme's members only; the numbers are shown to
    everyone who may read the event."""
    return can_see_member_list(item.theme, user)


def may_push(theme: Theme, user=None) -> bool:
    """May mail the theme's participants: its admins, or its members where the theme lets
    them (members_may_push)."""
    s = standing(_viewer(user), theme)
    return s.is_admin or (theme.members_may_push and s.is_member)


# ---------------------------------------------------------------- feature switches
#
# THE rule for the kinds of content a theme uses (app.features.KINDS): a kind is on in a
# theme unless the theme or one of its ancestors switched it off. A subtheme inherits its
# parent's switches and may only narrow them. A kind that is off shows nothing anywhere, to
# anyone; its content stays in the database and shows again once the kind is switched on.


def _switch_cache() -> dict[int, set[str]]:
    """theme_id -> kinds that theme itself switched off, for the themes looked at in this
    request (outside a request: a fresh dict each time)."""
    if not has_request_context():
        return {}
    if "_features_off" not in g:
        g._features_off = {}
    return g._features_off


def remember_switches(theme_ids, off_pairs, cache: dict | None = None) -> None:
    """Fill the request's cache from a query that already read the switches of these themes:
    off_pairs are (theme_id, kind) of their switched-off kinds."""
    cache = _switch_cache() if cache is None else cache
    for theme_id in theme_ids:
        cache[theme_id] = set()
    for theme_id, kind in off_pairs:
        if kind is not None:
            cache[theme_id].add(kind)


def _switched_off(theme: Theme) -> dict[int, set[str]]:
    """theme_id -> kinds switched off, for the theme's lineage (at most one query a request)."""
    from app.features.models import ThemeFeature

    lineage = theme.lineage_ids()
    cache = _switch_cache()
    missing = [theme_id for theme_id in lineage if theme_id not in cache]
    if missing:
        remember_switches(missing, db.session.execute(
            select(ThemeFeature.theme_id, ThemeFeature.kind)
            .where(ThemeFeature.theme_id.in_(missing), ThemeFeature.enabled.is_(False))).all(),
            cache)
    return {theme_id: cache[theme_id] for theme_id in lineage}


def forget_cached_features() -> None:
    """Call after changing switches within a request."""
    if has_request_context():
        g.pop("_features_off", None)


def feature_enabled(theme: Theme, kind: str) -> bool:
    """Is this kind of content on in the theme (and in every theme above it)?"""
    return not any(kind in kinds for kinds in _switched_off(theme).values())


def feature_enabled_above(theme: Theme, kind: str) -> bool:
    """Do the theme's ancestors leave this kind on (so the theme may switch it on)?"""
    off = _switched_off(theme)
    return not any(kind in off[t.id] for t in theme.ancestors())


def enabled_kinds(theme: Theme) -> list:
    """The registry's kinds that are on in the theme, in registry order."""
    from app.features import KINDS

    return [k for k in KINDS if feature_enabled(theme, k.key)]


def kind_on_clause(kind: str, theme_id_column):
    """SQL twin of feature_enabled: the row's theme is not in the subtree of a theme that
    switched this kind off (no extra query: a recursive subquery inside the condition)."""
    from app.features.models import ThemeFeature

    off = (select(ThemeFeature.theme_id.label("id"))
           .where(ThemeFeature.kind == kind, ThemeFeature.enabled.is_(False))
           .cte(f"{kind}_off", recursive=True, nesting=True))
    off = off.union_all(select(Theme.id).where(Theme.parent_id == off.c.id))
    return theme_id_column.not_in(select(off.c.id))


# ---------------------------------------------------------------- profile fields
#
# THE rule for profile fields: each field of a profile has a visibility chosen by the person
# it describes (app.people.models.Visibility), and the person always sees their own.
#
#   public     -> everyone, visitors too
#   logged_in  -> everyone logged in (with a confirmed address)
#   themes     -> people who share an accepted (active) membership of the same theme
#   private    -> only the person
#
# The platform owner is bound by it like anyone else. Lists ask co_members() once for all
# the people they show; profile_visible_clause() is the same rule as an SQL condition.


def _shared_theme_ids(user) -> frozenset[int]:
    """The themes in which this person holds an accepted membership (no extra query: the
    request's memberships are loaded once)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_confirmed:
        return frozenset()
    return frozenset(m.theme_id for m in _user_memberships(user).values()
                     if m.status == MembershipStatus.ACTIVE)


def co_members(person_ids, user=None) -> frozenset[int]:
    """Which of these people share an accepted membership of a theme with the viewer? One
    query for all of them, remembered for the request."""
    u = _viewer(user)
    themes = _shared_theme_ids(u)
    if not themes:
        return frozenset()
    cache_key = f"_co_members_{u.id}"
    known: dict[int, bool] = g.setdefault(cache_key, {}) if has_request_context() else {}
    wanted = {i for i in person_ids if i is not None}
    missing = wanted - known.keys()
    if missing:
        found = set(db.session.scalars(
            select(Membership.user_id).where(Membership.user_id.in_(missing),
                                             Membership.status == MembershipStatus.ACTIVE,
                                             Membership.theme_id.in_(themes)).distinct()))
        for person_id in missing:
            known[person_id] = person_id in found
    return frozenset(i for i in wanted if known[i])


def may_see_profile_field(person_id: int, visibility, user=None) -> bool:
    """May the viewer see a field of this person's profile that has this visibility?"""
    from app.people.models import Visibility

    if visibility == Visibility.PUBLIC:
        return True
    u = _viewer(user)
    if u is None or not getattr(u, "is_authenticated", False) or not u.is_confirmed:
        return False
    if u.id == person_id or visibility == Visibility.LOGGED_IN:
        return True
    if visibility == Visibility.THEMES:
        return person_id in co_members([person_id], u)
    return False


def profile_visible_clause(visibility_column, person_id_column, user=None):
    """may_see_profile_field() as an SQL condition on a visibility column and the person's
    id column (for lists that filter people by what the viewer may see)."""
    from sqlalchemy import or_

    from app.people.models import Visibility

    u = _viewer(user)
    ways = [visibility_column == Visibility.PUBLIC]
    if u is not None and getattr(u, "is_authenticated", False) and u.is_confirmed:
        ways += [visibility_column == Visibility.LOGGED_IN, person_id_column == u.id]
        themes = _shared_theme_ids(u)
        if themes:
            ways.append((visibility_column == Visibility.THEMES) & person_id_column.in_(
                select(Membership.user_id).where(Membership.status == MembershipStatus.ACTIVE,
                                                 Membership.theme_id.in_(themes))))
    return or_(*ways)
