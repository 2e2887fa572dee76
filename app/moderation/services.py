"""Moderation: the review queue of a theme, decisions with reasons, reports, the audit log.

Every decision is one transaction: a conditional state change (the first decision wins), its
audit entry, then a commit; only then are the people it affects told by mail, so a decision
that lost a race sends nothing.
"""
from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from app.items.kinds import ItemKind, item_url
from app.errors import DomainError
from app.auth.models import User
from app.extensions import db
from app.mail.services import send_mail
from app.moderation import audit
from app.moderation.models import Action, ModerationDecision, Report, ReportReason, Resolution
from app.permissions import (Viewer, can_read_item, can_report, forget_cached_memberships,
                             item_kind_on_clause, standing)
from app.posts import services as posts
from app.items.models import Item, ItemState, Comment
from app.themes.models import Membership, MembershipStatus, Role, Theme
from app.themes.services import pending_requests, subtree_ids, theme_admins
from app.timeutil import utcnow
from app.transactions import insert_or_refuse
from app.urls import external_url
from app.urls import parse_id

log = logging.getLogger(__name__)

REJECT_REASONS = {
    "off_topic": _l("It is not about this theme."),
    "advertising": _l("Advertising or spam is not allowed here."),
    "offensive": _l("It is offensive or a personal attack."),
    "privacy": _l("It contains personal data of others."),
    "duplicate": _l("The same question or idea was posted before."),
    "other": _l("Another reason (explained below)."),
}
REPORT_REASONS = {
    ReportReason.SPAM: _l("Spam or advertising"),
    ReportReason.OFF_TOPIC: _l("Not about this theme"),
    ReportReason.OFFENSIVE: _l("Offensive or a personal attack"),
    ReportReason.PRIVACY: _l("Personal data of others"),
    ReportReason.OTHER: _l("Something else"),
}


class ModerationError(DomainError):
    pass


class AlreadyDecided(ModerationError):
    pass


def compose_reason(code: str | None, text: str | None, locale: str) -> str:
    """The reason as the author reads it: the chosen common reason (in their language) and
    the admin's own words."""
    parts = []
    if code and code in REJECT_REASONS and code != "other":
        with force_locale(locale):
            parts.append(str(REJECT_REASONS[code]))
    if text and text.strip():
        parts.append(text.strip())
    if not parts:
        raise ModerationError(_("Give a reason: choose one or write it."), field="reason")
    return " ".join(parts)


def _tell(user: User | None, subject, template: str, **context) -> None:
    """Queue a mail in the current transaction (it goes out when the decision commits)."""
    if user is None or not user.is_confirmed:
        return
    send_mail(user.email, subject, template, locale=user.locale, user=user,
              kind="moderation", **context)


def _lost(target: str):
    db.session.rollback()
    raise AlreadyDecided(_("This was already decided by %(name)s.", name=audit.last_decider(target)))


def _outcome_notices():
    from app.inbox.models import NoticeKind

    return {"approved": NoticeKind.APPROVED, "rejected": NoticeKind.REJECTED,
            "hidden": NoticeKind.HIDDEN, "deleted": NoticeKind.REMOVED,
            "edited": NoticeKind.APPROVED}


def _tell_author(item: Item | Comment, post: Item, subject, outcome: str,
                 reason: str | None = None, diff=None) -> None:
    """Tell the author of a post or reply what was decided, naming the post and linking to it
    (or to the reply) as long as the author may still see it. A reply's author who may no
    longer see its post (removed from a closed theme, say) gets neither its title nor a link:
    the subject then says only that it is about their reply."""
    author = item.author
    if author is None or not author.is_confirmed:
        return
    is_reply = isinstance(item, Comment)
    readable = can_read_item(post, author)
    link = None
    if readable:
        link = (external_url("posts.show_reply", _theme=post.theme, comment_id=item.id)
                if is_reply and item.state != ItemState.DELETED
                else item_url(post, external=True))
    elif is_reply:
        subject = lambda: _("About your reply")  # noqa: E731
    from app.inbox import services as inbox

    inbox.add(author.id, _outcome_notices()[outcome], item=post,
              comment=item if is_reply else None, actor=None)
    _tell(author, subject, "moderation_outcome", item=item, is_reply=is_reply,
          title=post.title if readable or not is_reply else None,
          outcome=outcome, reason=reason, diff=diff, link=link)


# ------------------------------------------------------------------ pending posts and replies

