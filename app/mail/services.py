"""Mail that is never lost: every mail is rendered into the outbox in the same transaction as
the event that causes it, and delivered over SMTP (smtplib) only after that commit.

- A transaction that rolls back leaves no outbox row, so nothing is sent.
- A sender claims a row with a conditional update before sending, so two senders (a web
  process and the scheduler) never send the same row; each attempt is recorded.
- A claim is a lease of MAIL_CLAIM_LEASE_SECONDS, renewed while a batch is being sent; the
  claims of a sender that died are taken by the next sender once their lease has run out.
- Each message is marked sent in its own commit right after the server accepted it, and keeps
  the Message-ID it got when it was written, so a message resent after a crash between the
  server's reply and that commit is recognisably the same message.
- When the SMTP server is down or refuses, or the message cannot be built, the row waits and
  is retried with back-off; after MAIL_MAX_ATTEMPTS it is marked failed (the platform owner
  sees it with its last error and can retry).
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
import time
from datetime import timedelta
from email import charset as email_charset
from email import policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Callable, Iterable

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.mail.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.timeutil import utcnow

log = logging.getLogger(__name__)
# UTF-8 bodies as quoted-printable: mostly readable even in raw form.
_UTF8 = email_charset.Charset("utf-8")
_UTF8.body_encoding = email_charset.QP
_SMTP_POLICY = policy.compat32.clone(linesep="\r\n")  # smtplib sends bytes as they are

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
    subject_text, body, html = render_mail(subject, template, locale, user=user,
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


def render_mail(subject: Callable[[], str] | str, template: str, locale: str = "nl", *,
                user=None, unsubscribe_url: str | None = None, **context) -> tuple[str, str, str]:
    """(subject, text, HTML) of a mail in `locale`, without queueing it. Also used to do a
    mail's work for an address that gets none, so that the answer takes as long."""
    from app.forms import one_line

    with force_locale(locale):
        subject_text = one_line(subject() if callable(subject) else str(subject)).strip()
        context.setdefault("board_name", current_app.config["BOARD_NAME"])
        if "mail_brand" not in context:  # a mail about an organisation's content: its look
            from app.branding.services import mail_brand
            theme = context.get("theme") or getattr(context.get("post"), "theme", None)
            context["mail_brand"] = mail_brand(theme)
        context["user"] = user if user is not None else context.get("user")
        body = render_template(f"mail/{template}.txt", unsubscribe_url=unsubscribe_url, **context)
        html = render_template(f"mail/{template}.html", subject=subject_text,
                               unsubscribe_url=unsubscribe_url, **context)
    return subject_text, body, html


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
    """Background senders (MAIL_SENDER_THREADS per process) deliver what this process
    committed. Work is handed out in chunks, so a large digest is shared by all of them while
    SMTP and the database wait; claims keep any message from going out twice."""

    def __init__(self, app, jobs: queue.Queue, number: int):
        super().__init__(daemon=True, name=f"outbox-sender-{number}")
        self.app = app
        self.jobs = jobs

    def run(self):
        while True:
            ids = self.jobs.get()
            try:
                deliver(self.app, ids)
            except Exception:  # never let the sender die; the scheduler retries
                log.exception("outbox sender failed")


class _Senders:
    def __init__(self, app):
        self.jobs: queue.Queue = queue.Queue()
        self.threads = [_Sender(app, self.jobs, n + 1)
                        for n in range(max(1, int(app.config.get("MAIL_SENDER_THREADS", 2))))]
        for thread in self.threads:
            thread.start()

    def is_alive(self) -> bool:
        return all(t.is_alive() for t in self.threads)

    def put(self, ids):
        ids = list(ids)
        for start in range(0, len(ids), CLAIM_CHUNK):
            self.jobs.put(ids[start:start + CLAIM_CHUNK])


_senders: dict[int, _Senders] = {}
_senders_lock = threading.Lock()


def _sender(app) -> _Senders:
    with _senders_lock:
        senders = _senders.get(id(app))
        if senders is None or not senders.is_alive():
            senders = _senders[id(app)] = _Senders(app)
        return senders


# ------------------------------------------------------------------ delivery

def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


CLAIM_CHUNK = 50


def _lease(app) -> timedelta:
    return timedelta(seconds=app.config["MAIL_CLAIM_LEASE_SECONDS"])


def _claimable(now, lease: timedelta):
    """Rows a sender may take: pending and due, or claimed by a sender whose lease ran out."""
    return or_((OutboxMessage.status == OutboxStatus.PENDING)
               & (OutboxMessage.next_attempt_at <= now),
               (OutboxMessage.status == OutboxStatus.SENDING)
               & (OutboxMessage.claimed_at < now - lease))


def _claim(session: Session, message_ids: list[int], lease: timedelta) -> tuple[list[int], object]:
    """Take these messages for sending: one conditional UPDATE, so two senders never take the
    same message. Returns the ids taken (in order) and the claim's time, which marks them as
    this sender's (renew() extends only rows still carrying it)."""
    now = utcnow()
    taken = set(session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), _claimable(now, lease))
        .values(status=OutboxStatus.SENDING, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)))
    session.commit()
    return [mid for mid in message_ids if mid in taken], now


def _renew(session: Session, message_ids: list[int], claimed_at) -> tuple[set[int], object]:
    """Extend the lease of the claimed messages still waiting to be sent. Returns those that
    are still this sender's (another sender may have taken over after a long stall)."""
    now = utcnow()
    kept = set(session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at == claimed_at)
        .values(claimed_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)))
    session.commit()
    return kept, now


def _address(value: str) -> str:
    """An address header value; a display name outside ASCII is encoded (RFC 2047)."""
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


