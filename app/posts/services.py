"""Rules of the board: writing, editing and deleting posts and replies, stars, the state
changes moderation drives, and the board's list with its facet counts.

Every read goes through app.permissions.visible_items_clause (the one policy).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, false, func, literal, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.errors import DomainError
from app.auth.models import User
from app.extensions import db
from app.filters.services import categories_for, filter_groups_for
from app.permissions import (Viewer, can_change_readers, can_comment, can_moderate_item,
                             can_read_item, may_write_in_part, needs_approval,
                             forget_mark, remembered_mark, shared_read_access,
                             standing_items_clause, viewer_for,
                             visible_comments_clause, visible_items_clause)
from app.items.kinds import ItemKind
from app.items.tallies import theme_counts
from app.posts import uploads
from app.items.models import (Attachment, Comment, Item, ItemState, Part, Star, read_access_for,
                              item_filter_value)
from app.posts.rendering import render_markdown
from app.themes.models import Membership, MembershipStatus, Theme, WorkgroupType
from app.themes.services import theme_members
from app.timeutil import utcnow
from app.transactions import insert_once

log = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 50_000


class PostError(DomainError):
    """A rule was broken; the message names the problem (and the field)."""


# ------------------------------------------------------------------------- helpers

def part_for(theme: Theme, requested: str | None) -> Part:
    """Where a new post goes: fixed by the theme's type, or the author's choice in mixed."""
    if theme.workgroup_type == WorkgroupType.HALF_OPEN:
        return Part.PUBLIC
    if theme.workgroup_type == WorkgroupType.CLOSED:
        return Part.CLOSED
    if requested not in (Part.PUBLIC.value, Part.CLOSED.value):
        raise PostError(_("Choose where the post goes: the public or the closed part."),
                        field="part")
    return Part(requested)


def author_organisations(user: User, theme: Theme):
    """Organisations the author may post in the name of: from memberships in the lineage."""
    ids = theme.lineage_ids()
    return [m.organisation for m in db.session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.theme_id.in_(ids),
                                 Membership.status != MembershipStatus.REJECTED,
                                 Membership.organisation_id.is_not(None))
        .options(joinedload(Membership.organisation)))]


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise PostError(_("Give the post a title."), field="title")
    if len(title) > TITLE_MAX:
        raise PostError(_("Use at most %(n)d characters.", n=TITLE_MAX), field="title")
    if not body:
        raise PostError(_("Write the text of the post."), field="body")
    if len(body) > BODY_MAX:
        raise PostError(_("Use at most %(n)d characters.", n=BODY_MAX), field="body")
    return title, body


def _check_tags(theme: Theme, category_id, filter_value_ids):
    category = None
    if category_id:
        category = next((c for c in categories_for(theme) if c.id == category_id), None)
        if category is None:
            raise PostError(_("Choose one of this theme's categories."), field="category")
    allowed = {v.id: v for g in filter_groups_for(theme) for v in g.values}
    values = []
    for vid in dict.fromkeys(filter_value_ids or []):  # a value named twice tags the post once
        if vid not in allowed:
            raise PostError(_("Choose filter values of this theme."), field="filters")
        values.append(allowed[vid])
    return category, values


def _check_audience(theme: Theme, author: User, audience_ids) -> list[User]:
    if not audience_ids:
        return []
    from app.permissions import can_see_member_list
    if not can_see_member_list(theme, author):
        raise PostError(_("Only accepted members can choose who sees a post."), field="audience")
    members = {m.user_id: m.user for m in theme_members(theme, among=audience_ids)}
    chosen = []
    for uid in set(audience_ids):
        if uid == author.id:
            continue
        if uid not in members:
            raise PostError(_("Choose participants from this theme's member list."),
                            field="audience")
        chosen.append(members[uid])
    if not chosen:
        raise PostError(_("Choose at least one other participant, or none to show the post "
                          "to everyone who may see this part."), field="audience")
    return chosen


def _check_organisation(theme: Theme, author: User, organisation_id):
    if not organisation_id:
        return None
    org = next((o for o in author_organisations(author, theme) if o.id == organisation_id), None)
    if org is None:
        raise PostError(_("You can only post in the name of your own organisation."),
                        field="organisation")
    return org


def _store_files(files) -> list[uploads.StoredFile]:
    """Check every file first, then store them; nothing is kept if one is refused."""
    files = [f for f in (files or []) if f and f.filename]
    from flask import current_app
    limit = current_app.config["UPLOAD_MAX_FILES"]
    if len(files) > limit:
        raise PostError(_("Attach at most %(n)d files to one post.", n=limit), field="attachments")
    for f in files:
        try:
            uploads.check(f)
        except uploads.UploadRefused as exc:
            raise PostError(exc.message, field="attachments")
    return [uploads.store(f) for f in files]


# ------------------------------------------------------------------------- posts

@dataclass
class PostInput:
    title: str = ""
    body: str = ""
    category_id: int | None = None
    filter_value_ids: list[int] = field(default_factory=list)
    organisation_id: int | None = None
    part: str | None = None
    audience_ids: list[int] = field(default_factory=list)
    files: list = field(default_factory=list)
    remove_attachment_ids: list[int] = field(default_factory=list)
    kind: ItemKind = ItemKind.DISCUSSION  # the kind of item create_post makes


def create_post(author: User, theme: Theme, data: PostInput) -> Item:
    """Write a new post. Public parts wait for approval."""
    part = part_for(theme, data.part)
    if not may_write_in_part(theme, part, author):
        raise PostError(_("You cannot post here yet: join this theme first.")
                        if part == Part.PUBLIC else
                        _("Only accepted members can post in the closed part."), field="part")
    title, body = _clean_text(data.title, data.body)
    category, values = _check_tags(theme, data.category_id, data.filter_value_ids)
    audience = _check_audience(theme, author, data.audience_ids)
    organisation = _check_organisation(theme, author, data.organisation_id)
    stored = _store_files(data.files)
    now = utcnow()
    pending = needs_approval(theme, part, author)
    post = Item(kind=data.kind, theme_id=theme.id, author=author, organisation=organisation,
                category=category,
                title=title, body=body, body_html=render_markdown(body), part=part,
                state=ItemState.PENDING if pending else ItemState.PUBLISHED,
                read_access=read_access_for(part, bool(audience)), created_at=now,
                published_at=None if pending else now, last_activity_at=None if pending else now)
    post.filter_values = values
    post.readers = audience
    for s in stored:
        post.attachments.append(Attachment(stored_name=s.stored_name, filename=s.filename,
                                           content_type=s.content_type, size=s.size,
                                           is_image=s.is_image))
    db.session.add(post)
    db.session.flush()
    if not pending:
        from app.inbox.services import notify_mentions
        notify_mentions(post)
    return post


def edit_post(editor: User, post: Item, data: PostInput) -> Item:
    """Change a post. An author's change to a public post goes back for approval (so an
    approved text cannot be swapped for another); an admin's change stands."""
    theme = post.theme
    title, body = _clean_text(data.title, data.body)
    category, values = _check_tags(theme, data.category_id, data.filter_value_ids)
    author = post.author or editor
    if can_change_readers(post, editor):
        audience = _check_audience(theme, author, data.audience_ids)
    else:
        audience = list(post.readers)  # another writer changes the text, not who reads it
    organisation = (_check_organisation(theme, author, data.organisation_id)
                    if post.author_id == editor.id else post.organisation)
    keep = [a for a in post.attachments if a.id not in set(data.remove_attachment_ids)]
    from flask import current_app
    if len(keep) + len([f for f in data.files if f and f.filename]) > current_app.config["UPLOAD_MAX_FILES"]:
        raise PostError(_("Attach at most %(n)d files to one post.",
                          n=current_app.config["UPLOAD_MAX_FILES"]), field="attachments")
    stored = _store_files(data.files)
    removed = [a.stored_name for a in post.attachments if a not in keep]
    post.title, post.body, post.body_html = title, body, render_markdown(body)
    post.category, post.filter_values, post.readers = category, values, audience
    post.read_access = read_access_for(post.part, bool(audience))
    post.organisation = organisation
    post.attachments = keep + [Attachment(stored_name=s.stored_name, filename=s.filename,
                                          content_type=s.content_type, size=s.size,
                                          is_image=s.is_image) for s in stored]
    post.updated_at = utcnow()
    if not can_moderate_item(post, editor) and (
            post.state == ItemState.REJECTED
            or (post.state == ItemState.PUBLISHED and needs_approval(theme, post.part, editor))):
        post.state = ItemState.PENDING  # resubmitted, or re-checked after a change
    db.session.flush()
    for name in removed:
        uploads.remove_after_commit(name)
    return post