def _decide_pending(admin: User, model, item_id: int, approve: bool,
                    code: str | None = None, text: str | None = None):
    """Approve or reject a pending post or reply: one conditional update (the first decision
    wins), its audit entry and the author's mail, in one transaction."""
    kind = "item" if model is Item else "comment"
    target = f"{kind}:{item_id}"
    reason = None
    if not approve:
        item = db.session.get(model, item_id)
        reason = compose_reason(code, text, item.author.locale if item and item.author else "nl")
    new_status = ItemState.PUBLISHED if approve else ItemState.REJECTED
    if not posts.transition(model, item_id, new_status, reason):
        _lost(target)
    item = db.session.get(model, item_id)
    post = item if model is Item else item.item
    audit.record(theme_id=post.theme_id, actor=admin,
                 action=Action.APPROVE if approve else Action.REJECT, target=target,
                 summary=post.title, reason=reason or "")
    if approve and model is Comment:
        from app.mail.notifications import notify_new_reply
        notify_new_reply(item)
    elif approve:
        from app.inbox.services import notify_mentions
        notify_mentions(item)
    if approve and model is Item and item.kind == ItemKind.TASK:
        from app.tasks.services import mail_assignees
        mail_assignees(item.author or admin, item)  # now that they may read it
    title = post.title
    subjects = {("item", True): lambda: _("Your post \"%(title)s\" is published", title=title),
                ("item", False): lambda: _("Your post \"%(title)s\" was not approved",
                                           title=title),
                ("comment", True): lambda: _("Your reply to \"%(title)s\" is published",
                                           title=title),
                ("comment", False): lambda: _("Your reply to \"%(title)s\" was not approved",
                                            title=title)}
    _tell_author(item, post, subjects[(kind, approve)],
                 "approved" if approve else "rejected", reason=reason)
    db.session.flush()
    return item


def approve_post(admin: User, item_id: int) -> Item:
    return _decide_pending(admin, Item, item_id, True)


def reject_post(admin: User, item_id: int, code: str | None, text: str | None) -> Item:
    return _decide_pending(admin, Item, item_id, False, code, text)


def approve_reply(admin: User, comment_id: int) -> Comment:
    return _decide_pending(admin, Comment, comment_id, True)


def reject_reply(admin: User, comment_id: int, code: str | None, text: str | None) -> Comment:
    return _decide_pending(admin, Comment, comment_id, False, code, text)


def edit_and_approve_post(admin: User, item_id: int, title: str, body: str) -> Item:
    """An admin corrects a pending post and releases it; the author is told what changed."""
    post = db.session.get(Item, item_id)
    if post is None:
        raise ModerationError(_("This post no longer exists."))
    before = f"{post.title}\n\n{post.body}"
    target = f"item:{item_id}"
    if not posts.transition(Item, item_id, ItemState.PUBLISHED, None):
        _lost(target)
    post = db.session.get(Item, item_id)
    try:
        posts.rewrite_post(post, title, body)
    except posts.PostError:
        db.session.rollback()
        raise
    after = f"{post.title}\n\n{post.body}"
    audit.record(theme_id=post.theme_id, actor=admin, action=Action.EDIT_APPROVE, target=target,
                 summary=post.title, before=before, after=after)
    diff = [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:1] in "+-"]
    title = post.title
    _tell_author(post, post, lambda: _("Your post \"%(title)s\" is published with a correction",
                                       title=title), "edited", diff=diff)
    from app.inbox.services import notify_mentions
    notify_mentions(post)
    db.session.flush()
    return post


# ------------------------------------------------------------------ reports

def parse_target(target: str) -> tuple[Item | None, Comment | None]:
    kind, _sep, raw = (target or "").partition(":")
    item_id = parse_id(raw)
    if kind not in ("item", "comment") or item_id is None:
        return None, None
    if kind == "item":
        return db.session.get(Item, item_id), None
    reply = db.session.get(Comment, item_id)
    return (reply.item if reply else None), reply


