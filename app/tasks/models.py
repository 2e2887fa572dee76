"""What only a task has: its state, its due date (a calendar date in Europe/Amsterdam) and
its assignees."""
from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, str_enum


class TaskState(str, enum.Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"


task_assignee = Table(
    "task_assignee", db.metadata,
    Column("item_id", Integer, ForeignKey("task.item_id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    # the assignee got the mail about it (sent once they may read the task)
    Column("notified", Boolean, nullable=False, default=False),
    Index("ix_task_assignee_user", "user_id", "item_id"),
)


class Task(db.Model):
    __tablename__ = "task"
    # the board: a theme's tasks by state (the theme is on the item)
    __table_args__ = (Index("ix_task_state", "state"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"),
                                         primary_key=True)
    state: Mapped[TaskState] = mapped_column(str_enum(TaskState, "task_state"),
                                             default=TaskState.NEW)
    due_date: Mapped[date | None] = mapped_column(Date)

    item: Mapped["Item"] = relationship()  # noqa: F821
    assignees: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary=task_assignee, order_by="User.username")
