"""Own data: the export of everything a person wrote and everything kept about them, and
deleting their account (keeping their content under "former member", or deleting it)."""
from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from app.auth.models import LoginSession, User
from app.errors import DomainError
from app.extensions import db
from app.items.models import Attachment, Comment, Item, ItemState, Star
from app.permissions import viewer_for, visible_items_clause
from app.themes.models import Invitation, Membership, Role, Theme

# Rows are read from the database this many at a time.
BATCH = 500
# Cells a spreadsheet would run as a formula start with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OwnDataError(DomainError):
    pass


def csv_cell(value) -> str:
    """A CSV cell as text, a leading apostrophe before anything a spreadsheet would run as a
    formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _row(mapping: dict) -> dict:
    return {k: _json_value(v) for k, v in mapping.items()}


ITEM_FIELDS = ["id", "kind", "theme", "title", "body", "state", "part", "read_access",
               "created_at", "updated_at", "published_at"]
COMMENT_FIELDS = ["id", "item_id", "item_title", "body", "state", "created_at", "published_at"]


def _items(user: User):
    q = (select(Item.id, Item.kind, Theme.name, Item.title, Item.body, Item.state, Item.part,
                Item.read_access, Item.created_at, Item.updated_at, Item.published_at)
         .join(Theme, Theme.id == Item.theme_id).where(Item.author_id == user.id)
         .order_by(Item.id))
    for row in db.session.execute(q.execution_options(yield_per=BATCH)):
        yield _row(dict(zip(ITEM_FIELDS, row)))


def _comments(user: User):
    """The person's replies; the title of the item replied to only while they may read it."""
    readable = (select(Item.id).where(visible_items_clause(viewer_for(user)))).subquery()
    q = (select(Comment.id, Comment.item_id, Item.title, readable.c.id, Comment.body,
                Comment.state, Comment.created_at, Comment.published_at)
         .join(Item, Item.id == Comment.item_id)
         .outerjoin(readable, readable.c.id == Comment.item_id)
         .where(Comment.author_id == user.id).order_by(Comment.id))
    for cid, item_id, title, seen, body, state, created, published in db.session.execute(
            q.execution_options(yield_per=BATCH)):
        yield _row({"id": cid, "item_id": item_id, "item_title": title if seen else None,
                    "body": body, "state": state, "created_at": created,
                    "published_at": published})


def _account(user: User) -> dict:
    """What is kept about the person besides what they wrote."""
    from app.digest.models import ThreadMute
    from app.inbox.models import Notice
    from app.mail.models import OutboxMessage
    from app.moderation.models import Report

    memberships = db.session.execute(
        select(Theme.name, Membership.role, Membership.status, Membership.created_at,
               Membership.notifications)
        .join(Theme, Theme.id == Membership.theme_id).where(Membership.user_id == user.id)
        .order_by(Membership.id)).all()
    sessions = db.session.execute(
        select(LoginSession.created_at, LoginSession.last_seen_at, LoginSession.user_agent)
        .where(LoginSession.user_id == user.id).order_by(LoginSession.id)).all()
    stars = db.session.scalars(select(Star.item_id).where(Star.user_id == user.id)).all()
    mutes = db.session.scalars(select(ThreadMute.item_id)
                               .where(ThreadMute.user_id == user.id)).all()
    reports = db.session.execute(
        select(Report.item_id, Report.comment_id, Report.reason, Report.text, Report.created_at,
               Report.resolution).where(Report.reporter_id == user.id)
        .order_by(Report.id)).all()
    mails = db.session.execute(
        select(OutboxMessage.subject, OutboxMessage.kind, OutboxMessage.status,
               OutboxMessage.created_at, OutboxMessage.sent_at)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.recipient == user.email))
        .order_by(OutboxMessage.id).limit(1000)).all()
    notices = db.session.execute(
        select(Notice.kind, Notice.item_id, Notice.created_at, Notice.read_at)
        .where(Notice.user_id == user.id).order_by(Notice.id)).all()
    return {
        "account": _row({"email": user.email, "username": user.username,
                         "locale": user.locale, "created_at": user.created_at,
                         "email_confirmed_at": user.email_confirmed_at,
                         "overview_frequency": user.overview_frequency,
                         "admin_digest": user.admin_digest,
                         "platform_owner": user.is_platform_owner}),
        "memberships": [_row({"theme": t, "role": r, "status": s, "since": c,
                              "mail_from_theme": n}) for t, r, s, c, n in memberships],
        "login_sessions": [_row({"started": c, "last_seen": l, "device": a})
                           for c, l, a in sessions],
        "starred_item_ids": list(stars),
        "muted_item_ids": list(mutes),
        "reports": [_row({"item_id": i, "comment_id": c, "reason": r, "text": t,
                          "created_at": at, "resolution": res})
                    for i, c, r, t, at, res in reports],
        "mails": [_row({"subject": s, "kind": k, "status": st, "created_at": c, "sent_at": se})
                  for s, k, st, c, se in mails],
        "notifications": [_row({"kind": k, "item_id": i, "created_at": c, "read_at": r})
                          for k, i, c, r in notices],
    }


