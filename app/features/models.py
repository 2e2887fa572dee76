"""A theme's switch for one kind of content. No row means the kind is on."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class ThemeFeature(db.Model):
    __tablename__ = "theme_feature"

    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
