"""Notification mails (P10) and their one-click unsubscribe (RFC 8058).

Who is told, and of what, respects the same visibility policy as every page: a recipient
is only mailed about a post the policy lets them see.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select, update

from app.auth.models import User
from app.auth.tokens import make_token, read_token
from app.digest.models import ThreadMute
from app.extensions import db
from app.mail.services import send_mail
from app.permissions import forget_mark, remembered_mark, viewer_for, visible_items_clause
from app.items.models import Item, ItemState, Comment
from app.themes.models import Membership, MembershipStatus, Theme
from app.transactions import insert_once
from app.urls import external_url

UNSUBSCRIBE_KINDS = {"replies", "theme", "overview", "admin_digest"}
FREQUENCIES = ("never", "daily", "weekly", "monthly")


# ------------------------------------------------------------------ unsubscribe

def unsubscribe_url(user: User, kind: str, scope: int | None = None) -> str:
    token = make_token("unsubscribe", {"u": user.id, "k": kind, "s": scope})
    return external_url("notifications.unsubscribe", token=token)


def read_unsubscribe(token: str) -> tuple[User, str, int | None]:
    """(user, kind, scope) of a valid link; TokenInvalid otherwise. Links do not expire."""
    from app.auth.tokens import TokenInvalid

    payload = read_token("unsubscribe", token, max_age=10 * 365 * 24 * 3600)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or payload.get("k") not in UNSUBSCRIBE_KINDS:
        raise TokenInvalid
    return user, payload["k"], payload.get("s")


def apply_unsubscribe(user: User, kind: str, scope: int | None) -> None:
    """Switch off exactly what the link was for, for exactly its own recipient."""
    if kind == "replies" and scope:
        mute_thread(user, scope, True)
    elif kind == "theme" and scope:
        set_theme_notifications(user, scope, False)
    elif kind == "overview":
        user.overview_frequency = "never"
    elif kind == "admin_digest":
        user.admin_digest = False
    db.session.flush()


# ------------------------------------------------------------------ settings

def mute_thread(user: User, item_id: int, muted: bool) -> None:
    """Stop (or resume) mails about new replies to one post; asking for what is already so
    changes nothing. Does not commit."""
    if muted:
        if db.session.get(ThreadMute, (user.id, item_id)) is None:
            insert_once(ThreadMute(user_id=user.id, item_id=item_id))
    else:
        db.session.execute(delete(ThreadMute).where(ThreadMute.user_id == user.id,
                                                    ThreadMute.item_id == item_id))
    forget_mark("_muted")


def is_muted(user, item_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    known = remembered_mark("_muted", item_id)
    if known is not None and user.id == getattr(current_user, "id", None):
        return known
    return db.session.get(ThreadMute, (user.id, item_id)) is not None


def set_theme_notifications(user: User, theme_id: int, on: bool) -> None:
    """Mails from a theme on or off (on the membership that gives access). Does not commit."""
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        return
    db.session.execute(update(Membership).where(
        Membership.user_id == user.id, Membership.theme_id.in_(theme.lineage_ids()))
        .values(notifications=on))


def theme_notifications_on(user_id: int, theme: Theme) -> bool:
    """The nearest membership in the theme's lineage decides."""
    lineage = theme.lineage_ids()
    rows = dict(db.session.execute(select(Membership.theme_id, Membership.notifications).where(
        Membership.user_id == user_id, Membership.theme_id.in_(lineage),
        Membership.status != MembershipStatus.REJECTED)).all())
    for theme_id in reversed(lineage):
        if theme_id in rows:
            return bool(rows[theme_id])
    return True  # e.g. a platform owner without membership


def sees_post(user: User, item_id: int) -> bool:
    return db.session.scalar(select(Item.id).where(
        Item.id == item_id, Item.state == ItemState.PUBLISHED,
        visible_items_clause(viewer_for(user)))) is not None


# ------------------------------------------------------------------ new replies

def notify_new_reply(reply: Comment) -> int:
    """Queue mails about a published reply to the post's author and earlier repliers, and
    put it in their notification lists (muted threads excepted); tell the people it mentions
    (in the current transaction). Returns how many mails were queued."""
    post = reply.item
    participants = {post.author_id} | set(db.session.scalars(
        select(Comment.author_id).where(Comment.item_id == post.id,
                                      Comment.state == ItemState.PUBLISHED)))
    participants.discard(reply.author_id)
    participants.discard(None)
    from app.inbox import services as inbox
    from app.inbox.models import NoticeKind

    if not participants:
        inbox.notify_mentions(post, reply)
        return 0
    muted = set(db.session.scalars(select(ThreadMute.user_id).where(
        ThreadMute.item_id == post.id, ThreadMute.user_id.in_(participants))))
    theme = post.theme
    queued = 0
    told = set()
    for user in db.session.scalars(select(User).where(User.id.in_(participants - muted),
                                                      User.email_confirmed_at.is_not(None))):
        if not sees_post(user, post.id):
            continue
        inbox.add(user.id, NoticeKind.REPLY, item=post, comment=reply, actor=reply.author)
        told.add(user.id)
        if not theme_notifications_on(user.id, theme):
            continue
        author = reply.author.username if reply.author else "?"
        send_mail(user.email, lambda: _("New reply to \"%(title)s\"", title=post.title),
                  "new_reply", locale=user.locale, kind="notification", user=user,
                  unsubscribe_url=unsubscribe_url(user, "replies", post.id),
                  post=post, reply=reply, author=author, theme=theme,
                  link=external_url("posts.show_reply", _theme=theme, comment_id=reply.id))
        queued += 1
    inbox.notify_mentions(post, reply, skip=told)
    return queued
