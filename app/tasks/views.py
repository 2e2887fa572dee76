"""Pages of tasks: a theme's board (a column per state), "my tasks" across themes, a task with
its reactions, writing and editing, and changing a task's state or assignees."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.features import TASKS
from app.forms import CSRFOnlyForm, choices
from app.items import access
from app.items import comments
from app.items.kinds import ItemKind
from app.items.models import ItemState
from app.pagecache import cacheable
from app.permissions import (can_change_readers, can_change_task, feature_enabled,
                             load_item, may_create, standing)
from app.posts import services as post_services
from app.posts.forms import ReplyForm
from app.tasks import services
from app.tasks.forms import TaskForm, state_choices
from app.themes.models import WorkgroupType
from app.themes.services import get_theme_by_slug
from app.urls import parse_id
from app.transactions import discard
from app.urls import safe_next

bp = Blueprint("tasks", __name__, template_folder="templates")


@bp.app_template_filter("date_only")
def date_only(value, fmt="medium"):
    """A calendar date in the reader's language (no time, no time zone: due dates are days)."""
    from flask_babel import format_date

    return format_date(value, fmt) if value else ""


@bp.app_template_global("today_date")
def today_date():
    return services.today()


def _theme(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not feature_enabled(theme, TASKS):
        abort(404)
    return theme


@bp.route("/t/<slug>/tasks")
@cacheable
def board(slug):
    """The theme's tasks the viewer may see, in a column per state."""
    from app.themes.views import join_form_for

    theme = _theme(slug)
    s = standing(current_user, theme)
    return render_template("tasks/board.html", theme=theme, standing=s,
                           join_form=join_form_for(theme, s), children=theme.children,
                           board=None, query=None, columns=services.board(theme),
                           labels=services.STATE_LABELS, today=services.today(),
                           action_form=CSRFOnlyForm(), current_tab=TASKS)


@bp.route("/tasks/mine")
@login_required
def mine():
    """Mijn taken: the tasks assigned to me that I may read, in every theme."""
    return render_template("tasks/mine.html", rows=services.my_tasks(current_user),
                           labels=services.STATE_LABELS, today=services.today(),
                           action_form=CSRFOnlyForm())


def _prepare(form: TaskForm, theme, item=None):
    form.state.choices = state_choices()
    author = item.author if item is not None and item.author else current_user
    members = access.member_choices(theme, author)
    may_change = item is None or can_change_readers(item)
    form.assignees.choices = choices((m.user_id, m.user.username) for m in members)
    return members, may_change


def _input(form: TaskForm) -> services.TaskInput:
    return services.TaskInput(title=form.title.data, body=form.body.data or "",
                              state=form.state.data, due_date=form.due_date.data,
                              assignee_ids=form.assignees.data or [],
                              access=access.access_input(form))


def _save_or_show(form, theme, item, members, may_change, save, pending, done):
    """A valid form is saved and leads to the task; otherwise the form comes back (422) with
    the problem named and what was typed."""
    status = 200
    if form.validate_on_submit():
        try:
            saved = save(_input(form))
        except (services.TaskError, access.AccessError) as exc:
            discard()
            getattr(form, exc.field or "title").errors.append(exc.message)
            status = 422
        else:
            waits = saved.state == ItemState.PENDING
            flash(pending if waits else done, "info" if waits else "success")
            return redirect(url_for("tasks.show", item_id=saved.id))
    elif form.is_submitted():
        status = 422
    return render_template("tasks/form.html", form=form, theme=theme, task_item=item,
                           members=members, may_change=may_change,
                           standing=standing(current_user, theme)), status


@bp.route("/t/<slug>/tasks/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = _theme(slug)
    if not may_create(theme, ItemKind.TASK):
        abort(403)
    form = TaskForm()
    if request.method == "GET" and theme.workgroup_type == WorkgroupType.MIXED:
        form.part.data = "closed" if standing(current_user, theme).is_member else "public"
    members, may_change = _prepare(form, theme)
    return _save_or_show(
        form, theme, None, members, may_change,
        save=lambda data: services.create_task(current_user, theme, data),
        pending=_("The task is saved and waits for approval by an admin."),
        done=_("The task is saved."))


@bp.route("/tasks/<int:item_id>")
@cacheable
def show(item_id):
    item = load_item(item_id, ItemKind.TASK)
    return _render_show(item, ReplyForm(), parse_id(request.args.get("page"), default=1))


@comments.item_page(ItemKind.TASK, comments.REACTION, _l("You cannot react to this."))
def _render_show(item, reply_form, page, status=200):
    task = services.task_of(item)
    may_change = can_change_task(item, task.assignees)
    members = access.member_choices(item.theme, current_user) if may_change else []
    return render_template(
        "tasks/show.html", item=item, task=task, theme=item.theme, labels=services.STATE_LABELS,
        today=services.today(), may_change=may_change, members=members,
        starred=item.id in post_services.starred_ids(current_user, [item.id]),
        **comments.section(item, page, reply_form)), status


@bp.route("/tasks/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    item = load_item(item_id, ItemKind.TASK, write=True)
    theme = item.theme
    form = TaskForm()
    if request.method == "GET":
        task = services.task_of(item)
        form.title.data, form.body.data = item.title, item.body
        form.state.data, form.due_date.data = task.state.value, task.due_date
        form.assignees.data = [u.id for u in task.assignees]
        form.audience.data = [u.id for u in item.readers]
        form.write_access.data = item.write_access.value
        form.writers.data = [u.id for u in item.writers]
    members, may_change = _prepare(form, theme, item)
    return _save_or_show(
        form, theme, item, members, may_change,
        save=lambda data: services.edit_task(current_user, item, data),
        pending=_("Your changes are saved; the task waits for approval by an admin."),
        done=_("Your changes are saved."))


@bp.route("/tasks/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    item = load_item(item_id, ItemKind.TASK, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    slug = item.theme.slug
    services.delete_task(current_user, item)
    flash(_("The task is deleted."), "success")
    return redirect(url_for("tasks.board", slug=slug))


def _changeable(item_id):
    """The task for a change of state or assignees: 404 unreadable, 403 for those who may
    neither edit it nor are assigned to it."""
    item = load_item(item_id, ItemKind.TASK)
    task = services.task_of(item)
    if not can_change_task(item, task.assignees):
        abort(403)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    return item, task


@bp.route("/tasks/<int:item_id>/state", methods=["POST"])
@login_required
def change_state(item_id):
    item, task = _changeable(item_id)
    try:
        services.change_state(current_user, item, task, request.form.get("state"))
    except services.TaskError as exc:
        discard()
        from app.errors import render_error
        return render_error(422, exc.message)
    flash(_("“%(title)s” is now: %(state)s.", title=item.title,
            state=services.STATE_LABELS[task.state]), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.show", item_id=item.id))


@bp.route("/tasks/<int:item_id>/assignees", methods=["POST"])
@login_required
def change_assignees(item_id):
    item, task = _changeable(item_id)
    try:
        services.change_assignees(current_user, item, task,
                                  sorted(access.submitted_ids("assignees")))
    except services.TaskError as exc:
        discard()
        from app.errors import render_error
        return render_error(422, exc.message)
    flash(_("The assignees are saved."), "success")
    return redirect(url_for("tasks.show", item_id=item.id))
