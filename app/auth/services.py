"""Accounts: registration, confirmation, login and password reset."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from app.auth.models import User
from app.auth.tokens import TokenExpired, TokenInvalid, make_token, read_token
from app.extensions import db
from app.urls import external_url
from app.mail.services import send_mail
from app.themes.models import Membership, MembershipStatus, Theme
from app.themes.services import ThemeError, join_theme, notify_request_if_pending
from app.timeutil import utcnow
from app.transactions import insert_or_refuse

log = logging.getLogger(__name__)

# A real hash to compare against when the address is unknown, so that a failed login
# takes as long whether or not the account exists.
_DUMMY_HASH: str | None = None


class AccountError(ThemeError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def register(*, email: str, password: str, username: str, theme: Theme,
             organisation_id: int | None, locale: str) -> tuple[User, bool]:
    """Create an unconfirmed account with a membership of `theme`, commit, send the link.

    Returns (user, mail_sent).
    """
    email = normalise_email(email)
    username = username.strip()
    if find_user_by_email(email) is not None:
        raise AccountError(
            _("This address already has an account. Log in and join this theme from your "
              "account, or reset your password."), field="email")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError(_("This user name is taken; choose another."), field="username")
    user = User(email=email, username=username, locale=locale)
    user.set_password(password)
    insert_or_refuse(user, AccountError(_("This address or user name was registered just now; "
                                          "log in or choose another."), field="email"))
    join_theme(user, theme, organisation_id)
    send_confirmation(user, theme)
    db.session.commit()
    return user


def send_confirmation(user: User, theme: Theme | None = None) -> None:
    """Queue the confirmation mail (the caller commits)."""
    token = make_token("confirm", {"uid": user.id, "email": user.email,
                                   "theme": theme.slug if theme else None})
    link = external_url("auth.confirm", token=token)
    hours = current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600
    send_mail(user.email, lambda: _("Confirm your e-mail address"), "confirm",
              locale=user.locale, kind="account", user=user, link=link, hours=hours, theme=theme)


def confirm_email(token: str) -> tuple[User, Theme | None]:
    """Confirm the address in a link; raises TokenExpired/TokenInvalid."""
    payload = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or user.email != payload.get("email"):
        raise TokenInvalid
    theme = None
    if payload.get("theme"):
        theme = db.session.scalar(select(Theme).where(Theme.slug == payload["theme"]))
    if user.is_confirmed:
        return user, theme
    # Only the click that changes it goes on: a double click mails the admins once.
    if not db.session.execute(
            update(User).where(User.id == user.id, User.email_confirmed_at.is_(None))
            .values(email_confirmed_at=utcnow())).rowcount:
        db.session.rollback()
        return user, theme
    db.session.refresh(user)
    # Requests of unconfirmed people are not shown to admins; now they are.
    for membership in user.memberships:
        notify_request_if_pending(membership)
    db.session.commit()
    return user, theme


def authenticate(email: str, password: str) -> User | None:
    """The user if e-mail and password match; None otherwise (same cost either way)."""
    global _DUMMY_HASH
    user = find_user_by_email(email)
    if user is None:
        if _DUMMY_HASH is None:
            from werkzeug.security import generate_password_hash
            _DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")
        from werkzeug.security import check_password_hash
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if user.check_password(password) else None


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; silent otherwise."""
    user = find_user_by_email(email)
    if user is None:
        return
    token = make_token("reset", {"uid": user.id, "stamp": user.security_stamp})
    link = external_url("auth.reset_password", token=token)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    send_mail(user.email, lambda: _("Reset your password"), "reset", locale=user.locale,
              kind="account", user=user, link=link, minutes=minutes)
    db.session.commit()


def user_for_reset(token: str) -> User:
    """The user a reset link belongs to; TokenInvalid once the password has changed."""
    payload = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    uid = payload.get("uid")
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or user.security_stamp != payload.get("stamp"):
        raise TokenInvalid
    return user


def reset_password(user: User, password: str) -> None:
    user.set_password(password)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()  # the link in the mail proves the address too
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


def purge_unconfirmed_accounts() -> int:
    """Delete registrations never confirmed within UNCONFIRMED_ACCOUNT_DAYS (privacy, W17)."""
    cutoff = utcnow() - timedelta(days=current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])
    ids = list(db.session.scalars(select(User.id).where(
        User.email_confirmed_at.is_(None), User.created_at < cutoff)))
    if ids:
        db.session.execute(delete(Membership).where(Membership.user_id.in_(ids)))
        db.session.execute(delete(User).where(User.id.in_(ids)))
    db.session.commit()
    return len(ids)


__all__ = ["TokenExpired", "TokenInvalid", "MembershipStatus"]
