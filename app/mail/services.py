"""Mail that is never lost: every mail is rendered into the outbox in the same transaction as
the event that causes it, and delivered over SMTP (Flask-Mail) only after that commit.

- A transaction that rolls back leaves no outbox row, so nothing is sent.
- A sender claims a row with a conditional update before sending, so two senders (a web
  process and the scheduler) never send the same row; each attempt is recorded.
- When the SMTP server is down or refuses, the row waits and is retried with back-off; after
  MAIL_MAX_ATTEMPTS it is marked failed (the platform owner sees it and can retry).
- Without MAIL_SERVER (the embedded default) mail is held in the outbox and readable by the
  platform owner in the browser, so a local trial needs no mail server.

Delivery after commit follows MAIL_DELIVERY: "thread" (a background sender in this process),
"sync" (right after the commit, in the committing thread: tests), or "scheduler" (only the
scheduler's flush, every minute).
"""
from __future__ import annotations

import logging
import queue
import smtplib
import threading
from datetime import timedelta
from email.utils import make_msgid
from typing import Callable, Iterable

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db, mail
from app.mail.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.timeutil import utcnow

log = logging.getLogger(__name__)

# Mail kinds people can switch off; they carry a one-click unsubscribe (RFC 8058).
BULK_KINDS = {"notification", "overview", "digest", "admin_digest"}


class MailDeliveryError(Exception):
    """The SMTP server could not be reached or refused the message."""


def send_mail(to: str, subject: Callable[[], str] | str, template: str, locale: str = "nl",
              *, kind: str = "notice", user=None, unsubscribe_url: str | None = None,
              reply_to: str | None = None, **context) -> OutboxMessage:
    """Render mail/<template>.txt and .html in `locale` into the outbox (current transaction).

    It goes out after the caller commits; if the caller rolls back, it never existed."""
    board = current_app.config["BOARD_NAME"]
    with force_locale(locale):
        subject_text = subject() if callable(subject) else str(subject)
        context.setdefault("board_name", board)
        context["user"] = user if user is not None else context.get("user")
        body = render_template(f"mail/{template}.txt", unsubscribe_url=unsubscribe_url, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text,
                               unsubscribe_url=unsubscribe_url, **context)
    headers = {"Auto-Submitted": "auto-generated"}
    if kind in BULK_KINDS:
        headers["Precedence"] = "bulk"
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if reply_to:
        headers["Reply-To"] = reply_to
    held = not current_app.config.get("MAIL_SERVER")
    message = OutboxMessage(
        message_id=make_msgid(domain=current_app.config["MAIL_MESSAGE_ID_DOMAIN"]),
        kind=kind, recipient=to, user_id=getattr(user, "id", None), locale=locale,
        subject=f"[{board}] {subject_text}", body_text=body, body_html=html, headers=headers,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING, next_attempt_at=utcnow())
    db.session.add(message)
    if held:
        log.info("No MAIL_SERVER: mail to %s held in the outbox:\n%s", to, body)
    return message


# ------------------------------------------------------------------ after commit

def _track_new(session, flush_context, instances):
    ids = session.info.setdefault("outbox_new", [])
    for obj in session.new:
        if isinstance(obj, OutboxMessage):
            ids.append(obj)


def _after_flush(session, flush_context):
    new = session.info.pop("outbox_new", [])
    if new:
        session.info.setdefault("outbox_ids", []).extend(
            m.id for m in new if m.status == OutboxStatus.PENDING)


def _after_commit(session):
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the real transaction is still open
    ids = session.info.pop("outbox_ids", [])
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return  # no app: the scheduler's flush will send them
    mode = app.config.get("MAIL_DELIVERY", "thread")
    if mode == "sync":
        deliver(app, ids)
    elif mode == "thread":
        _sender(app).put(ids)


def _after_rollback(session):
    if session.in_transaction():
        return  # a SAVEPOINT rolled back; rows it queued are gone and simply won't be claimed
    session.info.pop("outbox_new", None)
    session.info.pop("outbox_ids", None)


def init_app(app) -> None:
    if not getattr(init_app, "_listening", False):
        event.listen(Session, "before_flush", _track_new)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _after_rollback(s))
        init_app._listening = True


