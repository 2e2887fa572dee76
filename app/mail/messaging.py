"""Messages people send through the board: push mails to participants (W11) and contact
messages to a theme's admins (W15) or an organisation (W14). Each recipient gets a mail of
their own, so nobody sees another's address; the sender's address is the Reply-To."""
from __future__ import annotations

from flask_babel import gettext as _

from app.errors import DomainError
from app.auth.models import User
from app.mail.services import send_mail
from app.extensions import db
from app.organisations.models import Organisation
from app.permissions import may_push
from app.themes.models import Theme
from app.themes.services import theme_admins, theme_members
from app.urls import external_url


class MessagingError(DomainError):
    pass


def push_mail(sender: User, theme: Theme, subject: str, message: str, *, everyone: bool,
              user_ids: list[int]) -> int:
    """Queue the message for the chosen participants (or all). Returns the count."""
    if not may_push(theme, sender):
        raise MessagingError(_("You cannot send push mails in this theme."))
    members = {m.user_id: m.user for m in theme_members(theme)}
    members.pop(sender.id, None)
    if everyone:
        recipients = list(members.values())
    else:
        unknown = [uid for uid in user_ids if uid not in members]
        if unknown:
            raise MessagingError(_("Choose participants from this theme's member list."))
        recipients = [members[uid] for uid in dict.fromkeys(user_ids)]
    if not recipients:
        raise MessagingError(_("Choose at least one participant, or send to everyone."))
    link = external_url("themes.show", _theme=theme, slug=theme.slug)
    for user in recipients:
        send_mail(user.email, subject.strip(), "push", locale=user.locale, kind="push",
                  user=user, reply_to=sender.email, sender_name=sender.username, theme=theme,
                  message=message.strip(), link=link)
    db.session.flush()
    return len(recipients)


def contact_admins(sender: User, theme: Theme, subject: str, message: str) -> int:
    """A contact message to the theme's admins (W15)."""
    admins = [a for a in theme_admins(theme) if a.id != sender.id]
    if not admins:
        raise MessagingError(_("This theme has no admins to write to; write to the platform "
                               "instead."))
    for admin in admins:
        send_mail(admin.email, lambda: _("Message about %(theme)s: %(subject)s", theme=theme.name,
                                         subject=subject.strip()),
                  "contact", locale=admin.locale, kind="contact", user=admin,
                  reply_to=sender.email, sender=sender, theme=theme, organisation=None,
                  message=message.strip())
    db.session.flush()
    return len(admins)


def contact_organisation(sender: User, organisation: Organisation, subject: str,
                         message: str) -> None:
    """A contact message to an organisation's contact address (W14)."""
    if not organisation.contact_email:
        raise MessagingError(_("This organisation has no contact address."))
    send_mail(organisation.contact_email,
              lambda: _("Message via %(theme)s: %(subject)s", theme=organisation.theme.name,
                        subject=subject.strip()),
              "contact", locale="nl", kind="contact", reply_to=sender.email, sender=sender,
              theme=organisation.theme, organisation=organisation, message=message.strip())
    db.session.flush()
