"""Digests (W16) and overviews (P10).

- A members' digest is a DigestRun with a unique key per top-level theme and period. Admins
  may edit the run of the current period (intro, which posts) before it goes, or send it
  now; the scheduler sends it when the period has ended. Recipients are claimed one by one
  with a unique DigestDelivery row, so two schedulers, a restart or a retry never mail a
  period twice, and a failed run resumes with only the recipients not yet served.
- Every recipient gets only the chosen posts that the visibility policy lets them see.
- The admins' digest tells each admin what waits in their moderation queues (daily).
- The overview (P10) mails each person the new posts of their themes at their own frequency.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, select, update

from app.items.kinds import item_url
from app.auth.models import User
from app.digest.models import DigestDelivery, DigestRun
from app.extensions import db
from app.mail.notifications import theme_notifications_on, unsubscribe_url
from app.mail.services import send_mail
from app.moderation.services import queue_count
from app.permissions import (Viewer, item_kind_on_clause, viewer_for, viewers_for,
                             visible_items_clause)
from app.items.models import Item, ItemState
from app.themes.models import Membership, MembershipStatus, Role, Theme
from app.themes.services import subtree_ids
from app.timeutil import utcnow
from app.transactions import insert_once
from app.urls import external_url

log = logging.getLogger(__name__)
FREQUENCIES = ("off", "daily", "weekly", "monthly")
BATCH = 200


# ------------------------------------------------------------------ periods

def period_of(frequency: str, moment: datetime) -> tuple[str, datetime, datetime]:
    """(key, start, end) of the period containing `moment` (UTC calendar periods)."""
    day = datetime(moment.year, moment.month, moment.day)
    if frequency == "daily":
        return day.strftime("%Y-%m-%d"), day, day + timedelta(days=1)
    if frequency == "weekly":
        start = day - timedelta(days=day.weekday())
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}", start, start + timedelta(days=7)
    if frequency == "monthly":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start.strftime("%Y-%m"), start, end
    raise ValueError(frequency)


def previous_period(frequency: str, now: datetime) -> tuple[str, datetime, datetime]:
    _key, start, _end = period_of(frequency, now)
    return period_of(frequency, start - timedelta(seconds=1))


# ------------------------------------------------------------------ members' digest

def candidate_posts(theme: Theme, start: datetime, end: datetime, limit: int) -> list[Item]:
    """The period's most interesting published posts of the theme and its subthemes."""
    return list(db.session.scalars(
        select(Item).where(Item.theme_id.in_(subtree_ids(theme)),
                           Item.state == ItemState.PUBLISHED, item_kind_on_clause(),
                           Item.published_at >= start, Item.published_at < end)
        .order_by((Item.star_count * 2 + Item.comment_count).desc(), Item.published_at.desc())
        .limit(limit)))


def get_run(theme: Theme, key: str, start: datetime, end: datetime) -> DigestRun:
    """The run for a theme and period, created once whoever asks first."""
    full_key = f"theme:{theme.id}:{key}"
    run = db.session.scalar(select(DigestRun).where(DigestRun.key == full_key))
    if run is not None:
        return run
    from flask import current_app
    posts = candidate_posts(theme, start, end, current_app.config["DIGEST_MAX_POSTS"])
    run = DigestRun(key=full_key, kind="theme", theme_id=theme.id, period_start=start,
                    period_end=end, item_ids=[p.id for p in posts])
    if not insert_once(run):  # another process created it first
        run = db.session.scalar(select(DigestRun).where(DigestRun.key == full_key))
    db.session.flush()
    return run


def current_run(theme: Theme) -> DigestRun:
    frequency = theme.digest_frequency if theme.digest_frequency != "off" else "weekly"
    key, start, end = period_of(frequency, utcnow())
    return get_run(theme, key, start, end)


