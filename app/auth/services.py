"""Accounts: registration, confirmation, login and password reset."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from app.errors import DomainError
from app.auth.models import LoginSession, User
from app.auth.tokens import TokenExpired, TokenInvalid, make_token, read_token
from app.extensions import db
from app.urls import external_url
from app.mail.services import send_mail
from app.themes.models import Membership, MembershipStatus, Theme
from app.themes.services import join_theme, notify_request_if_pending
from app.timeutil import utcnow
from app.transactions import insert_once

log = logging.getLogger(__name__)

# A real hash to compare against when the address is unknown, so that a failed login
# takes as long whether or not the account exists.
_DUMMY_HASH: str | None = None


# A registration this recent has its confirmation link on its way: another is not sent.
JUST_REGISTERED = timedelta(minutes=2)


class AccountError(DomainError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _username_taken(username: str) -> bool:
    return db.session.scalar(
        select(User.id).where(func.lower(User.username) == username.lower())) is not None


def register(*, email: str, password: str, username: str, theme: Theme,
             organisation_id: int | None, locale: str) -> str:
    """Create an unconfirmed account with a membership of `theme`, send the link, commit.
    Returns the address the mail went to.

    Whether the address already has an account is never told to the person registering
    (user names are public, so a taken one is named): the answer is the same, and the
    address's owner is mailed instead (a new confirmation link if the account waits for
    one, otherwise how to log in or reset the password). Both ways cost the same work: a
    password hash, a rendered mail, a commit."""
    email = normalise_email(email)
    username = username.strip()
    if _username_taken(username):
        raise AccountError(_("This user name is taken; choose another."), field="username")
    existing = find_user_by_email(email)
    if existing is None:
        user = User(email=email, username=username, locale=locale)
        user.set_password(password)
        if insert_once(user):
            join_theme(user, theme, organisation_id)
            send_confirmation(user, theme)
            db.session.flush()
            return email
        # The same address or name was registered a moment ago (a double click).
        if _username_taken(username) and find_user_by_email(email) is None:
            db.session.rollback()
            raise AccountError(_("This user name is taken; choose another."), field="username")
        existing = find_user_by_email(email)
    from werkzeug.security import generate_password_hash
    generate_password_hash(password, method="scrypt")  # the work a new account costs
    tell_owner_of_registration(existing, theme)
    db.session.flush()
    return email


def tell_owner_of_registration(user: User, theme: Theme) -> None:
    """Someone registered with an address that has an account: mail its owner (the caller
    commits). An account that still waits for confirmation may have been made by someone
    else, with a password of theirs: its owner gets a link to choose a password (which
    confirms the address and ends every other session), never a link that confirms the
    account as it stands. Unless it was made a moment ago: then its own link is on its way
    already (a double click on the form)."""
    waiting = not user.is_confirmed
    if waiting and user.created_at >= utcnow() - JUST_REGISTERED:
        return
    send_mail(user.email, lambda: _("Someone tried to register with your address"),
              "account_exists", locale=user.locale, kind="account", user=user, theme=theme,
              waiting=waiting, login_link=external_url("auth.login", theme=theme.slug),
              reset_link=reset_link(user) if waiting else external_url("auth.reset_request"))


def reset_link(user: User) -> str:
    """A link to choose a new password: once, until the password changes."""
    return external_url("auth.reset_password",
                        token=make_token("reset", {"uid": user.id, "stamp": user.security_stamp}))


def send_confirmation(user: User, theme: Theme | None = None) -> None:
    """Queue the confirmation mail (the caller commits)."""
    token = make_token("confirm", {"uid": user.id, "email": user.email,
                                   "stamp": user.security_stamp,
                                   "theme": theme.slug if theme else None})
    link = external_url("auth.confirm", token=token)
    hours = current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600
    send_mail(user.email, lambda: _("Confirm your e-mail address"), "confirm",
              locale=user.locale, kind="account", user=user, link=link, hours=hours, theme=theme)


def confirm_email(token: str) -> tuple[User, Theme | None, bool]:
    """Confirm the address in a link: (user, theme, whether this click confirmed it). Raises
    TokenExpired/TokenInvalid (also once the password has changed since the link was made)."""
    payload = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if (user is None or user.email != payload.get("email")
            or payload.get("stamp") != user.security_stamp):
        raise TokenInvalid
    theme = None
    if payload.get("theme"):
        theme = db.session.scalar(select(Theme).where(Theme.slug == payload["theme"]))
    if user.is_confirmed:
        return user, theme, False
    # Only the click that changes it goes on: a double click mails the admins once.
    if not db.session.execute(
            update(User).where(User.id == user.id, User.email_confirmed_at.is_(None))
            .values(email_confirmed_at=utcnow())).rowcount:
        db.session.rollback()
        return user, theme, False
    db.session.refresh(user)
    # Requests of unconfirmed people are not shown to admins; now they are.
    for membership in user.memberships:
        notify_request_if_pending(membership)
    db.session.flush()
    return user, theme, True


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


def _nobody(email: str):
    """Stands in for an account in the work done for an unknown address."""
    from types import SimpleNamespace
    return SimpleNamespace(id=0, email=email, username=email.split("@")[0],
                           locale=current_app.config["BABEL_DEFAULT_LOCALE"], security_stamp=0,
                           is_confirmed=False)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account. For an unknown address the same
    work is done (token, link, rendered mail) and nothing is sent, so the answer takes as
    long and says the same."""
    from app.mail.services import render_mail

    user = find_user_by_email(email)
    someone = user or _nobody(normalise_email(email))
    token = make_token("reset", {"uid": someone.id, "stamp": someone.security_stamp})
    link = external_url("auth.reset_password", token=token)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    if user is None:
        render_mail(lambda: _("Reset your password"), "reset", someone.locale, user=someone,
                    link=link, minutes=minutes)
    else:
        send_mail(user.email, lambda: _("Reset your password"), "reset", locale=user.locale,
                  kind="account", user=user, link=link, minutes=minutes)
    db.session.flush()


