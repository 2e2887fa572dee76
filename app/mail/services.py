"""Sending mail: renders text + HTML parts in the recipient's language and delivers them.

Until the outbox exists, mail is sent directly over SMTP (Flask-Mail). Without a configured
MAIL_SERVER (the embedded default of `make run`) the message is written to instance/mail/
as an .eml file and logged, so a local trial needs no mail server.
"""
from __future__ import annotations

import logging
import smtplib
from email.utils import make_msgid
from pathlib import Path
from typing import Callable

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

from app.extensions import mail
from app.timeutil import utcnow

log = logging.getLogger(__name__)


class MailDeliveryError(Exception):
    """The SMTP server could not be reached or refused the message."""


def send_mail(to: str, subject: Callable[[], str] | str, template: str, locale: str = "nl",
              **context) -> Message:
    """Render mail/<template>.txt and .html in `locale` and deliver to one address."""
    board = current_app.config["BOARD_NAME"]
    with force_locale(locale):
        subject_text = subject() if callable(subject) else str(subject)
        context.setdefault("board_name", board)
        body = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", subject=subject_text, **context)
    msg = Message(
        subject=f"[{board}] {subject_text}",
        recipients=[to],
        body=body,
        html=html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    msg.msgId = make_msgid(domain="werkgroepen")
    msg.extra_headers = {"Auto-Submitted": "auto-generated"}
    if not current_app.config.get("MAIL_SERVER"):
        _write_to_instance(msg)
        return msg
    try:
        mail.send(msg)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail to %s not delivered: %s", to, exc)
        raise MailDeliveryError(str(exc)) from exc
    return msg


def _write_to_instance(msg: Message) -> None:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    name = utcnow().strftime("%Y%m%dT%H%M%S%f") + ".eml"
    (folder / name).write_bytes(msg.as_bytes())
    log.info("No MAIL_SERVER configured; mail to %s written to %s:\n%s",
             ", ".join(msg.recipients), folder / name, msg.body)