def report(user: User, post: Item, reply: Comment | None, reason: str, text: str) -> Report:
    """A logged-in person reports a post or reply they can see. Once per person per item."""
    if not can_read_item(post, user):
        raise ModerationError(_("You cannot report this."))
    author_id = reply.author_id if reply is not None else post.author_id
    if author_id == user.id:
        raise ModerationError(_("You cannot report your own text; edit or delete it instead."))
    if not can_report(post, reply, user):
        raise ModerationError(_("You cannot report this."))
    try:
        reason_enum = ReportReason(reason)
    except ValueError:
        raise ModerationError(_("Choose a reason."), field="reason")
    text = (text or "").strip()
    if reason_enum == ReportReason.OTHER and not text:
        raise ModerationError(_("Tell the admins what is wrong."), field="text")
    if len(text) > 2000:
        raise ModerationError(_("Use at most %(n)d characters.", n=2000), field="text")
    target = f"comment:{reply.id}" if reply is not None else f"item:{post.id}"
    first = not db.session.scalar(select(Report.id).where(
        Report.target == target, Report.resolved_at.is_(None)).limit(1))
    entry = Report(theme_id=post.theme_id, target=target, item_id=post.id,
                   comment_id=reply.id if reply is not None else None, reporter_id=user.id,
                   reason=reason_enum, text=text)
    insert_or_refuse(entry, ModerationError(
        _("You already reported this; the admins will look at it.")))
    if first:  # one mail per reported item, not one per report
        theme = db.session.get(Theme, post.theme_id)
        link = external_url("moderation.queue", _theme=theme, slug=theme.slug, kind="reports")
        for admin in theme_admins(theme):
            _tell(admin, lambda: _("Something was reported in %(theme)s", theme=theme.name),
                  "report_received", theme=theme, post=post, reply=reply,
                  reason_label=REPORT_REASONS[reason_enum], text=text, link=link)
    db.session.flush()
    return entry


def _report_target_exists():
    """Reports whose post or reply was deleted meanwhile (e.g. by its author), or whose kind
    of content is switched off in its theme, wait for nobody."""
    live_posts = select(Item.id).where(Item.state != ItemState.DELETED, item_kind_on_clause())
    live_replies = select(Comment.id).where(Comment.state != ItemState.DELETED)
    return Report.item_id.in_(live_posts) & (
        Report.comment_id.is_(None) | Report.comment_id.in_(live_replies))


def _open_reports(target: str) -> list[Report]:
    return list(db.session.scalars(select(Report).where(
        Report.target == target, Report.resolved_at.is_(None)).options(joinedload(Report.reporter))))


def _resolve_reports(target: str, admin: User, resolution: Resolution) -> list[User]:
    """Close the target's open reports; returns the reporters to tell."""
    reports = _open_reports(target)
    db.session.execute(update(Report).where(Report.target == target, Report.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolution=resolution,
                               resolved_by_id=admin.id))
    return [r.reporter for r in reports if r.reporter is not None]


def take_down(admin: User, target: str, delete_it: bool, code: str | None, text: str | None):
    """Hide (author and admins still see it, with the reason) or delete a reported item."""
    post, reply = parse_target(target)
    if post is None:
        raise ModerationError(_("This item no longer exists."))
    item = reply if reply is not None else post
    locale = item.author.locale if item.author else "nl"
    reason = compose_reason(code, text, locale)
    model = Comment if reply is not None else Item
    new_status = ItemState.DELETED if delete_it else ItemState.HIDDEN
    allowed_from = (ItemState.PUBLISHED, ItemState.PENDING) + (
        (ItemState.HIDDEN,) if delete_it else ())
    if not posts.transition(model, item.id, new_status, reason, from_statuses=allowed_from):
        _lost(target)
    reporters = _resolve_reports(target, admin,
                                 Resolution.DELETED if delete_it else Resolution.HIDDEN)
    item = db.session.get(model, item.id)
    audit.record(theme_id=post.theme_id, actor=admin,
                 action=Action.DELETE if delete_it else Action.HIDE, target=target,
                 summary=post.title, reason=reason,
                 before=item.body if delete_it else None)
    outcome = "deleted" if delete_it else "hidden"
    title = post.title
    subjects = {("item", True): lambda: _("An admin removed your post \"%(title)s\"", title=title),
                ("item", False): lambda: _("An admin hid your post \"%(title)s\"", title=title),
                ("comment", True): lambda: _("An admin removed your reply to \"%(title)s\"",
                                           title=title),
                ("comment", False): lambda: _("An admin hid your reply to \"%(title)s\"",
                                            title=title)}
    _tell_author(item, post, subjects[("comment" if reply is not None else "item", delete_it)],
                 outcome, reason=reason)
    _tell_reporters(reporters, post, outcome)
    db.session.flush()
    return item


