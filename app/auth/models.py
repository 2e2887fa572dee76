"""Accounts: one User per e-mail address, joining any number of themes."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.timeutil import utcnow

# scrypt with Werkzeug's defaults (n=2**15, r=8, p=1): memory-hard and salted.
PASSWORD_METHOD = "scrypt"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    is_platform_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # E-mail overview of new posts in one's themes (P10): never, daily, weekly, monthly.
    overview_frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    last_overview_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Admins' daily summary of what waits in their queues.
    admin_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change so that signed reset links become stale.
    security_stamp: Mapped[int] = mapped_column(default=0)
    # Unread entries of the notification list (app.inbox), kept in step with them, so that
    # the header shows the number without a query.
    unread_notices: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Membership.user_id"
    )

    __table_args__ = (Index("uq_user_username_lower", func.lower(username), unique=True),)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.security_stamp = (self.security_stamp or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    # The token of the login session this object was loaded for (not stored: only its hash
    # is, in LoginSession). Flask-Login keeps it in the session and remember cookies.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class LoginSession(db.Model):
    """One logged-in browser. Its cookies carry a random token of which only the hash is kept
    here; every request finds the user through it, so deleting the row (log out, log out
    everywhere, a new password) ends that session even for a copied cookie."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(120), default="")  # e.g. "Firefox, Linux"