class _Sender(threading.Thread):
    """One background sender per process: delivers what this process committed."""

    def __init__(self, app):
        super().__init__(daemon=True, name="outbox-sender")
        self.app = app
        self.jobs: queue.Queue = queue.Queue()

    def put(self, ids):
        self.jobs.put(list(ids))

    def run(self):
        while True:
            ids = self.jobs.get()
            try:
                deliver(self.app, ids)
            except Exception:  # never let the sender die; the scheduler retries
                log.exception("outbox sender failed")


_senders: dict[int, _Sender] = {}
_senders_lock = threading.Lock()


def _sender(app) -> _Sender:
    with _senders_lock:
        sender = _senders.get(id(app))
        if sender is None or not sender.is_alive():
            sender = _senders[id(app)] = _Sender(app)
            sender.start()
        return sender


# ------------------------------------------------------------------ delivery

def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(session: Session, message_id: int) -> bool:
    now = utcnow()
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .values(status=OutboxStatus.SENDING, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    session.commit()
    return claimed


def _as_flask_mail(row: OutboxMessage, sender: str) -> Message:
    msg = Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                  html=row.body_html, sender=sender)
    msg.msgId = row.message_id
    headers = dict(row.headers or {})
    reply_to = headers.pop("Reply-To", None)
    if reply_to:
        msg.reply_to = reply_to
    msg.extra_headers = headers
    return msg


def deliver(app, ids: Iterable[int]) -> dict[str, int]:
    """Try to send these outbox rows now (each once, over one SMTP connection)."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    ids = list(ids)
    if not ids:
        return counts
    with app.app_context():
        max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
        sender = app.config["MAIL_DEFAULT_SENDER"]
        with Session(db.engine) as session:
            connection = None
            try:
                for mid in ids:
                    if not _claim(session, mid):
                        counts["skipped"] += 1
                        continue
                    row = session.get(OutboxMessage, mid)
                    error = None
                    try:
                        if connection is None:
                            connection = mail.connect().__enter__()
                        connection.send(_as_flask_mail(row, sender))
                    except (smtplib.SMTPException, OSError) as exc:
                        error = f"{type(exc).__name__}: {exc}"[:1000]
                        connection = _close(connection)
                    now = utcnow()
                    session.add(DeliveryAttempt(message_id=row.id, at=now, ok=error is None,
                                                error=error))
                    if error is None:
                        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, None
                        counts["sent"] += 1
                    else:
                        row.last_error = error
                        if row.attempts >= max_attempts:
                            row.status = OutboxStatus.FAILED
                        else:
                            row.status = OutboxStatus.PENDING
                            row.next_attempt_at = now + backoff(row.attempts)
                        counts["failed"] += 1
                        log.warning("mail %s to %s not delivered (attempt %s): %s", row.id,
                                    row.recipient, row.attempts, error)
                    session.commit()
            finally:
                _close(connection)
    return counts


def _close(connection):
    if connection is not None:
        try:
            connection.__exit__(None, None, None)
        except (smtplib.SMTPException, OSError):
            pass
    return None


def flush(app, limit: int = 1000, include_not_due: bool = False) -> dict[str, int]:
    """Send what is due (the scheduler runs this every minute; `flask outbox flush`)."""
    with app.app_context():
        now = utcnow()
        stale = now - timedelta(minutes=app.config["MAIL_CLAIM_TIMEOUT_MINUTES"])
        with Session(db.engine) as session:
            # A sender that died mid-send leaves its claim behind: give it back.
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.status == OutboxStatus.SENDING,
                                   OutboxMessage.claimed_at < stale)
                            .values(status=OutboxStatus.PENDING))
            if include_not_due:
                session.execute(update(OutboxMessage)
                                .where(OutboxMessage.status == OutboxStatus.PENDING)
                                .values(next_attempt_at=now))
            session.commit()
            ids = list(session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING,
                                               OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id).limit(limit)))
    return deliver(app, ids)


def retry(message_id: int) -> bool:
    """Put a failed (or held) message back in line. Commits."""
    done = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, or_(
            OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.status == OutboxStatus.HELD))
        .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow(), attempts=0)).rowcount
    db.session.commit()
    return bool(done)