def resend_confirmation(email: str) -> None:
    """A new confirmation link if the address waits for confirmation; for any other address
    the same work without a mail (the answer does not tell which)."""
    from app.mail.services import render_mail

    user = find_user_by_email(email)
    if user is not None and not user.is_confirmed:
        send_confirmation(user)
    else:
        someone = _nobody(normalise_email(email))
        token = make_token("confirm", {"uid": 0, "email": someone.email, "theme": None})
        render_mail(lambda: _("Confirm your e-mail address"), "confirm", someone.locale,
                    user=someone, link=external_url("auth.confirm", token=token),
                    hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600, theme=None)
    db.session.flush()


def user_for_reset(token: str) -> User:
    """The user a reset link belongs to; TokenInvalid once the password has changed."""
    payload = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    uid = payload.get("uid")
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or user.security_stamp != payload.get("stamp"):
        raise TokenInvalid
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password and end every login session of the account (the caller starts a
    new one for this browser)."""
    user.set_password(password)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()  # the link in the mail proves the address too
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.flush()


# ------------------------------------------------------------------ login sessions

# last_seen_at is written at most this often per session (not on every request).
SEEN_RESOLUTION = timedelta(minutes=5)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def summarise_user_agent(user_agent: str | None) -> str:
    """"Firefox, Linux" from a User-Agent header: enough to recognise one's own devices."""
    ua = user_agent or ""
    browser = next((name for key, name in (
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"), ("Safari/", "Safari")) if key in ua), None)
    system = next((name for key, name in (
        ("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
        ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")) if key in ua), None)
    if browser or system:
        return ", ".join(part for part in (browser, system) if part)
    return ua[:120]


def start_session(user: User, user_agent: str | None = None) -> str:
    """A new login session for this browser; sets the token that Flask-Login will keep in
    its cookies (User.get_id)."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id,
                                user_agent=summarise_user_agent(user_agent)))
    db.session.flush()
    user.session_token = token
    return token


def session_lifetime() -> timedelta:
    """A login session unused this long has ended."""
    return timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])


def user_for_session(token: str | None) -> User | None:
    """The user of a live login session, in one query; None for anything else (an ended
    session, an old or forged cookie, an unconfirmed account)."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    row = db.session.execute(
        select(User, LoginSession.id, LoginSession.last_seen_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    user, session_id, last_seen = row
    now = utcnow()
    if not user.is_confirmed or last_seen < now - session_lifetime():
        return None
    if last_seen < now - SEEN_RESOLUTION and has_request_context():
        g.login_session_seen = session_id  # written after the request: record_session_seen
    user.session_token = token
    return user


def record_session_seen() -> None:
    """After a reading request: note that its login session was used (at most every
    SEEN_RESOLUTION). Its own short transaction on its own connection, so it never commits a
    request's changes; a request that changed something skips it (the next page view does
    it). Best effort: a busy database skips it this time."""
    from flask import request

    session_id = g.pop("login_session_seen", None)
    if session_id is None or request.method not in ("GET", "HEAD"):
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(update(LoginSession).where(LoginSession.id == session_id)
                               .values(last_seen_at=utcnow()))
    except OperationalError:
        log.warning("login session %s: last use not recorded (database busy)", session_id)


def end_session(token: str | None) -> None:
    """Log out: the session's row goes, so its cookies open nothing any more."""
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    db.session.flush()


def end_all_sessions(user: User) -> int:
    """Log out everywhere: every login session of the account ends."""
    ended = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
    db.session.flush()
    return ended


def active_sessions(user: User) -> list[LoginSession]:
    """The account's live login sessions, most recently used first."""
    return list(db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id,
                                   LoginSession.last_seen_at >= utcnow() - session_lifetime())
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())))


def is_current_session(login_session: LoginSession, user: User) -> bool:
    return bool(user.session_token) and login_session.token_hash == _token_hash(user.session_token)


def purge_ended_sessions() -> int:
    """Delete login sessions unused for longer than their lifetime."""
    ended = db.session.execute(delete(LoginSession).where(
        LoginSession.last_seen_at < utcnow() - session_lifetime())).rowcount
    db.session.flush()
    return ended


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def purge_unconfirmed_accounts() -> int:
    """Delete registrations never confirmed within UNCONFIRMED_ACCOUNT_DAYS (privacy, W17)."""
    cutoff = utcnow() - timedelta(days=current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])
    ids = list(db.session.scalars(select(User.id).where(
        User.email_confirmed_at.is_(None), User.created_at < cutoff)))
    if ids:
        db.session.execute(delete(Membership).where(Membership.user_id.in_(ids)))
        db.session.execute(delete(LoginSession).where(LoginSession.user_id.in_(ids)))
        db.session.execute(delete(User).where(User.id.in_(ids)))
    db.session.flush()
    return len(ids)


__all__ = ["TokenExpired", "TokenInvalid", "MembershipStatus"]
