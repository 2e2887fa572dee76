"""Rules of the board: writing, editing and deleting posts and replies, stars, the state
changes moderation drives, and the board's list with its facet counts.

Every read goes through app.permissions.visible_posts_clause (the one policy).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, false, func, literal, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.extensions import db
from app.filters.models import FilterValue
from app.filters.services import categories_for, filter_groups_for
from app.permissions import (Viewer, can_moderate_post, can_post_closed, can_post_public,
                             can_read_post, standing, viewer_for, visible_posts_clause,
                             visible_replies_clause)
from app.posts import uploads
from app.posts.models import (Attachment, Part, Post, PostStatus, Reply, Star,
                              post_filter_value)
from app.posts.rendering import render_markdown
from app.themes.models import Membership, MembershipStatus, Theme, WorkgroupType
from app.themes.services import ThemeError, theme_members
from app.timeutil import utcnow
from app.transactions import insert_once

log = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 50_000


class PostError(ThemeError):
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


def may_write(theme: Theme, part: Part, user: User) -> bool:
    return can_post_closed(theme, user) if part == Part.CLOSED else can_post_public(theme, user)


def _needs_approval(theme: Theme, part: Part, user: User) -> bool:
    """Public parts are moderated, except what the theme's own admins write."""
    return part == Part.PUBLIC and not standing(user, theme).is_admin


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


def _commit_with_files(stored: list[uploads.StoredFile]) -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        for s in stored:
            uploads.remove(s.stored_name)
        raise


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


def create_post(author: User, theme: Theme, data: PostInput) -> Post:
    """Write a new post. Public parts wait for approval. Commits."""
    part = part_for(theme, data.part)
    if not may_write(theme, part, author):
        raise PostError(_("You cannot post here yet: join this theme first.")
                        if part == Part.PUBLIC else
                        _("Only accepted members can post in the closed part."), field="part")
    title, body = _clean_text(data.title, data.body)
    category, values = _check_tags(theme, data.category_id, data.filter_value_ids)
    audience = _check_audience(theme, author, data.audience_ids)
    organisation = _check_organisation(theme, author, data.organisation_id)
    stored = _store_files(data.files)
    now = utcnow()
    pending = _needs_approval(theme, part, author)
    post = Post(theme_id=theme.id, author=author, organisation=organisation, category=category,
                title=title, body=body, body_html=render_markdown(body), part=part,
                status=PostStatus.PENDING if pending else PostStatus.PUBLISHED,
                restricted=bool(audience), created_at=now,
                published_at=None if pending else now, last_activity_at=None if pending else now)
    post.filter_values = values
    post.audience = audience
    for s in stored:
        post.attachments.append(Attachment(stored_name=s.stored_name, filename=s.filename,
                                           content_type=s.content_type, size=s.size,
                                           is_image=s.is_image))
    db.session.add(post)
    _commit_with_files(stored)
    return post


def edit_post(editor: User, post: Post, data: PostInput) -> Post:
    """Change a post. An author's change to a public post goes back for approval (so an
    approved text cannot be swapped for another); an admin's change stands. Commits."""
    theme = post.theme
    title, body = _clean_text(data.title, data.body)
    category, values = _check_tags(theme, data.category_id, data.filter_value_ids)
    author = post.author or editor
    audience = _check_audience(theme, author, data.audience_ids)
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
    post.category, post.filter_values, post.audience = category, values, audience
    post.restricted = bool(audience)
    post.organisation = organisation
    post.attachments = keep + [Attachment(stored_name=s.stored_name, filename=s.filename,
                                          content_type=s.content_type, size=s.size,
                                          is_image=s.is_image) for s in stored]
    post.updated_at = utcnow()
    if not can_moderate_post(post, editor) and (
            post.status == PostStatus.REJECTED
            or (post.status == PostStatus.PUBLISHED and _needs_approval(theme, post.part, editor))):
        post.status = PostStatus.PENDING  # resubmitted, or re-checked after a change
    _commit_with_files(stored)
    for name in removed:
        uploads.remove(name)
    return post