def edit_run(run: DigestRun, intro: str, item_ids: list[int]) -> None:
    """An admin's choice of intro and posts (only posts of the theme's period)."""
    if run.status != "draft":
        from app.themes.services import ThemeError
        raise ThemeError(_("This digest was already sent."))
    allowed = {p.id for p in candidate_posts(run.theme, run.period_start, run.period_end, 100)}
    run.intro = (intro or "").strip()[:5000]
    run.item_ids = [pid for pid in dict.fromkeys(item_ids) if pid in allowed]
    run.edited = True
    db.session.flush()


def recipients(theme: Theme) -> list[User]:
    """Confirmed active members of the theme or its subthemes with its mails switched on
    (one query: the nearest membership in the theme's lineage decides, as in
    notifications.theme_notifications_on)."""
    lineage = theme.lineage_ids()
    switched_off = select(Membership.user_id).where(
        Membership.theme_id.in_(lineage), Membership.notifications.is_(False),
        Membership.status != MembershipStatus.REJECTED)
    users = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.theme_id.in_(subtree_ids(theme)),
               Membership.status == MembershipStatus.ACTIVE,
               User.email_confirmed_at.is_not(None)).distinct().order_by(User.id)))
    if len(lineage) == 1:  # a top-level theme: its own membership is the only one that counts
        off = set(db.session.scalars(switched_off))
        return [u for u in users if u.id not in off]
    return [u for u in users if theme_notifications_on(u.id, theme)]


def visible_digest_posts(run: DigestRun, user: User, viewer=None) -> list[Item]:
    if not run.item_ids:
        return []
    found = {p.id: p for p in db.session.scalars(
        select(Item).where(Item.id.in_(run.item_ids), Item.state == ItemState.PUBLISHED,
                           visible_items_clause(viewer or viewer_for(user))))}
    return [found[pid] for pid in run.item_ids if pid in found]


class _SharedVisibility:
    """What each recipient may see of a run, asked of the SQL policy once per kind of viewer
    instead of once per person. The policy depends on the person themselves only through
    restricted audiences and their own posts; when the run has no restricted post and the
    person wrote none of its posts, the same memberships see the same posts, so the answer for
    a viewer with those memberships (and no identity) is theirs too. Otherwise: asked per person."""

    def __init__(self, run: DigestRun):
        self.run = run
        facts = db.session.execute(select(Item.author_id, Item.restricted)
                                   .where(Item.id.in_(run.item_ids or []))).all()
        self.authors = {author for author, _restricted in facts}
        self.any_restricted = any(restricted for _author, restricted in facts)
        self.by_kind: dict[tuple, list[Item]] = {}

    def posts_for(self, user: User, viewer) -> list[Item]:
        if self.any_restricted or user.id in self.authors or viewer.user_id is None:
            return visible_digest_posts(self.run, user, viewer)
        kind = (viewer.member_theme_ids, viewer.admin_theme_ids, viewer.platform_owner)
        if kind not in self.by_kind:
            self.by_kind[kind] = visible_digest_posts(self.run, user, Viewer(
                member_theme_ids=viewer.member_theme_ids,
                admin_theme_ids=viewer.admin_theme_ids, platform_owner=viewer.platform_owner))
        return self.by_kind[kind]


def _claim_deliveries(run_id: int, user_ids: list[int]) -> set[int]:
    """Insert a delivery row for each of these recipients unless one exists; the ids whose
    row this call made (one statement: two senders can never both serve someone)."""
    if not user_ids:
        return set()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    statement = (insert(DigestDelivery)
                 .values([dict(run_id=run_id, user_id=uid, created_at=now) for uid in user_ids])
                 .on_conflict_do_nothing(index_elements=["run_id", "user_id"])
                 .returning(DigestDelivery.user_id))
    return set(db.session.scalars(statement))