def delete_post(actor: User, post: Item) -> None:
    """Remove a post for everyone (kept in the database, files too, for the audit)."""
    post.state = ItemState.DELETED
    post.updated_at = utcnow()
    db.session.flush()


# ------------------------------------------------------------------------- comments

def add_comment(author: User, post: Item, body: str) -> Comment:
    """A comment (a reply, an answer, a reaction) on an item of any kind the author can see
    and may comment on. Public parts wait for approval."""
    if not can_read_item(post, author) or not can_comment(post, author):
        raise PostError(_("You cannot reply to this post."), field="body")
    body = (body or "").strip()
    if not body:
        raise PostError(_("Write your reply first."), field="body")
    if len(body) > BODY_MAX:
        raise PostError(_("Use at most %(n)d characters.", n=BODY_MAX), field="body")
    now = utcnow()
    pending = needs_approval(post.theme, post.part, author)
    reply = Comment(item_id=post.id, author=author, body=body, body_html=render_markdown(body),
                  state=ItemState.PENDING if pending else ItemState.PUBLISHED,
                  created_at=now, published_at=None if pending else now)
    db.session.add(reply)
    if not pending:
        _count_reply(post.id, now, +1)
        db.session.flush()
        from app.mail.notifications import notify_new_reply
        notify_new_reply(reply)  # queued in this transaction
    db.session.flush()
    return reply