def delete_post(actor: User, post: Post) -> None:
    """Remove a post for everyone (kept in the database, files too, for the audit). Commits."""
    post.status = PostStatus.DELETED
    post.updated_at = utcnow()
    db.session.commit()


def get_visible_post(post_id: int, user=None) -> Post | None:
    """The post if the viewer may see it, else None (the view answers 404)."""
    return db.session.scalar(
        select(Post).where(Post.id == post_id, visible_posts_clause(viewer_for(user)))
        .options(joinedload(Post.author), joinedload(Post.category),
                 joinedload(Post.organisation), joinedload(Post.theme),
                 selectinload(Post.filter_values).joinedload(FilterValue.group),
                 selectinload(Post.attachments), selectinload(Post.audience)))


# ------------------------------------------------------------------------- replies

def can_reply(post: Post, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if post.status != PostStatus.PUBLISHED:
        return False
    return may_write(post.theme, post.part, user) or can_moderate_post(post, user)


def add_reply(author: User, post: Post, body: str) -> Reply:
    """Reply to a post the author can see. Public parts wait for approval. Commits."""
    if not can_read_post(post, author) or not can_reply(post, author):
        raise PostError(_("You cannot reply to this post."), field="body")
    body = (body or "").strip()
    if not body:
        raise PostError(_("Write your reply first."), field="body")
    if len(body) > BODY_MAX:
        raise PostError(_("Use at most %(n)d characters.", n=BODY_MAX), field="body")
    now = utcnow()
    pending = _needs_approval(post.theme, post.part, author)
    reply = Reply(post_id=post.id, author=author, body=body, body_html=render_markdown(body),
                  status=PostStatus.PENDING if pending else PostStatus.PUBLISHED,
                  created_at=now, published_at=None if pending else now)
    db.session.add(reply)
    if not pending:
        _count_reply(post.id, now, +1)
        db.session.flush()
        from app.mail.notifications import notify_new_reply
        notify_new_reply(reply)  # queued in this transaction
    db.session.commit()
    return reply


def _count_reply(post_id: int, when, delta: int) -> None:
    """Keep reply_count / last_reply_at / last_activity_at in step (same transaction)."""
    values = {"reply_count": Post.reply_count + delta}
    if delta > 0:
        values.update(last_reply_at=when, last_activity_at=when)
    db.session.execute(update(Post).where(Post.id == post_id).values(**values)
                       .execution_options(synchronize_session=False))


def delete_reply(actor: User, reply: Reply) -> None:
    was_published = reply.status == PostStatus.PUBLISHED
    reply.status = PostStatus.DELETED
    reply.updated_at = utcnow()
    if was_published:
        _count_reply(reply.post_id, None, -1)
    db.session.commit()


@dataclass
class ReplyPage:
    replies: list[Reply]
    total: int
    page: int
    pages: int
    per_page: int


def reply_page(post: Post, page: int = 1, per_page: int = 50, user=None) -> ReplyPage:
    """One page of the replies the viewer may see, oldest first (two queries: count, page).
    A page past the last shows the last."""
    clause = visible_replies_clause(viewer_for(user))
    total = db.session.scalar(select(func.count()).select_from(Reply).where(
        Reply.post_id == post.id, clause)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    replies = list(db.session.scalars(
        select(Reply).where(Reply.post_id == post.id, clause)
        .options(joinedload(Reply.author)).order_by(Reply.created_at, Reply.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return ReplyPage(replies=replies, total=total, page=page, pages=pages, per_page=per_page)


def page_of_reply(reply: Reply, per_page: int = 50, user=None) -> int:
    """The page of its post on which the viewer finds this reply."""
    before = db.session.scalar(select(func.count()).select_from(Reply).where(
        Reply.post_id == reply.post_id, visible_replies_clause(viewer_for(user)),
        (Reply.created_at < reply.created_at)
        | ((Reply.created_at == reply.created_at) & (Reply.id < reply.id)))) or 0
    return before // per_page + 1


def get_visible_reply(reply_id: int, user=None) -> Reply | None:
    """The reply if the viewer may see it and its post, else None."""
    viewer = viewer_for(user)
    return db.session.scalar(
        select(Reply).join(Post, Post.id == Reply.post_id)
        .where(Reply.id == reply_id, visible_replies_clause(viewer),
               visible_posts_clause(viewer)))


# ------------------------------------------------------------------------- stars

def set_star(user: User, post: Post, starred: bool | None = None) -> tuple[bool, int]:
    """Star (starred=True) or un-star (False) a post the user can see; None: the opposite of
    now. Saying which makes a double click harmless: the second click asks for what is already
    so. Returns (starred now, star count)."""
    if not can_read_post(post, user) or post.status != PostStatus.PUBLISHED:
        raise PostError(_("You cannot star this post."))
    delta = 0
    if starred is not True:
        delta = -db.session.execute(
            delete(Star).where(Star.user_id == user.id, Star.post_id == post.id)).rowcount
        if starred is None:
            starred = not delta
    if starred:
        delta = 1 if insert_once(Star(user_id=user.id, post_id=post.id)) else 0
    if delta:
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(star_count=Post.star_count + delta)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    count = db.session.scalar(select(Post.star_count).where(Post.id == post.id))
    return starred, count


def starred_ids(user, post_ids) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not post_ids:
        return set()
    return set(db.session.scalars(select(Star.post_id).where(
        Star.user_id == user.id, Star.post_id.in_(list(post_ids)))))


# ------------------------------------------------------------------------- moderation states
#
# State changes the moderation queue drives (app/moderation/services.py adds the audit entry,
# the mails and the commit). Each is a conditional update: the first decision wins.

def transition(model, item_id: int, new_status: PostStatus, note: str | None,
               from_statuses=(PostStatus.PENDING,)) -> bool:
    """Move a post or reply to a new status if it is still in one of `from_statuses`.

    Keeps the post's counters in step when a reply is published or taken away. Returns False
    (and changes nothing) when someone else decided first. Does not commit."""
    now = utcnow()
    values = {"status": new_status, "moderation_note": note}
    if new_status == PostStatus.PUBLISHED:
        values["published_at"] = func.coalesce(model.published_at, now)
        if model is Post:
            values["last_activity_at"] = func.coalesce(model.last_activity_at, now)
    result = db.session.execute(
        update(model).where(model.id == item_id, model.status.in_(from_statuses))
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    from app.search.index import touch
    if model is Post:
        touch(item_id)
    if model is Reply:
        post_id = db.session.scalar(select(Reply.post_id).where(Reply.id == item_id))
        touch(post_id)
        if new_status == PostStatus.PUBLISHED:
            _count_reply(post_id, now, +1)
        elif PostStatus.PUBLISHED in from_statuses:
            _count_reply(post_id, None, -1)
    db.session.expire_all()
    return True


def rewrite_post(post: Post, title: str, body: str) -> None:
    """An admin's correction of a post's text (edit-then-approve). Does not commit."""
    title, body = _clean_text(title, body)
    post.title, post.body, post.body_html = title, body, render_markdown(body)
    post.updated_at = utcnow()


# ------------------------------------------------------------------------- the board

SORTS = {
    "recent": (Post.published_at.desc(), Post.id.desc()),
    "replies": (Post.reply_count.desc(), Post.id.desc()),
    "activity": (Post.last_activity_at.desc(), Post.id.desc()),
    "stars": (Post.star_count.desc(), Post.id.desc()),
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
    posts: list[Post]
    total: int
    page: int
    pages: int
    value_counts: dict[int, int]
    starred: set[int]
    waiting: list[Post]
    categories: list
    groups: list
    search: object = None  # the parsed query when searching
    search_problem: str | None = None


def _value_conditions(values_by_group: dict[int, list[int]]):
    """Posts having any chosen value of each group (OR within a group, AND across groups)."""
    return [Post.id.in_(select(post_filter_value.c.post_id)
                        .where(post_filter_value.c.filter_value_id.in_(ids)))
            for ids in values_by_group.values()]


def board(theme: Theme, query: BoardQuery, user=None, per_page: int = 20) -> Board:
    """A page of the theme's published posts the viewer may see, with facet counts."""
    viewer: Viewer = viewer_for(user)
    groups = filter_groups_for(theme)
    value_group = {v.id: g.id for g in groups for v in g.values}
    by_group: dict[int, list[int]] = {}
    for vid in query.filter_value_ids:
        if vid in value_group:
            by_group.setdefault(value_group[vid], []).append(vid)

    base = [Post.theme_id == theme.id, Post.status == PostStatus.PUBLISHED,
            visible_posts_clause(viewer)]
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
        base = [Post.theme_id.in_(subtree_ids(theme)), visible_posts_clause(viewer),
                match if match is not None else false()]
    category_cond = [Post.category_id == query.category_id] if query.category_id else []
    value_conds = _value_conditions(by_group)
    where = base + category_cond + value_conds

    # The viewer's own stars come with the page (outer join): no query per post, nor an extra
    # one. A search ranks and counts ids only, in one pass (page_of_matches), then loads the
    # page's 20 rows; the board's own count is a query of its own (its page stops after 20).
    searching = match is not None
    order = SORTS.get(query.sort, SORTS["recent"])
    best = searching and query.sort == "relevance"

    def load(page_number):
        if searching:
            from app.search.services import order_again, page_of_matches
            hits = page_of_matches(parsed, [c for c in where if c is not match], order, best,
                                   per_page, (page_number - 1) * per_page)
            q = (select(Post, hits.c.total).join(hits, hits.c.id == Post.id)
                 .order_by(*order_again(hits, order, best)))
        else:
            q = (select(Post, literal(None)).where(*where).order_by(*order)
                 .limit(per_page).offset((page_number - 1) * per_page))
        if viewer.user_id is not None:
            q = q.add_columns(Star.user_id).outerjoin(
                Star, (Star.post_id == Post.id) & (Star.user_id == viewer.user_id))
        else:
            q = q.add_columns(literal(None))
        return db.session.execute(
            q.options(joinedload(Post.author), joinedload(Post.category),
                      joinedload(Post.organisation), selectinload(Post.filter_values))
        ).unique().all()

    page = max(1, query.page)
    if not searching:
        total = db.session.scalar(select(func.count()).select_from(Post).where(*where)) or 0
        page = min(page, max(1, -(-total // per_page)))
    rows = load(page)
    if searching and rows:
        total = rows[0][1]
    elif searching:
        total = db.session.scalar(select(func.count()).select_from(Post).where(*where)) or 0
        if total and page > 1:  # past the last page: show the last one
            page = -(-total // per_page)
            rows = load(page)
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    posts = [r[0] for r in rows]
    starred = {r[0].id for r in rows if r[2] is not None}

    # Facet counts: what the viewer would get by picking each, with the rest of the selection.
    category_counts = (select(Post.category_id.label("category_id"), func.count().label("n"))
                       .where(*base, *value_conds).group_by(Post.category_id).subquery())
    categories = categories_for(theme, counts=category_counts)
    value_counts = dict(db.session.execute(
        select(post_filter_value.c.filter_value_id, func.count())
        .join(Post, Post.id == post_filter_value.c.post_id)
        .where(*base, *category_cond).group_by(post_filter_value.c.filter_value_id)).all())

    waiting: list[Post] = []
    is_admin = viewer.platform_owner or theme.id in viewer.admin_theme_ids
    if viewer.is_authenticated and not is_admin and not query.q:  # admins have the queue
        # The author's own posts that wait, were refused or were hidden, with their state.
        waiting = list(db.session.scalars(
            select(Post).where(Post.theme_id == theme.id, Post.author_id == viewer.user_id,
                               Post.status.in_([PostStatus.PENDING, PostStatus.REJECTED,
                                                PostStatus.HIDDEN]))
            .order_by(Post.created_at.desc()).limit(20)))
    return Board(posts=posts, total=total, page=page, pages=pages, value_counts=value_counts,
                 starred=starred,
                 waiting=waiting, categories=categories, groups=groups, search=parsed,
                 search_problem=problem)