def _tell_reporters(reporters: list[User], post: Item, outcome: str) -> None:
    """The outcome, naming the post only to reporters who may (still) see it."""
    for reporter in reporters:
        visible = can_read_item(post, reporter)
        title = post.title if visible else None
        link = item_url(post, external=True) if visible else None
        _tell(reporter, (lambda t=title: _("About what you reported in \"%(title)s\"", title=t))
              if title else (lambda: _("About what you reported")), "report_outcome",
              title=title, outcome=outcome, link=link)


def dismiss_reports(admin: User, target: str) -> None:
    """Keep the item as it is and close its reports; the reporters are told."""
    post, reply = parse_target(target)
    if post is None:
        raise ModerationError(_("This item no longer exists."))
    if not _open_reports(target):
        _lost(target)
    reporters = _resolve_reports(target, admin, Resolution.DISMISSED)
    audit.record(theme_id=post.theme_id, actor=admin, action=Action.DISMISS, target=target,
                 summary=post.title)
    _tell_reporters(reporters, post, "dismissed")
    db.session.flush()


# ------------------------------------------------------------------ members

def remove_member(admin: User, theme: Theme, membership_id: int, reason: str) -> None:
    """Remove someone from the theme (not its owner; admins only by the owner)."""
    m = db.session.get(Membership, membership_id)
    if m is None or m.theme_id not in subtree_ids(theme) or m.status != MembershipStatus.ACTIVE:
        raise ModerationError(_("That person is not a member of this theme."))
    if m.role == Role.OWNER:
        raise ModerationError(_("The owner cannot be removed; transfer ownership first."))
    if m.role == Role.ADMIN and not standing(admin, m.theme).is_owner:
        raise ModerationError(_("Only the owner can remove an admin."))
    if m.user_id == admin.id:
        raise ModerationError(_("You cannot remove yourself here."))
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_("Give a reason: the person is told."), field="reason")
    user, member_theme = m.user, m.theme
    deleted = db.session.execute(delete(Membership).where(
        Membership.id == membership_id, Membership.status == MembershipStatus.ACTIVE)).rowcount
    if deleted != 1:
        _lost(f"membership:{membership_id}")
    audit.record(theme_id=member_theme.id, actor=admin, action=Action.REMOVE_MEMBER,
                 target=f"membership:{membership_id}", summary=user.username, reason=reason)
    _tell(user, lambda: _("You are no longer a member of %(theme)s", theme=member_theme.name),
          "member_removed", theme=member_theme, reason=reason)
    db.session.flush()
    forget_cached_memberships(user)


# ------------------------------------------------------------------ the queue

KINDS = ("posts", "replies", "reports", "members")


@dataclass
class QueueItem:
    kind: str
    since: datetime
    theme: Theme
    post: Item | None = None
    reply: Comment | None = None
    membership: Membership | None = None
    reports: list[Report] = field(default_factory=list)

    @property
    def target(self) -> str:
        if self.reply is not None:
            return f"comment:{self.reply.id}"
        if self.post is not None:
            return f"item:{self.post.id}"
        return f"membership:{self.membership.id}"


def _scope(theme: Theme, subtheme_id: int | None = None) -> list[int]:
    """The themes a queue covers: the theme and its subthemes, or one of those."""
    scope = subtree_ids(theme)
    if subtheme_id is not None:
        scope = [subtheme_id] if subtheme_id in scope else []
    return scope