def send_run(run_id: int) -> int:
    """Send a run to every recipient not yet served; resumable and safe to run twice.
    Returns how many mails this call queued. Recipients go in batches: each batch claims its
    delivery rows, queues its mails and commits, so the outbox sender delivers one batch while
    the next is built. These batch commits are deliberate, also when an admin's request sends
    the run: a long send is never one transaction."""
    from flask import current_app

    claimed = db.session.execute(
        update(DigestRun).where(DigestRun.id == run_id, DigestRun.status.in_(["draft", "sending"]))
        .values(status="sending", started_at=func.coalesce(DigestRun.started_at, utcnow()))
    ).rowcount
    db.session.commit()
    if not claimed:
        return 0
    run = db.session.get(DigestRun, run_id)
    theme = run.theme
    if not run.edited:  # keep the automatic choice up to date until it goes
        run.item_ids = [p.id for p in candidate_posts(
            theme, run.period_start, run.period_end, current_app.config["DIGEST_MAX_POSTS"])]
        db.session.commit()
    served = set(db.session.scalars(select(DigestDelivery.user_id)
                                    .where(DigestDelivery.run_id == run.id)))
    queued = 0
    todo = [u for u in recipients(theme) if u.id not in served]
    shared = _SharedVisibility(run)
    for i in range(0, len(todo), BATCH):
        mine = _claim_deliveries(run.id, [u.id for u in todo[i:i + BATCH]])
        batch = [u for u in todo[i:i + BATCH] if u.id in mine]  # others: another sender's
        viewers = viewers_for(batch)
        messages = {}
        for user in batch:
            posts = shared.posts_for(user, viewers[user.id])
            if not posts:
                continue  # nothing this person may see: served, no mail
            messages[user.id] = send_mail(
                user.email, lambda: _("What happened in %(theme)s", theme=theme.name), "digest",
                locale=user.locale, kind="digest", user=user,
                unsubscribe_url=unsubscribe_url(user, "theme", theme.id), theme=theme,
                posts=posts, intro=run.intro,
                links={p.id: item_url(p, external=True) for p in posts})
        db.session.flush()
        if messages:
            table = DigestDelivery.__table__  # Core executemany: one statement, many rows
            db.session.execute(
                update(table).where(table.c.run_id == run.id,
                                    table.c.user_id == bindparam("recipient"))
                .values(outbox_id=bindparam("message")),
                [{"recipient": uid, "message": m.id} for uid, m in messages.items()])
        queued += len(messages)
        db.session.commit()
    db.session.execute(update(DigestRun).where(DigestRun.id == run.id)
                       .values(status="sent", sent_at=utcnow()))
    db.session.commit()
    return queued


def send_due_digests(now: datetime | None = None) -> int:
    """The scheduler's job: send each top-level theme's digest of the period that ended."""
    now = now or utcnow()
    sent = 0
    for theme in db.session.scalars(select(Theme).where(Theme.parent_id.is_(None),
                                                        Theme.deleted_at.is_(None),
                                                        Theme.digest_frequency != "off")):
        key, start, end = previous_period(theme.digest_frequency, now)
        run = get_run(theme, key, start, end)
        if run.status != "sent":
            sent += send_run(run.id)
    return sent


# ------------------------------------------------------------------ admins' digest

def send_admin_digests(now: datetime | None = None) -> int:
    """Tell each admin (once a day) what waits in their queues."""
    now = now or utcnow()
    key = f"admins:{now:%Y-%m-%d}"
    run = db.session.scalar(select(DigestRun).where(DigestRun.key == key))
    if run is None:
        run = DigestRun(key=key, kind="admins", period_start=now, period_end=now)
        if not insert_once(run):  # another process created it first
            run = db.session.scalar(select(DigestRun).where(DigestRun.key == key))
        db.session.commit()
    return send_admin_run(run)


def send_admin_run(run: DigestRun) -> int:
    """Serve every admin not yet served by this admins' run; resumable and safe to run twice."""
    if run.status == "sent":
        return 0
    admins = list(db.session.scalars(
        select(User).where(User.email_confirmed_at.is_not(None), User.admin_digest.is_(True),
                           (User.is_platform_owner.is_(True)) | User.id.in_(
                               select(Membership.user_id).where(
                                   Membership.status == MembershipStatus.ACTIVE,
                                   Membership.role.in_([Role.ADMIN, Role.OWNER]))))
        .order_by(User.id)))
    queued = 0
    for user in admins:
        if not insert_once(DigestDelivery(run_id=run.id, user_id=user.id)):
            continue  # another process serves this admin
        waiting = queue_count(viewer_for(user))
        if waiting:
            send_mail(user.email, lambda: ngettext("%(num)d item waits for moderation",
                                                   "%(num)d items wait for moderation", waiting),
                      "admin_digest", locale=user.locale, kind="admin_digest", user=user,
                      unsubscribe_url=unsubscribe_url(user, "admin_digest"), waiting=waiting,
                      link=external_url("moderation.overview"))
            queued += 1
        db.session.commit()
    run.status, run.sent_at = "sent", utcnow()
    db.session.commit()
    return queued