def _write_json_list(archive: zipfile.ZipFile, name: str, rows) -> None:
    with archive.open(name, "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8")
        out.write("[")
        for i, row in enumerate(rows):
            out.write(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        out.flush()
        out.detach()


def _write_csv(archive: zipfile.ZipFile, name: str, fields: list[str], rows) -> None:
    with archive.open(name, "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow(fields)
        for row in rows:
            writer.writerow([csv_cell(row.get(f)) for f in fields])
        out.flush()
        out.detach()


def export(user: User):
    """A zip of everything the person wrote (JSON and CSV) and everything kept about them
    (account.json), with the files attached to their items. Written to a temporary file
    (bounded memory whatever its size); returned at its start, for sending."""
    from app import storage

    spool = tempfile.TemporaryFile()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("account.json", json.dumps(_account(user), ensure_ascii=False,
                                                    indent=2))
        _write_json_list(archive, "items.json", _items(user))
        _write_csv(archive, "items.csv", ITEM_FIELDS, _items(user))
        _write_json_list(archive, "comments.json", _comments(user))
        _write_csv(archive, "comments.csv", COMMENT_FIELDS, _comments(user))
        files = db.session.execute(
            select(Attachment.id, Attachment.item_id, Attachment.stored_name, Attachment.filename)
            .join(Item, Item.id == Attachment.item_id).where(Item.author_id == user.id)
            .order_by(Attachment.id)).all()
        backend = storage.get()
        for att_id, item_id, stored, filename in files:
            try:
                source = backend.open(stored)
            except Exception:  # a file that cannot be read now is named, not fatal
                archive.writestr(f"files/{item_id}-{att_id}-MISSING.txt",
                                 f"{filename}: not available\n")
                continue
            with source, archive.open(f"files/{item_id}-{att_id}-{filename}", "w") as target:
                while chunk := source.read(64 * 1024):
                    target.write(chunk)
    spool.seek(0)
    return spool


# ------------------------------------------------------------------ deleting an account

def delete_account(user: User, password: str, keep_content: bool) -> None:
    """End the account at once: memberships, sessions, notifications, stars, mails in the
    outbox and invitations to its address go; its content stays under "former member" or is
    deleted with it. Signed links (reset, confirm, unsubscribe) name the account, which no
    longer exists. The address may register again."""
    from app.cascade import delete_rows
    from app.mail.models import OutboxMessage
    from app.search import index

    if not user.check_password(password or ""):
        raise OwnDataError(_("That is not your password."), field="password")
    owned = db.session.scalars(
        select(Theme.name).join(Membership, Membership.theme_id == Theme.id)
        .where(Membership.user_id == user.id, Membership.role == Role.OWNER,
               Theme.deleted_at.is_(None)).order_by(Theme.name)).all()
    if owned:
        raise OwnDataError(_("You own %(themes)s: transfer ownership to someone else first.",
                             themes=", ".join(owned)), field="password")
    starred = set(db.session.scalars(select(Star.item_id).where(Star.user_id == user.id)))
    commented = set(db.session.scalars(select(Comment.item_id).where(Comment.author_id == user.id)))
    own_items = set(db.session.scalars(select(Item.id).where(Item.author_id == user.id)))
    if keep_content:
        for item_id in own_items | commented:
            index.touch(item_id)  # the author's name leaves the search text
    else:
        delete_rows("comment", db.session.scalars(
            select(Comment.id).where(Comment.author_id == user.id)).all())
        delete_rows("item", own_items)
    delete_rows("outbox_message", db.session.scalars(select(OutboxMessage.id).where(
        or_(OutboxMessage.user_id == user.id, OutboxMessage.recipient == user.email))).all())
    delete_rows("invitation", db.session.scalars(select(Invitation.id).where(
        Invitation.email == user.email)).all())
    delete_rows("user", [user.id])
    _recount((starred | commented) - (set() if keep_content else own_items))
    db.session.flush()


def _recount(item_ids) -> None:
    """Stars and published replies counted again on these items."""
    item_ids = sorted(item_ids)
    for i in range(0, len(item_ids), BATCH):
        chunk = item_ids[i:i + BATCH]
        published = (Comment.item_id == Item.id) & (Comment.state == ItemState.PUBLISHED)
        db.session.execute(
            update(Item).where(Item.id.in_(chunk)).values(
                star_count=select(func.count()).select_from(Star)
                .where(Star.item_id == Item.id).scalar_subquery(),
                comment_count=select(func.count(Comment.id)).where(published).scalar_subquery(),
                last_comment_at=select(func.max(Comment.published_at)).where(published)
                .scalar_subquery())
            .execution_options(synchronize_session=False))