def as_mime(row: OutboxMessage, sender: str) -> bytes:
    """The message as sent: text and HTML alternatives in UTF-8, our Message-ID, the stored
    headers (List-Unsubscribe, Reply-To, …). Built with the email package's compat32 policy,
    about three times faster than messages built with the modern email policy (large digests)."""
    msg = MIMEMultipart("alternative")
    msg["Subject"] = Header(row.subject, "us-ascii" if row.subject.isascii() else "utf-8")
    msg["From"] = _address(sender)
    msg["To"] = _address(row.recipient)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = row.message_id
    for name, value in (row.headers or {}).items():
        if "\n" in name or "\r" in name or "\n" in str(value) or "\r" in str(value):
            continue  # never let stored text inject headers
        value = str(value)
        if name == "Reply-To":
            msg[name] = _address(value)
        else:
            msg[name] = value if value.isascii() else Header(value, "utf-8")
    msg.attach(MIMEText(row.body_text, "plain", _UTF8))
    msg.attach(MIMEText(row.body_html, "html", _UTF8))
    return msg.as_bytes(policy=_SMTP_POLICY)


def _connect() -> smtplib.SMTP:
    """An SMTP connection as configured. Every socket operation gives up after MAIL_TIMEOUT
    seconds, well inside a claim's lease: a stalled server cannot keep a message claimed
    until another sender takes it over and sends it a second time."""
    config = current_app.config
    server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    connection = smtp_class(server, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            connection.starttls()
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except Exception:
        _close(connection)
        raise
    return connection


def _transmit(connection: smtplib.SMTP, row: OutboxMessage, sender: str, data: bytes) -> None:
    envelope_from = parseaddr(sender)[1] or sender
    connection.sendmail(envelope_from, [row.recipient], data)


def deliver(app, ids: Iterable[int]) -> dict[str, int]:
    """Try to send these outbox rows now (each once, over one SMTP connection)."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    ids = list(ids)
    if not ids:
        return counts
    with app.app_context():
        max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
        sender = app.config["MAIL_DEFAULT_SENDER"]
        lease = _lease(app)
        renew_every = lease.total_seconds() / 3
        # Rows stay loaded across the per-message commits (only this sender holds them).
        with Session(db.engine, expire_on_commit=False) as session:
            connection = None
            try:
                for start in range(0, len(ids), CLAIM_CHUNK):
                    chunk = ids[start:start + CLAIM_CHUNK]
                    taken, claimed_at = _claim(session, chunk, lease)
                    renewed, mine = time.monotonic(), set(taken)
                    counts["skipped"] += len(chunk) - len(taken)
                    rows = {r.id: r for r in session.scalars(
                        select(OutboxMessage).where(OutboxMessage.id.in_(taken)))}
                    for n, mid in enumerate(taken):
                        if time.monotonic() - renewed >= renew_every:
                            mine, claimed_at = _renew(session, taken[n:], claimed_at)
                            renewed = time.monotonic()
                        if mid not in mine:  # taken over by another sender after a stall
                            counts["skipped"] += 1
                            continue
                        connection = _send_one(session, rows[mid], connection, sender,
                                               max_attempts, counts)
            finally:
                _close(connection)
    return counts


def _send_one(session, row, connection, sender, max_attempts, counts):
    """Hand one claimed message to the SMTP server and record how it went (commits at once,
    so a message accepted by the server is marked sent before the next one goes). Any error,
    in building the message or in sending it, is recorded and counts as a failed try. Returns
    the connection to use for the next one (None after a failure to send)."""
    error = None
    try:
        data = as_mime(row, sender)
    except Exception as exc:  # a message that cannot be built must not block the outbox
        error = f"{type(exc).__name__}: {exc}"[:1000]
    else:
        try:
            if connection is None:
                connection = _connect()
            _transmit(connection, row, sender, data)
        except Exception as exc:  # refused, unreachable, or anything else on the way
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
    return connection


def _close(connection):
    if connection is not None:
        try:
            connection.quit()
        except Exception:  # closing a broken connection may fail in any way
            connection.close()
    return None


def flush(app, limit: int = 1000, include_not_due: bool = False) -> dict[str, int]:
    """Send what is due (the scheduler runs this every minute; `flask outbox flush`)."""
    with app.app_context():
        now = utcnow()
        lease = _lease(app)
        with Session(db.engine) as session:
            # A sender that died with a message on its last try: that message stops here
            # (otherwise one that kills its sender would be tried for ever).
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.status == OutboxStatus.SENDING,
                                   OutboxMessage.claimed_at < now - lease,
                                   OutboxMessage.attempts >= app.config["MAIL_MAX_ATTEMPTS"])
                            .values(status=OutboxStatus.FAILED,
                                    last_error="The sender stopped while sending this message."))
            if include_not_due:
                session.execute(update(OutboxMessage)
                                .where(OutboxMessage.status == OutboxStatus.PENDING)
                                .values(next_attempt_at=now))
            session.commit()
            # Due messages, and those a dead sender's lapsed lease left behind.
            ids = list(session.scalars(
                select(OutboxMessage.id).where(_claimable(now, lease))
                .order_by(OutboxMessage.id).limit(limit)))
    return deliver(app, ids)


def retry(message_id: int) -> bool:
    """Put a failed (or held) message back in line; it is delivered after the caller's commit,
    as a new message would be."""
    done = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, or_(
            OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.status == OutboxStatus.HELD))
        .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow(), attempts=0)).rowcount
    if done:
        db.session.info.setdefault("outbox_ids", []).append(message_id)
    return bool(done)