def _count_reply(item_id: int, when, delta: int) -> None:
    """Keep comment_count / last_comment_at / last_activity_at in step (same transaction)."""
    values = {"comment_count": Item.comment_count + delta}
    if delta > 0:
        values.update(last_comment_at=when, last_activity_at=when)
    db.session.execute(update(Item).where(Item.id == item_id).values(**values)
                       .execution_options(synchronize_session=False))


def delete_reply(actor: User, reply: Comment) -> None:
    was_published = reply.state == ItemState.PUBLISHED
    reply.state = ItemState.DELETED
    reply.updated_at = utcnow()
    if was_published:
        _count_reply(reply.item_id, None, -1)
    db.session.flush()


@dataclass
class ReplyPage:
    replies: list[Comment]
    total: int
    page: int
    pages: int
    per_page: int


def reply_page(post: Item, page: int = 1, per_page: int = 50, user=None) -> ReplyPage:
    """One page of the comments the viewer may see, oldest first. A page past the last shows
    the last. Two queries (count, page); one where the first page holds them all."""
    clause = visible_comments_clause(viewer_for(user))
    query = (select(Comment).where(Comment.item_id == post.id, clause)
             .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id)
             .limit(per_page))
    if page <= 1:
        replies = list(db.session.scalars(query))
        if len(replies) < per_page:
            return ReplyPage(replies=replies, total=len(replies), page=1, pages=1,
                             per_page=per_page)
    total = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.item_id == post.id, clause)) or 0
    pages = max(1, -(-total // per_page))
    if page > 1:
        page = min(page, pages)
        replies = list(db.session.scalars(query.offset((page - 1) * per_page)))
    else:
        page = 1
    return ReplyPage(replies=replies, total=total, page=page, pages=pages, per_page=per_page)


def page_of_comment(reply: Comment, per_page: int = 50, user=None) -> int:
    """The page of its item on which the viewer finds this comment."""
    before = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.item_id == reply.item_id, visible_comments_clause(viewer_for(user)),
        (Comment.created_at < reply.created_at)
        | ((Comment.created_at == reply.created_at) & (Comment.id < reply.id)))) or 0
    return before // per_page + 1


