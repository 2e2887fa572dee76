"""The notification list: entries are added in the transaction of what they tell about
(a reply, a mention, a moderation decision, an invitation), so an entry exists exactly when
that happened. An entry about an item the person can no longer read shows neither its title
nor a link (the rule of the outcome mails), decided when the list is shown."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.auth.models import User
from app.extensions import db
from app.inbox.models import Notice, NoticeKind
from app.items.models import Comment, Item
from app.permissions import can_read_item, viewer_for, visible_items_clause
from app.timeutil import utcnow

# At most this many people are notified of mentions in one text.
MENTIONS_MAX = 20
PER_PAGE = 30
_MENTION_START = re.compile(r"(?<![\w@])@(\w[\w.\-]*)")


def add(user_id: int, kind: NoticeKind, *, item: Item | None = None,
        comment: Comment | None = None, theme_id: int | None = None,
        actor: User | None = None, link: str | None = None) -> Notice:
    """A new unread entry for this person (in the current transaction)."""
    notice = Notice(user_id=user_id, kind=kind, item_id=item.id if item is not None else None,
                    comment_id=comment.id if comment is not None else None,
                    theme_id=theme_id if theme_id is not None else (item.theme_id if item else None),
                    actor_id=actor.id if actor is not None else None, link=link,
                    created_at=utcnow())
    db.session.add(notice)
    db.session.execute(update(User).where(User.id == user_id)
                       .values(unread_notices=User.unread_notices + 1)
                       .execution_options(synchronize_session=False))
    return notice


def unread_count(user) -> int:
    """Unread entries: the count kept on the user row (no query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return user.unread_notices or 0


@dataclass
class Entry:
    notice: Notice
    readable: bool  # the item (if any) is readable for the person now

    @property
    def unread(self) -> bool:
        return self.notice.read_at is None


def page(user: User, number: int = 1, per_page: int = PER_PAGE) -> tuple[list[Entry], bool]:
    """One page of the person's entries, newest first, and whether there is a next page.
    Which items are readable is one query for the whole page."""
    from sqlalchemy.orm import joinedload

    rows = list(db.session.scalars(
        select(Notice).where(Notice.user_id == user.id)
        .options(joinedload(Notice.item), joinedload(Notice.actor), joinedload(Notice.theme))
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .offset((number - 1) * per_page).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    item_ids = {n.item_id for n in rows if n.item_id is not None}
    readable = set(db.session.scalars(select(Item.id).where(
        Item.id.in_(item_ids), visible_items_clause(viewer_for(user))))) if item_ids else set()
    return [Entry(n, n.item_id is None or n.item_id in readable) for n in rows], more


def mark_read(user: User, notice_ids=None) -> None:
    """Mark these entries (default: all) of the person read, and count again."""
    q = update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    if notice_ids is not None:
        if not notice_ids:
            if user.unread_notices:  # counted entries that went with their item
                recount(user)
            return
        q = q.where(Notice.id.in_(notice_ids))
    db.session.execute(q.values(read_at=utcnow()).execution_options(synchronize_session=False))
    recount(user)


def recount(user: User) -> None:
    """Count the person's unread entries again onto their row (entries that went with their
    item, a deleted theme say, no longer count)."""
    db.session.execute(update(User).where(User.id == user.id).values(
        unread_notices=select(func.count(Notice.id)).where(
            Notice.user_id == User.id, Notice.read_at.is_(None)).scalar_subquery())
        .execution_options(synchronize_session=False))
    target = user._get_current_object() if hasattr(user, "_get_current_object") else user
    db.session.expire(target, ["unread_notices"])


# ------------------------------------------------------------------ mentions

def mentioned_users(text: str) -> list[User]:
    """The people named as @username in the text (user names may hold spaces: the longest
    name that follows the @ wins), at most MENTIONS_MAX."""
    starts = {m.group(1).lower() for m in _MENTION_START.finditer(text or "")}
    if not starts:
        return []
    starts = sorted(starts)[:MENTIONS_MAX * 2]
    lowered = func.lower(User.username)
    conditions = [lowered == s for s in starts] + [lowered.like(s.replace("%", r"\%").replace(
        "_", r"\_") + " %", escape="\\") for s in starts]
    from sqlalchemy import or_
    candidates = list(db.session.scalars(select(User).where(
        or_(*conditions), User.email_confirmed_at.is_not(None)).limit(200)))
    found: dict[int, User] = {}
    lowered_text = (text or "").lower()
    for m in _MENTION_START.finditer(text or ""):
        rest = lowered_text[m.start() + 1:]
        best = None
        for user in candidates:
            name = user.username.lower()
            if rest.startswith(name) and not (len(rest) > len(name) and (
                    rest[len(name)].isalnum() or rest[len(name)] == "_")):
                if best is None or len(name) > len(best.username):
                    best = user
        if best is not None:
            found.setdefault(best.id, best)
        if len(found) >= MENTIONS_MAX:
            break
    return list(found.values())


def notify_mentions(item: Item, comment: Comment | None = None, skip=()) -> int:
    """Tell the people mentioned in a published item (or reply) who can read it (but those in
    `skip`, told of it already). Returns how many were told."""
    text = comment.body if comment is not None else item.body
    author_id = comment.author_id if comment is not None else item.author_id
    actor = comment.author if comment is not None else item.author
    told = 0
    for user in mentioned_users(text):
        if user.id == author_id or user.id in skip or not can_read_item(item, user):
            continue
        add(user.id, NoticeKind.MENTION, item=item, comment=comment, actor=actor)
        told += 1
    return told
