"""Rules of questions, blog articles and status updates. The item itself is written by the
board's services (app.posts.services: text, category, filters, part, audience, attachments,
moderation); here what each kind adds: the best answer and stars on answers, the intro and
cover of an article, the message, image, video and link of a status update. Every list goes
through app.permissions.visible_items_clause. Services flush, never commit."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.errors import DomainError
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Attachment, Comment, Item, ItemState
from app.permissions import (can_mark_best_answer, can_read_item, can_star_comment, viewer_for,
                             visible_comments_clause, visible_items_clause)
from app.posts import services as posts
from app.posts import uploads
from app.timeutil import utcnow
from app.toolkit import images
from app.toolkit.models import BlogArticle, CommentStar, Question, StatusUpdate
from app.toolkit.videos import parse_video
from app.transactions import insert_once

INTRO_MAX = 300  # characters of a blog article's intro
MESSAGE_MAX = 500  # characters of a status update
URL_MAX = 500


class ToolkitError(DomainError):
    """A rule of questions, blog articles or status updates was broken."""


# ------------------------------------------------------------------------- lists

@dataclass
class ListPage:
    rows: list  # (item, detail row or None, the kind's image or None) per item, in order
    total: int
    page: int
    pages: int


def _rows_query(theme, kind: ItemKind, detail, where, order, options):
    """The theme's published items of a kind the viewer may see, each with its detail row
    and the kind's own image (a blog cover, an update's image) in the same SELECT."""
    cond = [Item.theme_id == theme.id, Item.kind == kind, Item.state == ItemState.PUBLISHED,
            visible_items_clause(viewer_for(), in_theme=theme), *where]
    query = select(Item).where(*cond)
    image_id = {BlogArticle: BlogArticle.cover_id, StatusUpdate: StatusUpdate.image_id}.get(detail)
    if detail is not None:
        query = query.add_columns(detail).outerjoin(detail, detail.item_id == Item.id)
    if detail in (BlogArticle, StatusUpdate):
        image = aliased(Attachment)
        query = query.add_columns(image).outerjoin(image, image.id == image_id)
    order = order or (Item.published_at.desc(), Item.id.desc())
    return cond, (query.order_by(*order)
                  .options(joinedload(Item.author), joinedload(Item.organisation),
                           joinedload(Item.category), *options))


def _rows(result) -> list:
    return [(r[0], r[1] if len(r) > 1 else None, r[2] if len(r) > 2 else None) for r in result]


def list_page(theme, kind: ItemKind, detail=None, *, where=(), order=None, page: int = 1,
              per_page: int = 20, options=()) -> ListPage:
    """One page of the theme's published items of this kind that the viewer may see, each
    with its detail row and image: two queries (the count, the page), plus one per
    collection in `options`, whatever the page's size."""
    cond, query = _rows_query(theme, kind, detail, where, order,
                              (selectinload(Item.filter_values), *options))  # their tags
    total = db.session.scalar(select(func.count()).select_from(Item).where(*cond)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return ListPage(rows=_rows(result.unique().all()), total=total, page=page, pages=pages)


def recent(theme, kind: ItemKind, detail, limit: int, options=()) -> list:
    """The newest (item, detail, image) rows of a kind for the theme's overview (which shows
    no tags): one query (plus one per collection in `options`)."""
    _cond, query = _rows_query(theme, kind, detail, (), None, options)
    return _rows(db.session.execute(query.limit(limit)).unique().all())


# ------------------------------------------------------------------------- questions

def answered_clause():
    """SQL condition on Item: the question has a best answer (a published comment)."""
    return exists(select(Question.item_id).join(Comment, Comment.id == Question.best_comment_id)
                  .where(Question.item_id == Item.id, Comment.state == ItemState.PUBLISHED))


QUESTION_SORTS = {
    "recent": (Item.published_at.desc(), Item.id.desc()),
    "answers": (Item.comment_count.desc(), Item.id.desc()),
    "activity": (Item.last_activity_at.desc(), Item.id.desc()),
    "stars": (Item.star_count.desc(), Item.id.desc()),
}


def question_list(theme, state: str | None, sort: str, category_id: int | None, page: int,
                  per_page: int) -> ListPage:
    """Questions, all or only the open or answered ones, by one of QUESTION_SORTS."""
    where = []
    if state == "open":
        where.append(~answered_clause())
    elif state == "answered":
        where.append(answered_clause())
    if category_id:
        where.append(Item.category_id == category_id)
    return list_page(theme, ItemKind.QUESTION, Question, where=where,
                     order=QUESTION_SORTS.get(sort, QUESTION_SORTS["recent"]),
                     page=page, per_page=per_page)


def create_question(author, theme, data: posts.PostInput) -> Item:
    data.kind = ItemKind.QUESTION
    item = posts.create_post(author, theme, data)
    db.session.add(Question(item_id=item.id))
    db.session.flush()
    return item


def question_of(item: Item) -> Question:
    """The question row of an item of kind question (made when it is missing)."""
    row = db.session.get(Question, item.id)
    if row is None:
        insert_once(Question(item_id=item.id))
        row = db.session.get(Question, item.id)
    return row


def best_answer(item: Item, question: Question | None):
    """The best answer, if the question has one the viewer may see (one query)."""
    if question is None or question.best_comment_id is None:
        return None
    return db.session.scalar(
        select(Comment).where(Comment.id == question.best_comment_id, Comment.item_id == item.id,
                              Comment.state == ItemState.PUBLISHED,
                              visible_comments_clause(viewer_for()))
        .options(joinedload(Comment.author)))


def mark_best_answer(actor, item: Item, comment_id: int | None) -> Question:
    """Make this answer the best one (None: the question has no best answer any more). Only
    the asker and the theme's admins; the answer must be a published answer of this question."""
    if not can_mark_best_answer(item, actor):
        raise ToolkitError(_("Only the person who asked and the admins choose the best answer."))
    question = question_of(item)
    if comment_id is not None:
        answer = db.session.scalar(select(Comment).where(
            Comment.id == comment_id, Comment.item_id == item.id,
            Comment.state == ItemState.PUBLISHED))
        if answer is None:
            raise ToolkitError(_("Choose one of the published answers to this question."))
    question.best_comment_id = comment_id
    question.best_marked_at = utcnow() if comment_id is not None else None
    item.updated_at = utcnow()
    db.session.flush()
    return question


def set_comment_star(user, comment: Comment, starred: bool | None = None) -> tuple[bool, int]:
    """Star (True) or un-star (False) a comment; None: the opposite of now. Saying which makes
    a double click leave one star. The count on the comment changes in the same transaction.
    Returns (starred now, star count)."""
    if not can_read_item(comment.item, user) or not can_star_comment(comment, user):
        raise ToolkitError(_("You cannot star this answer."))
    delta = 0
    if starred is not True:
        delta = -db.session.execute(delete(CommentStar).where(
            CommentStar.user_id == user.id, CommentStar.comment_id == comment.id)).rowcount
        if starred is None:
            starred = not delta
    if starred:
        delta = 1 if insert_once(CommentStar(user_id=user.id, comment_id=comment.id)) else 0
    if delta:
        db.session.execute(update(Comment).where(Comment.id == comment.id)
                           .values(star_count=Comment.star_count + delta)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    return starred, db.session.scalar(select(Comment.star_count).where(Comment.id == comment.id))


def starred_comment_ids(user, comment_ids) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not comment_ids:
        return set()
    return set(db.session.scalars(select(CommentStar.comment_id).where(
        CommentStar.user_id == user.id, CommentStar.comment_id.in_(list(comment_ids)))))


# ------------------------------------------------------------------------- images

def _stored_image(file, field_name: str):
    if file is None or not file.filename:
        return None
    try:
        return images.store_image(file)
    except images.ImageRefused as exc:
        raise ToolkitError(exc.message, field=field_name)


def _attach(item: Item, stored) -> Attachment:
    att = Attachment(stored_name=stored.stored_name, filename=stored.filename,
                     content_type=stored.content_type, size=stored.size, is_image=True)
    item.attachments.append(att)
    return att


def _replace_image(item: Item, holder, new_file, remove: bool, field_name: str) -> None:
    """The kind's image (holder.image or holder.cover) after an edit: a new upload replaces
    the old one, `remove` drops it; a dropped image's file goes once the transaction commits."""
    attr = "cover" if isinstance(holder, BlogArticle) else "image"
    old = getattr(holder, attr)
    stored = _stored_image(new_file, field_name)
    if stored is None and not remove:
        return
    setattr(holder, attr, None)
    if old is not None:
        item.attachments = [a for a in item.attachments if a.id != old.id]
        uploads.remove_after_commit(old.stored_name)
    if stored is not None:
        setattr(holder, attr, _attach(item, stored))


def _without(data: posts.PostInput, keep_id: int | None) -> posts.PostInput:
    """The input without a request to remove the kind's own image as a plain attachment."""
    data.remove_attachment_ids = [i for i in data.remove_attachment_ids if i != keep_id]
    return data


# ------------------------------------------------------------------------- blog

def _clean_intro(intro: str) -> str:
    intro = " ".join((intro or "").split())
    if not intro:
        raise ToolkitError(_("Write a short intro: it is shown in the list of articles."),
                           field="intro")
    if len(intro) > INTRO_MAX:
        raise ToolkitError(_("Use at most %(n)d characters.", n=INTRO_MAX), field="intro")
    return intro


def create_article(author, theme, data: posts.PostInput, intro: str, cover_file) -> Item:
    intro = _clean_intro(intro)
    stored = _stored_image(cover_file, "cover")
    data.kind = ItemKind.BLOG
    item = posts.create_post(author, theme, data)
    cover = _attach(item, stored) if stored is not None else None
    db.session.flush()
    db.session.add(BlogArticle(item_id=item.id, intro=intro,
                               cover_id=cover.id if cover is not None else None))
    db.session.flush()
    return item


def edit_article(editor, item: Item, data: posts.PostInput, intro: str, cover_file,
                 remove_cover: bool) -> Item:
    intro = _clean_intro(intro)
    article = db.session.get(BlogArticle, item.id)
    if article is None:
        article = BlogArticle(item_id=item.id, intro=intro)
        db.session.add(article)
    posts.edit_post(editor, item, _without(data, article.cover_id))
    article.intro = intro
    _replace_image(item, article, cover_file, remove_cover, "cover")
    db.session.flush()
    return item


def blog_list(theme, page: int, per_page: int) -> ListPage:
    """Articles newest first, each with its intro and cover (two queries)."""
    return list_page(theme, ItemKind.BLOG, BlogArticle, page=page, per_page=per_page)


# ------------------------------------------------------------------------- status updates

@dataclass
class UpdateInput:
    message: str = ""
    video_url: str = ""
    link_url: str = ""
    image: object = None
    remove_image: bool = False
    extra: dict = field(default_factory=dict)


def title_of(message: str) -> str:
    """An update's title (lists, mails, search hits): its first words."""
    words = " ".join(message.split())
    return words if len(words) <= 80 else words[:79].rsplit(" ", 1)[0] + "…"


def _clean_update(data: posts.PostInput, video_url: str, link_url: str) -> tuple:
    message = (data.body or "").strip()
    if not message:
        raise ToolkitError(_("Write your message."), field="body")
    if len(message) > MESSAGE_MAX:
        raise ToolkitError(_("Use at most %(n)d characters (now %(m)d).", n=MESSAGE_MAX,
                             m=len(message)), field="body")
    video_url = (video_url or "").strip() or None
    if video_url and (len(video_url) > URL_MAX or parse_video(video_url) is None):
        raise ToolkitError(_("Give the address of a YouTube or Vimeo video, such as "
                             "https://www.youtube.com/watch?v=…"), field="video_url")
    link_url = (link_url or "").strip() or None
    if link_url:
        parts = urlsplit(link_url)
        if (len(link_url) > URL_MAX or parts.scheme not in ("http", "https")
                or not parts.hostname or parts.username or parts.password):
            raise ToolkitError(_("Give a web address that starts with https:// or http://."),
                               field="link_url")
    data.body, data.title = message, title_of(message)
    return video_url, link_url


def create_update(author, theme, data: posts.PostInput, video_url: str, link_url: str,
                  image_file) -> Item:
    video_url, link_url = _clean_update(data, video_url, link_url)
    stored = _stored_image(image_file, "image")
    data.kind = ItemKind.STATUS_UPDATE
    item = posts.create_post(author, theme, data)
    image = _attach(item, stored) if stored is not None else None
    db.session.flush()
    db.session.add(StatusUpdate(item_id=item.id, video_url=video_url, link_url=link_url,
                                image_id=image.id if image is not None else None))
    db.session.flush()
    return item


def edit_update(editor, item: Item, data: posts.PostInput, video_url: str, link_url: str,
                image_file, remove_image: bool) -> Item:
    video_url, link_url = _clean_update(data, video_url, link_url)
    update_row = db.session.get(StatusUpdate, item.id)
    if update_row is None:
        update_row = StatusUpdate(item_id=item.id)
        db.session.add(update_row)
    posts.edit_post(editor, item, _without(data, update_row.image_id))
    if link_url != update_row.link_url:  # a new link gets a new preview
        update_row.link_title = update_row.link_description = update_row.link_checked_at = None
    update_row.video_url, update_row.link_url = video_url, link_url
    _replace_image(item, update_row, image_file, remove_image, "image")
    db.session.flush()
    return item


def update_list(theme, page: int, per_page: int) -> ListPage:
    """Status updates newest first, with their files and images (three queries)."""
    return list_page(theme, ItemKind.STATUS_UPDATE, StatusUpdate, page=page, per_page=per_page,
                     options=(selectinload(Item.attachments),))