# ------------------------------------------------------------------------- stars

def set_star(user: User, post: Item, starred: bool | None = None) -> tuple[bool, int]:
    """Star (starred=True) or un-star (False) a post the user can see; None: the opposite of
    now. Saying which makes a double click harmless: the second click asks for what is already
    so. Returns (starred now, star count)."""
    if not can_read_item(post, user) or post.state != ItemState.PUBLISHED:
        raise PostError(_("You cannot star this post."))
    delta = 0
    if starred is not True:
        delta = -db.session.execute(
            delete(Star).where(Star.user_id == user.id, Star.item_id == post.id)).rowcount
        if starred is None:
            starred = not delta
    if starred:
        delta = 1 if insert_once(Star(user_id=user.id, item_id=post.id)) else 0
    if delta:
        db.session.execute(update(Item).where(Item.id == post.id)
                           .values(star_count=Item.star_count + delta)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    forget_mark("_starred")
    count = db.session.scalar(select(Item.star_count).where(Item.id == post.id))
    return starred, count


def starred_ids(user, item_ids) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not item_ids:
        return set()
    known = {i: remembered_mark("_starred", i) for i in item_ids}
    if user.id == getattr(current_user, "id", None) and None not in known.values():
        return {i for i, on in known.items() if on}
    return set(db.session.scalars(select(Star.item_id).where(
        Star.user_id == user.id, Star.item_id.in_(list(item_ids)))))


# ------------------------------------------------------------------------- moderation states
#
# State changes the moderation queue drives (app/moderation/services.py adds the audit entry,
# the mails and the commit). Each is a conditional update: the first decision wins.

def transition(model, item_id: int, new_status: ItemState, note: str | None,
               from_statuses=(ItemState.PENDING,)) -> bool:
    """Move an item or comment (`item_id`: the row's id) to a new state if it is still in one
    of `from_statuses`.

    Keeps the post's counters in step when a reply is published or taken away. Returns False
    (and changes nothing) when someone else decided first. Does not commit."""
    now = utcnow()
    values = {"state": new_status, "moderation_note": note}
    if new_status == ItemState.PUBLISHED:
        values["published_at"] = func.coalesce(model.published_at, now)
        if model is Item:
            values["last_activity_at"] = func.coalesce(model.last_activity_at, now)
    result = db.session.execute(
        update(model).where(model.id == item_id, model.state.in_(from_statuses))
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    from app.search.index import touch
    if model is Item:
        touch(item_id)
    if model is Comment:
        parent_id = db.session.scalar(select(Comment.item_id).where(Comment.id == item_id))
        touch(parent_id)
        if new_status == ItemState.PUBLISHED:
            _count_reply(parent_id, now, +1)
        elif ItemState.PUBLISHED in from_statuses:
            _count_reply(parent_id, None, -1)
    db.session.expire_all()
    return True


def rewrite_post(post: Item, title: str, body: str) -> None:
    """An admin's correction of a post's text (edit-then-approve). Does not commit."""
    title, body = _clean_text(title, body)
    post.title, post.body, post.body_html = title, body, render_markdown(body)
    post.updated_at = utcnow()


# ------------------------------------------------------------------------- the board

SORTS = {
    "recent": (Item.published_at.desc(), Item.id.desc()),
    "replies": (Item.comment_count.desc(), Item.id.desc()),
    "activity": (Item.last_activity_at.desc(), Item.id.desc()),
    "stars": (Item.star_count.desc(), Item.id.desc()),
}


@dataclass
class BoardQuery:
    sort: str = "recent"
    category_id: int | None = None
    filter_value_ids: list[int] = field(default_factory=list)
    page: int = 1
    q: str = ""  # search words: the board then shows matches from the theme and its subthemes


@dataclass
class Board:
    """A page of a theme's board. Its posts are read when first asked for: a page whose list
    is shared (app/posts/listing.py) may never need them."""

    rows: Callable[[], list] = field(repr=False)  # the page's (Item, total, star) rows
    total: int
    page: int
    pages: int
    value_counts: dict[int, int]
    waiting: list[Item]
    categories: list
    groups: list
    search: object = None  # the parsed query when searching
    search_problem: str | None = None
    # The viewer's standing in the theme when everyone with it sees exactly this list (the
    # read accesses they share, and whether they are logged in); None when the viewer sees
    # posts of their own beyond it, or searches.
    shared_by: tuple | None = None

    @cached_property
    def _rows(self) -> list:
        return self.rows()

    @property
    def posts(self) -> list[Item]:
        return [r[0] for r in self._rows]

    @property
    def starred(self) -> set[int]:
        """The viewer's stars among the page's posts."""
        return {r[0].id for r in self._rows if r[2] is not None}


# A page with a filter value walks the board's ORDER BY index, checking each post, when
# the value is common enough that a page is found within about this many posts per post shown.
WALK_PER_POST = 200


def _value_conditions(values_by_group: dict[int, list[int]], per_post: bool = False):
    """Posts having any chosen value of each group (OR within a group, AND across groups).

    As EXISTS, the database may start from the posts that have the value (PostgreSQL does,
    and then sorts them: right for a rare value). With `per_post` each post is checked on
    its own (a subquery it cannot turn into a join), so a page walks the board's ORDER BY
    index and stops at its 20: right for a common value, where starting from the value
    would sort tens of thousands of posts for each page."""
    conditions = []
    for ids in values_by_group.values():
        tagged = select(item_filter_value.c.item_id).where(
            item_filter_value.c.item_id == Item.id, item_filter_value.c.filter_value_id.in_(ids))
        conditions.append(tagged.limit(1).scalar_subquery().is_not(None) if per_post
                          else tagged.exists())
    return conditions


def board(theme: Theme, query: BoardQuery, user=None, per_page: int = 20) -> Board:
    """A page of the theme's published posts the viewer may see, with facet counts."""
    viewer: Viewer = viewer_for(user)
    groups = filter_groups_for(theme)
    value_group = {v.id: g.id for g in groups for v in g.values}
    by_group: dict[int, list[int]] = {}
    for vid in query.filter_value_ids:
        if vid in value_group:
            by_group.setdefault(value_group[vid], []).append(vid)

    discussions = Item.kind == ItemKind.DISCUSSION  # the board shows discussions only
    base = [Item.theme_id == theme.id, Item.state == ItemState.PUBLISHED, discussions,
            visible_items_clause(viewer, in_theme=theme)]
    parsed, problem, match = None, None, None
    if query.q:
        from app.search.services import SearchProblem, match_condition, parse
        from app.themes.services import subtree_ids
        try:
            parsed = parse(query.q)
            match = match_condition(parsed)
        except SearchProblem as exc:
            problem = exc.message
        # Matches in the theme and its subthemes, and every state the viewer may see.
        base = [Item.theme_id.in_(subtree_ids(theme)), discussions, visible_items_clause(viewer),
                match if match is not None else false()]
    category_cond = [Item.category_id == query.category_id] if query.category_id else []
    value_conds = _value_conditions(by_group)
    where = base + category_cond + value_conds

    # The viewer's own stars come with the page (outer join): no query per post, nor an extra
    # one. A search ranks and counts ids only, in one pass (page_of_matches), then loads the
    # page's 20 rows; the board's own count is a query of its own (its page stops after 20).
    searching = match is not None
    order = SORTS.get(query.sort, SORTS["recent"])
    best = searching and query.sort == "relevance"

    def load(page_number, conditions):
        if searching:
            from app.search.services import order_again, page_of_matches
            hits = page_of_matches(parsed, [c for c in conditions if c is not match], order,
                                   best, per_page, (page_number - 1) * per_page)
            q = (select(Item, hits.c.total).join(hits, hits.c.id == Item.id)
                 .order_by(*order_again(hits, order, best)))
        else:
            q = (select(Item, literal(None)).where(*conditions).order_by(*order)
                 .limit(per_page).offset((page_number - 1) * per_page))
        if viewer.user_id is not None:
            q = q.add_columns(Star.user_id).outerjoin(
                Star, (Star.item_id == Item.id) & (Star.user_id == viewer.user_id))
        else:
            q = q.add_columns(literal(None))
        return db.session.execute(
            q.options(joinedload(Item.author), joinedload(Item.category),
                      joinedload(Item.organisation), selectinload(Item.filter_values))
        ).unique().all()

    page = max(1, query.page)
    counts = None if query.q else theme_counts(
        theme, ItemKind.DISCUSSION, viewer, query.category_id,
        [v for values in by_group.values() for v in values])
    shared_by = None
    if query.q and not searching:  # a search that can't be run finds nothing
        total = 0
        page_rows = list
    elif searching:
        rows = load(page, where)
        total = rows[0][1] if rows else db.session.scalar(
            select(func.count()).select_from(Item).where(*where)) or 0
        if not rows and total and page > 1:  # past the last page: show the last one
            page = -(-total // per_page)
            rows = load(page, where)
        page_rows = lambda: rows
    else:
        total = counts.total if counts is not None else db.session.scalar(
            select(func.count()).select_from(Item).where(*where)) or 0
        page = min(page, max(1, -(-total // per_page)))
        if by_group and counts is not None and counts.everything <= WALK_PER_POST * total:
            value_conds = _value_conditions(by_group, per_post=True)
            where = base + category_cond + value_conds
        if counts is not None and not counts.personal:
            # Everyone with the viewer's standing sees this list alike: it is read as theirs
            # (not with what this viewer would see beyond it) and may be shared among them.
            shared_by = (viewer.is_authenticated,
                         tuple(sorted(a.value for a in shared_read_access(viewer, theme))))
            listed = [Item.theme_id == theme.id, discussions,
                      standing_items_clause(viewer, theme), *category_cond, *value_conds]
            page_rows = lambda: load(page, listed)
        else:
            page_rows = lambda: load(page, where)
    pages = max(1, -(-total // per_page))
    page = min(page, pages)

    # Facet counts: what the viewer would get by picking each, with the rest of the selection;
    # read from the tallies, or counted for a search and for several filter values at once.
    if counts is not None:
        categories = categories_for(theme)
        for category in categories:
            category.count = counts.by_category.get(category.id, 0)
        value_counts = counts.by_value
    else:
        category_counts = (select(Item.category_id.label("category_id"), func.count().label("n"))
                           .where(*base, *value_conds).group_by(Item.category_id).subquery())
        categories = categories_for(theme, counts=category_counts)
        value_counts = dict(db.session.execute(
            select(item_filter_value.c.filter_value_id, func.count())
            .join(Item, Item.id == item_filter_value.c.item_id)
            .where(*base, *category_cond).group_by(item_filter_value.c.filter_value_id)).all())

    waiting: list[Item] = []
    is_admin = viewer.platform_owner or theme.id in viewer.admin_theme_ids
    if viewer.is_authenticated and not is_admin and not query.q:  # admins have the queue
        # The author's own posts that wait, were refused or were hidden, with their state.
        waiting = list(db.session.scalars(
            select(Item).where(Item.theme_id == theme.id, Item.author_id == viewer.user_id, discussions,
                               Item.state.in_([ItemState.PENDING, ItemState.REJECTED,
                                                ItemState.HIDDEN]))
            .order_by(Item.created_at.desc()).limit(20)))
    return Board(rows=page_rows, total=total, page=page, pages=pages,
                 value_counts=value_counts, waiting=waiting, categories=categories,
                 groups=groups, search=parsed, search_problem=problem, shared_by=shared_by)


