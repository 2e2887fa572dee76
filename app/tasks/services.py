"""Rules of tasks: writing, editing and deleting them, changing their state and assignees
(and mailing the people newly assigned), the board of a theme and "my tasks".

Every read goes through app.permissions.visible_items_clause (the one policy); who may change
a task's state and assignees is app.permissions.can_change_task.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from app.errors import DomainError
from app.extensions import db
from app.items import access
from app.items.kinds import ItemKind
from app.items.models import Item, ItemState
from app.permissions import (can_change_readers, can_moderate_item, can_see_member_list,
                             may_be_assigned, needs_approval, viewer_for, visible_items_clause)
from app.posts.rendering import render_markdown
from app.tasks.models import Task, TaskState, task_assignee
from app.themes.services import theme_members
from app.timeutil import utcnow

TITLE_MAX = 200
BODY_MAX = 20_000
TIME_ZONE = ZoneInfo("Europe/Amsterdam")  # due dates are calendar days there

STATE_LABELS = {TaskState.NEW: _l("New"), TaskState.IN_PROGRESS: _l("In progress"),
                TaskState.DONE: _l("Done")}


class TaskError(DomainError):
    """A rule was broken; the message names the problem (and the field)."""


def today() -> date:
    """Today's date in the Netherlands (what "overdue" is measured against)."""
    return datetime.now(TIME_ZONE).date()


def is_overdue(task: Task, on: date | None = None) -> bool:
    return (task.due_date is not None and task.state != TaskState.DONE
            and task.due_date < (on or today()))


@dataclass
class TaskInput:
    title: str = ""
    body: str = ""
    state: str | None = None
    due_date: date | None = None
    assignee_ids: list[int] = field(default_factory=list)
    access: access.AccessInput = field(default_factory=access.AccessInput)


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise TaskError(_("Give the task a title."), field="title")
    if len(title) > TITLE_MAX:
        raise TaskError(_("Use at most %(n)d characters.", n=TITLE_MAX), field="title")
    if len(body) > BODY_MAX:
        raise TaskError(_("Use at most %(n)d characters.", n=BODY_MAX), field="body")
    return title, body


def parse_state(value) -> TaskState:
    try:
        return TaskState(value or TaskState.NEW.value)
    except ValueError:
        raise TaskError(_("Choose one of the states."), field="state")


def _check_assignees(actor, item: Item, ids) -> list:
    """The people a task may be assigned to: members of its theme who may read it."""
    if not ids:
        return []
    theme = item.theme
    if not can_see_member_list(theme, actor):
        raise TaskError(_("Only accepted members can assign tasks."), field="assignees")
    members = {m.user_id: m.user for m in theme_members(theme, among=ids)}
    reader_ids = [u.id for u in item.readers]
    chosen = []
    for uid in sorted(set(ids)):
        user = members.get(uid)
        if user is None:
            raise TaskError(_("Choose people from this theme's member list."),
                            field="assignees")
        if not may_be_assigned(uid, item.author_id, item.read_access, reader_ids):
            raise TaskError(_("%(name)s cannot read this task: add them to its readers first.",
                              name=user.username), field="assignees")
        chosen.append(user)
    return chosen


def _assign(actor, item: Item, task: Task, ids) -> None:
    """Set the assignees; those newly assigned get a mail (through the outbox)."""
    task.assignees = _check_assignees(actor, item, ids)
    db.session.flush()
    mail_assignees(actor, item, task)


def mail_assignees(actor, item: Item, task: Task | None = None) -> int:
    """Tell the assignees who were not told yet that the task is theirs, once they may read
    it (a task that waits for approval is read by its author and the admins only; its
    approval calls this again). Nobody is told about what they did themselves. Returns how
    many mails were queued."""
    from app.mail.notifications import sees_post
    from app.mail.services import send_mail
    from app.urls import external_url

    task = task or task_of(item)
    waiting = set(db.session.scalars(select(task_assignee.c.user_id).where(
        task_assignee.c.item_id == item.id, task_assignee.c.notified.is_(False))))
    told = []
    for user in task.assignees:
        if user.id not in waiting:
            continue
        if user.id == actor.id:
            told.append(user.id)  # assigned themselves: nothing to tell
            continue
        if user.email_confirmed_at is None or not sees_post(user, item.id):
            continue
        send_mail(user.email, lambda: _("A task for you: %(title)s", title=item.title),
                  "task_assigned", locale=user.locale, kind="notification", user=user,
                  item=item, task=task, by=actor.username, theme=item.theme,
                  link=external_url("tasks.show", item_id=item.id))
        told.append(user.id)
    if told:
        db.session.execute(update(task_assignee).where(
            task_assignee.c.item_id == item.id, task_assignee.c.user_id.in_(told))
            .values(notified=True))
    return len(told)


