"""Categories and filters a theme's admins define; subthemes inherit their parents' and may
add their own."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Category(db.Model):
    """What kind of post ("vraag", "idee", …)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("theme_id", "name", name="uq_category_theme_name"),)


class FilterGroup(db.Model):
    """A facet such as "Regio", with values such as "Noord" and "Zuid"."""

    __tablename__ = "filter_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)

    values: Mapped[list["FilterValue"]] = relationship(
        back_populates="group", cascade="all, delete-orphan",
        order_by="(FilterValue.position, FilterValue.name)")

    __table_args__ = (UniqueConstraint("theme_id", "name", name="uq_filter_group_theme_name"),)


class FilterValue(db.Model):
    __tablename__ = "filter_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("filter_group.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)

    group: Mapped[FilterGroup] = relationship(back_populates="values")

    __table_args__ = (UniqueConstraint("group_id", "name", name="uq_filter_value_group_name"),)
