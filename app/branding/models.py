"""An organisation's own look and address: the branding of a top-level theme.

A top-level theme stands for an organisation. Its branding (logo, two colours, an own host
name) applies to the theme and every subtheme below it. The logo is kept in the database,
re-encoded as PNG and small (a few hundred kB at most): it follows the transaction like every
other change, and every host behind the proxy reads the same one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class ThemeBranding(db.Model):
    __tablename__ = "theme_branding"

    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                          primary_key=True)
    # the organisation's own address (lower case, no port), set by the platform owner
    host: Mapped[str | None] = mapped_column(String(253), unique=True)
    primary_color: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb"
    accent_color: Mapped[str | None] = mapped_column(String(7))
    logo_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_width: Mapped[int | None] = mapped_column()
    logo_height: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    theme: Mapped["Theme"] = relationship()  # noqa: F821

    @property
    def has_logo(self) -> bool:
        return self.logo_width is not None