def create_task(author, theme, data: TaskInput) -> Item:
    """Write a new task. Public parts wait for approval."""
    title, body = _clean(data.title, data.body)
    state = parse_state(data.state)
    now = utcnow()
    item = Item(kind=ItemKind.TASK, theme_id=theme.id, author=author, title=title, body=body,
                body_html=render_markdown(body) if body else "", created_at=now)
    item.theme = theme
    access.apply_access(item, theme, author, data.access, may_change=True, new=True)
    pending = needs_approval(theme, item.part, author)
    item.state = ItemState.PENDING if pending else ItemState.PUBLISHED
    item.published_at = item.last_activity_at = None if pending else now
    db.session.add(item)
    db.session.flush()
    task = Task(item_id=item.id, state=state, due_date=data.due_date)
    db.session.add(task)
    db.session.flush()
    _assign(author, item, task, data.assignee_ids)
    return item


def task_of(item: Item) -> Task:
    return db.session.scalar(select(Task).where(Task.item_id == item.id)
                             .options(selectinload(Task.assignees)))


def edit_task(editor, item: Item, data: TaskInput) -> Item:
    """Change a task (by someone with write access). A change by someone who is not a
    moderator to a public task goes back for approval, as for posts."""
    task = task_of(item)
    title, body = _clean(data.title, data.body)
    access.apply_access(item, item.theme, item.author or editor, data.access,
                        may_change=can_change_readers(item, editor), new=False)
    item.title, item.body = title, body
    item.body_html = render_markdown(body) if body else ""
    item.updated_at = utcnow()
    task.state, task.due_date = parse_state(data.state), data.due_date
    if not can_moderate_item(item, editor) and (
            item.state == ItemState.REJECTED
            or (item.state == ItemState.PUBLISHED
                and needs_approval(item.theme, item.part, editor))):
        item.state = ItemState.PENDING
    db.session.flush()
    _assign(editor, item, task, data.assignee_ids)
    return item


def change_state(actor, item: Item, task: Task, value) -> None:
    task.state = parse_state(value)
    item.updated_at = utcnow()
    db.session.flush()


def change_assignees(actor, item: Item, task: Task, ids) -> None:
    _assign(actor, item, task, ids)
    item.updated_at = utcnow()
    db.session.flush()


def delete_task(actor, item: Item) -> None:
    item.state = ItemState.DELETED
    item.updated_at = utcnow()
    db.session.flush()


# ------------------------------------------------------------------------- reading

_BY_DUE = (Task.due_date.is_(None), Task.due_date, Item.id)


def _with_tasks(query):
    return query.options(joinedload(Item.author), selectinload(Item.readers))


def board(theme) -> dict[TaskState, list[tuple[Item, Task]]]:
    """The theme's tasks the viewer may see, by state, the first due first (three queries:
    the tasks, their assignees, their chosen readers)."""
    rows = db.session.execute(_with_tasks(
        select(Item, Task).join(Task, Task.item_id == Item.id)
        .where(Item.theme_id == theme.id, Item.kind == ItemKind.TASK,
               visible_items_clause(viewer_for(), in_theme=theme))
        .options(selectinload(Task.assignees)).order_by(*_BY_DUE))).all()
    columns: dict[TaskState, list] = {state: [] for state in TaskState}
    for item, task in rows:
        columns[task.state].append((item, task))
    return columns


def my_tasks(user) -> list[tuple[Item, Task]]:
    """The tasks assigned to the user that they may (still) read, across all themes, the
    first due first, done ones last."""
    return list(db.session.execute(
        select(Item, Task).join(Task, Task.item_id == Item.id)
        .join(task_assignee, task_assignee.c.item_id == Task.item_id)
        .where(task_assignee.c.user_id == user.id, Item.kind == ItemKind.TASK,
               visible_items_clause(viewer_for(user)))
        .options(joinedload(Item.theme), selectinload(Task.assignees))
        .order_by(Task.state == TaskState.DONE, *_BY_DUE)).all())


def open_tasks(theme, limit: int) -> list[tuple[Item, Task]]:
    """The theme's published tasks that are not done, the first due first (two queries)."""
    return list(db.session.execute(
        select(Item, Task).join(Task, Task.item_id == Item.id)
        .where(Item.theme_id == theme.id, Item.kind == ItemKind.TASK,
               Item.state == ItemState.PUBLISHED, Task.state != TaskState.DONE,
               visible_items_clause(viewer_for(), in_theme=theme))
        .options(selectinload(Task.assignees)).order_by(*_BY_DUE).limit(limit)).all())