RESUME_THEME_DRAFTS_AFTER = timedelta(days=1)  # an ended period's run waits for DIGEST_HOUR


def resume_unfinished_runs(now: datetime | None = None) -> int:
    """Finish every run a scheduler started but did not finish, whatever its period: runs
    being sent, admins' runs left in draft, and members' digests of an ended period that are
    still drafts a day later (their theme's frequency unchanged and not off). Returns the
    mails queued."""
    from sqlalchemy import or_

    now = now or utcnow()
    queued = 0
    runs = list(db.session.scalars(
        select(DigestRun).where(
            DigestRun.status.in_(["draft", "sending"]), DigestRun.period_end <= now,
            or_(DigestRun.kind == "admins", DigestRun.status == "sending",
                DigestRun.period_end <= now - RESUME_THEME_DRAFTS_AFTER))
        .order_by(DigestRun.id)))
    for run in runs:
        if run.kind == "admins":
            queued += send_admin_run(run)
            continue
        theme = run.theme
        if theme is None:
            continue
        if run.status == "draft":
            if theme.digest_frequency == "off":
                continue
            _key, start, end = period_of(theme.digest_frequency, run.period_start)
            if (start, end) != (run.period_start, run.period_end):
                continue  # a period of a frequency the theme no longer uses
        queued += send_run(run.id)
    return queued


# ------------------------------------------------------------------ personal overviews

OVERVIEW_DAYS = {"daily": 1, "weekly": 7, "monthly": 30}


def send_overviews(now: datetime | None = None) -> int:
    """Mail each person the new posts of their themes, at their own frequency (P10)."""
    from sqlalchemy import or_

    now = now or utcnow()
    queued = 0
    due = [(User.overview_frequency == frequency) & (
        User.last_overview_at.is_(None)
        | (User.last_overview_at <= now - timedelta(days=days) + timedelta(hours=1)))
        for frequency, days in OVERVIEW_DAYS.items()]
    users = list(db.session.scalars(select(User).where(
        User.email_confirmed_at.is_not(None), or_(*due))))
    for user in users:
        days = OVERVIEW_DAYS.get(user.overview_frequency)
        if days is None:
            continue
        previous = user.last_overview_at
        if previous is not None and previous > now - timedelta(days=days) + timedelta(hours=1):
            continue
        since = previous or (now - timedelta(days=days))
        # Claim this person's overview: a second scheduler finds last_overview_at changed.
        claimed = db.session.execute(
            update(User).where(User.id == user.id, (User.last_overview_at == previous)
                               if previous is not None else User.last_overview_at.is_(None))
            .values(last_overview_at=now)).rowcount
        if not claimed:
            db.session.rollback()
            continue
        viewer = viewer_for(user)
        theme_ids = [t for t in viewer.joined_theme_ids
                     if theme_notifications_on(user.id, db.session.get(Theme, t))]
        posts = list(db.session.scalars(
            select(Item).where(Item.theme_id.in_(theme_ids), Item.state == ItemState.PUBLISHED,
                               Item.published_at >= since, Item.published_at < now,
                               Item.author_id != user.id, visible_items_clause(viewer))
            .order_by(Item.published_at.desc()).limit(20))) if theme_ids else []
        if posts:
            send_mail(user.email, lambda: _("New in your themes"), "overview", locale=user.locale,
                      kind="overview", user=user, posts=posts,
                      unsubscribe_url=unsubscribe_url(user, "overview"),
                      links={p.id: item_url(p, external=True) for p in posts})
            queued += 1
        db.session.commit()
    return queued