def queue(theme: Theme, kind: str | None = None, subtheme_id: int | None = None,
          limit: int = 100) -> list[QueueItem]:
    """The oldest `limit` items waiting for the admins of `theme` (and its subthemes), oldest
    first. How many wait in all is `theme_queue_count`."""
    scope = _scope(theme, subtheme_id)
    loaded = {i: db.session.identity_map.get(identity_key(Theme, i)) for i in scope}
    missing = [i for i, t in loaded.items() if t is None]
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(missing)))
              } if missing else {}
    themes.update((i, t) for i, t in loaded.items() if t is not None)
    items: list[QueueItem] = []
    if kind in (None, "posts"):
        for p in db.session.scalars(
                select(Item).where(Item.theme_id.in_(scope), Item.state == ItemState.PENDING,
                                   item_kind_on_clause())
                .options(joinedload(Item.author), joinedload(Item.category))
                .order_by(Item.created_at).limit(limit)):
            items.append(QueueItem("posts", p.created_at, themes[p.theme_id], post=p))
    if kind in (None, "replies"):
        for r in db.session.scalars(
                select(Comment).join(Item, Item.id == Comment.item_id)
                .where(Item.theme_id.in_(scope), Comment.state == ItemState.PENDING,
                       Item.state != ItemState.DELETED, item_kind_on_clause())
                .options(joinedload(Comment.author), joinedload(Comment.item))
                .order_by(Comment.created_at).limit(limit)):
            items.append(QueueItem("replies", r.created_at, themes[r.item.theme_id], post=r.item,
                                   reply=r))
    if kind in (None, "reports"):
        grouped: dict[str, QueueItem] = {}
        for rep in db.session.scalars(
                select(Report).where(Report.theme_id.in_(scope), Report.resolved_at.is_(None),
                                     _report_target_exists())
                .options(joinedload(Report.reporter),
                         joinedload(Report.item).joinedload(Item.author),
                         joinedload(Report.comment).joinedload(Comment.author))
                .order_by(Report.created_at).limit(limit * 5)):
            item = grouped.get(rep.target)
            if item is None:
                item = grouped[rep.target] = QueueItem("reports", rep.created_at,
                                                       themes[rep.theme_id], post=rep.item,
                                                       reply=rep.comment)
                items.append(item)
            item.reports.append(rep)
    if kind in (None, "members"):
        for m in pending_requests(theme):
            if m.theme_id in scope:
                items.append(QueueItem("members", m.created_at, m.theme, membership=m))
    items.sort(key=lambda i: i.since)
    return items[:limit]


def _count_waiting(scoped, kinds=KINDS) -> int:
    """What waits, counted the way the queue lists it (a report is one item per reported post
    or reply), for themes matching `scoped(column)`: one query of COUNT subqueries."""
    counts = []
    if "posts" in kinds:
        counts.append(select(func.count(Item.id)).where(
            scoped(Item.theme_id), Item.state == ItemState.PENDING,
            item_kind_on_clause()).scalar_subquery())
    if "replies" in kinds:  # from the few waiting comments (their index) to their items
        on_item = select(Item.id).where(Item.id == Comment.item_id, scoped(Item.theme_id),
                                        Item.state != ItemState.DELETED, item_kind_on_clause())
        counts.append(select(func.count(Comment.id)).where(
            Comment.state == ItemState.PENDING, on_item.exists()).scalar_subquery())
    if "reports" in kinds:
        counts.append(select(func.count(func.distinct(Report.target))).where(
            scoped(Report.theme_id), Report.resolved_at.is_(None),
            _report_target_exists()).scalar_subquery())
    if "members" in kinds:
        counts.append(select(func.count(Membership.id)).join(
            User, User.id == Membership.user_id).where(
            scoped(Membership.theme_id), Membership.status == MembershipStatus.PENDING,
            User.email_confirmed_at.is_not(None)).scalar_subquery())
    if not counts:
        return 0
    total = counts[0]
    for c in counts[1:]:
        total = total + c
    return db.session.scalar(select(total)) or 0


def queue_count(viewer: Viewer) -> int:
    """Everything waiting in the queues this viewer handles (the navigation badge)."""
    if not viewer.admin_theme_ids and not viewer.platform_owner:
        return 0
    if viewer.platform_owner:
        from app.permissions import live_theme_clause
        return _count_waiting(live_theme_clause)
    return _count_waiting(lambda column: column.in_(viewer.admin_theme_ids))


def theme_queue_count(theme: Theme, kind: str | None = None,
                      subtheme_id: int | None = None) -> int:
    """How many items wait in a theme's queue (with its subthemes), as `queue` filters them."""
    scope = _scope(theme, subtheme_id)
    return _count_waiting(lambda column: column.in_(scope),
                          kinds=(kind,) if kind in KINDS else KINDS)


def decisions(theme: Theme, page: int = 1, per_page: int = 50) -> tuple[list[ModerationDecision], bool]:
    """The theme's (and its subthemes') audit log, newest first; (entries, has_more)."""
    rows = list(db.session.scalars(
        select(ModerationDecision).where(ModerationDecision.theme_id.in_(subtree_ids(theme)))
        .order_by(ModerationDecision.created_at.desc(), ModerationDecision.id.desc())
        .limit(per_page + 1).offset((max(1, page) - 1) * per_page)))
    return rows[:per_page], len(rows) > per_page
