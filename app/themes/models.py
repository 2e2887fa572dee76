"""Themes (organisations/projects with nested subthemes) and memberships with roles."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum
from app.timeutil import utcnow


class WorkgroupType(str, enum.Enum):
    HALF_OPEN = "half_open"  # public, registration automatic, every post moderated
    CLOSED = "closed"  # members only, registration accepted by an admin
    MIXED = "mixed"  # per post: public part (moderated) or closed part (members)


class Role(str, enum.Enum):
    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return {"member": 1, "admin": 2, "owner": 3}[self.value]


class MembershipStatus(str, enum.Enum):
    PENDING = "pending"  # a request for a closed (part of a) theme, waiting for an admin
    ACTIVE = "active"
    REJECTED = "rejected"




class Theme(db.Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                                  index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    workgroup_type: Mapped[WorkgroupType] = mapped_column(str_enum(WorkgroupType, "workgroup_type"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Members' digest (W16): off, daily, weekly, monthly; push mail by members (W11).
    digest_frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    members_may_push: Mapped[bool] = mapped_column(default=False)
    # Deleted by its owner: the theme and everything in it is gone from every page at once
    # (app.permissions), restorable by the platform owner until the purge job removes it.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    parent: Mapped["Theme | None"] = relationship(remote_side=[id])
    # The subthemes that are not deleted (a deleted one is gone from every page).
    children: Mapped[list["Theme"]] = relationship(
        primaryjoin="and_(Theme.id == remote(foreign(Theme.parent_id)), "
                    "remote(Theme.deleted_at).is_(None))",
        viewonly=True, order_by="(Theme.position, Theme.name)"
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="theme", cascade="all, delete-orphan"
    )
    organisations: Mapped[list["Organisation"]] = relationship(  # noqa: F821
        back_populates="theme", cascade="all, delete-orphan", order_by="Organisation.name"
    )
    # its logo, colours and own host (app.branding), loaded with the theme: pages need it
    branding: Mapped["ThemeBranding | None"] = relationship(  # noqa: F821
        lazy="joined", viewonly=True, uselist=False)

    def ancestors(self) -> list["Theme"]:
        """Parents from the top-level theme down to (not including) this one."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def lineage_ids(self) -> list[int]:
        """This theme's id and its ancestors' ids: memberships of any of them apply here."""
        return [t.id for t in self.ancestors()] + [self.id]

    @property
    def root(self) -> "Theme":
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    @property
    def depth(self) -> int:
        return len(self.ancestors())

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Membership(db.Model):
    """A user's place in a theme; applies to the theme and all its subthemes."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # indexed by ix_membership_theme_status (theme_id leads)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "membership_role"), default=Role.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"), default=MembershipStatus.ACTIVE
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Mails from this theme (reply notifications, its digest, its posts in one's overview).
    notifications: Mapped[bool] = mapped_column(default=True)

    user: Mapped["User"] = relationship(back_populates="memberships",  # noqa: F821
                                        foreign_keys=[user_id])
    theme: Mapped[Theme] = relationship(back_populates="memberships")
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821

    __table_args__ = (
        UniqueConstraint("user_id", "theme_id", name="uq_membership_user_theme"),
        # At most one owner per theme, enforced by the database.
        Index("uq_membership_one_owner", "theme_id", unique=True,
              sqlite_where=text("role = 'owner'"), postgresql_where=text("role = 'owner'")),
        Index("ix_membership_theme_status", "theme_id", "status", "created_at"),
    )

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class Invitation(db.Model):
    """An invitation by e-mail to join a theme: its link works once, until it expires or an
    admin revokes it. Only the hash of the link's token is kept."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    theme: Mapped[Theme] = relationship()
    invited_by: Mapped["User | None"] = relationship(foreign_keys=[invited_by_id])  # noqa: F821

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
