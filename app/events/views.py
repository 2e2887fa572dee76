"""Pages of the agenda: a theme's upcoming and past events, an event with its answers and
comments, new/edit/cancel/delete, answering, and the calendar files and feeds."""
from __future__ import annotations

import re

from flask import (Blueprint, Response, abort, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.events import calendar, services
from app.events.forms import AnswerForm, EventForm
from app.events.models import Answer
from app.forms import CSRFOnlyForm, choices
from app.items import comments
from app.items.kinds import ItemKind
from app.items.models import ItemState
from app.pagecache import cacheable
from app.permissions import (Viewer, can_change_readers, can_comment, can_see_attendees,
                             can_see_member_list, feature_enabled, load_item, may_create,
                             standing, viewer_for)
from app.posts import services as posts
from app.posts.forms import ReplyForm
from app.themes.models import WorkgroupType
from app.themes.services import get_theme_by_slug, theme_members
from app.timeutil import utcnow
from app.transactions import discard
from app.urls import parse_id

bp = Blueprint("events", __name__, template_folder="templates")
EVENTS = "events"
PER_PAGE = 20


def _theme_with_agenda(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not feature_enabled(theme, EVENTS):
        abort(404)
    return theme


# ------------------------------------------------------------------------- the agenda

@bp.route("/t/<slug>/agenda")
@cacheable
def agenda(slug):
    """The theme's upcoming events (soonest first), or its past ones."""
    from app.themes.views import join_form_for

    theme = _theme_with_agenda(slug)
    past = request.args.get("when") == "past"
    page = parse_id(request.args.get("page"), default=1)
    s = standing(current_user, theme)
    listing = services.agenda(theme, past=past, page=page, per_page=PER_PAGE)
    token = (calendar.feed_token(current_user)
             if current_user.is_authenticated and s.is_member else None)
    return render_template("events/agenda.html", theme=theme, standing=s, agenda=listing,
                           past=past, join_form=join_form_for(theme, s),
                           children=theme.children, current_tab=EVENTS,
                           own_waiting=services.waiting_events(theme, current_user),
                           feed_token=token, action_form=CSRFOnlyForm(), board=None, query=None,
                           star_form=CSRFOnlyForm())


@bp.route("/t/<slug>/agenda.ics")
def theme_feed(slug):
    """The theme's open calendar feed: the events everyone may read."""
    theme = _theme_with_agenda(slug)
    return _ics(calendar.calendar_of(services.feed_events(theme, Viewer()), theme.name),
                f"{theme.slug}.ics", inline=True)


@bp.route("/t/<slug>/agenda/<token>.ics")
def personal_feed(slug, token):
    """A member's own feed of the theme: the events its owner may read (members-only ones
    too), for as long as the token is not renewed or revoked."""
    theme = _theme_with_agenda(slug)
    owner = calendar.user_of_token(token)
    if owner is None:
        abort(404)
    events = services.feed_events(theme, viewer_for(owner))
    return _ics(calendar.calendar_of(events, theme.name), f"{theme.slug}.ics", inline=True,
                private=True)


@bp.route("/agenda/feed-token", methods=["POST"])
@login_required
def feed_token():
    """Make (or renew) the personal feed address, or revoke it."""
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    if request.form.get("action") == "revoke":
        calendar.revoke_token(current_user)
        flash(_("Your personal calendar address is revoked: calendars that use it get no "
                "more events."), "success")
    else:
        calendar.renew_token(current_user)
        flash(_("Your personal calendar address is ready. Any earlier address no longer "
                "works."), "success")
    from app.urls import safe_next
    return redirect(safe_next(request.form.get("next")) or url_for("themes.home"))


def _ics(body: bytes, filename: str, *, inline: bool = False, private: bool = False):
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------------- one event

def _load_event(item_id, write=False):
    return load_item(item_id, ItemKind.EVENT, write=write)


@bp.route("/events/<int:item_id>")
@cacheable
def show(item_id):
    item = _load_event(item_id)
    page = parse_id(request.args.get("page"), default=1)
    return _render_show(item, ReplyForm(), page)


@comments.item_page(ItemKind.EVENT, comments.REPLY, _l("You cannot comment on this event."))
def _render_show(item, reply_form, page, status=200, answer_error=None):
    from app.mail.notifications import is_muted

    counts = services.counts_for([item.id])[item.id]
    mine = services.answers_of(current_user, [item.id]).get(item.id)
    attendees = services.responses(item) if can_see_attendees(item) else None
    return render_template("events/show.html", item=item, event=item.event, theme=item.theme,
                           counts=counts, mine=mine, attendees=attendees,
                           when=services.describe_when(item.event),
                           starred=item.id in posts.starred_ids(current_user, [item.id]),
                           muted=is_muted(current_user, item.id), answer_error=answer_error,
                           is_over=item.event.ends_at <= utcnow(),
                           **comments.section(item, page, reply_form)), status


@bp.route("/events/<int:item_id>/answer", methods=["POST"])
@login_required
def answer(item_id):
    item = _load_event(item_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = services.respond(current_user, item, form.answer.data)
    except services.EventError as exc:
        discard()
        return _render_show(item, ReplyForm(), 1, 422 if can_comment(item) else 403,
                            answer_error=exc.message)
    if row.answer == Answer.ATTENDING and row.waitlisted:
        flash(_("The event is full: you are on the waiting list. You get a mail when a place "
                "comes free."), "info")
    else:
        flash({Answer.ATTENDING: _("You are attending."), Answer.MAYBE: _("You might come."),
               Answer.DECLINED: _("You are not attending.")}[row.answer], "success")
    return redirect(url_for("events.show", item_id=item.id, _anchor="answer"))


@bp.route("/events/<int:item_id>/event.ics")
def ics(item_id):
    """The event as a calendar file, to add to one's own calendar."""
    item = _load_event(item_id)
    name = re.sub(r"[^A-Za-z0-9]+", "-", item.title).strip("-").lower()[:60] or "event"
    return _ics(calendar.calendar_of([item.event]), f"{name}.ics")


# ------------------------------------------------------------------------- writing

def _members_to_choose(theme, author, among=None):
    if not can_see_member_list(theme, author):
        return []
    return [m for m in theme_members(theme, among=among) if m.user_id != author.id]


def _prepare(form, theme, author):
    among = None
    if form.is_submitted():
        among = {i for i in map(parse_id, request.form.getlist(form.audience.name)) if i}
    members = _members_to_choose(theme, author, among)
    form.audience.choices = choices((m.user_id, m.user.username) for m in members)
    return members


def _input_from(form) -> services.EventInput:
    return services.EventInput(
        title=form.title.data, body=form.body.data, start_date=form.start_date.data,
        start_time=form.start_time.data, end_date=form.end_date.data,
        end_time=form.end_time.data, all_day=bool(form.all_day.data),
        location=form.location.data, online_url=form.online_url.data,
        max_attendees=form.max_attendees.data, part=form.part.data,
        audience_ids=form.audience.data or [],
        files=request.files.getlist(form.attachments.name),
        remove_attachment_ids=form.remove_attachments.data or [])


def _save_or_show(form, theme, author, item, members, save, pending, done):
    """A valid form is saved and leads to the event; otherwise the form comes back (422)
    with the problem named and everything that was typed."""
    status = 200
    if form.validate_on_submit():
        try:
            saved = save(_input_from(form))
        except services.EventError as exc:
            discard()
            getattr(form, exc.field if exc.field in form else "title").errors.append(exc.message)
            status = 422
        else:
            waits = saved.state == ItemState.PENDING
            flash(pending if waits else done, "info" if waits else "success")
            return redirect(url_for("events.show", item_id=saved.id))
    elif form.is_submitted():
        status = 422
    if form.is_submitted():
        members = _members_to_choose(theme, author)
    return render_template("events/form.html", form=form, theme=theme, members=members,
                           item=item, standing=standing(current_user, theme)), status


@bp.route("/t/<slug>/events/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = _theme_with_agenda(slug)
    s = standing(current_user, theme)
    if not (s.is_member or s.joined):
        flash(_("Join %(theme)s to add an event.", theme=theme.name), "info")
        return redirect(url_for("events.agenda", slug=theme.slug))
    if not may_create(theme, ItemKind.EVENT):
        abort(403)
    form = EventForm()
    if request.method == "GET" and theme.workgroup_type == WorkgroupType.MIXED:
        form.part.data = "closed" if s.is_member else "public"
    members = _prepare(form, theme, current_user)
    return _save_or_show(
        form, theme, current_user, None, members,
        save=lambda data: services.create_event(current_user, theme, data),
        pending=_("Your event is saved and waits for approval by an admin."),
        done=_("Your event is on the agenda."))


@bp.route("/events/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    item = _load_event(item_id, write=True)
    theme, event = item.theme, item.event
    form = EventForm()
    author = item.author or current_user
    members = _prepare(form, theme, author) if can_change_readers(item) else []
    form.remove_attachments.choices = choices((a.id, a.filename) for a in item.attachments)
    if request.method == "GET":
        form.title.data, form.body.data = item.title, item.body
        form.all_day.data = event.all_day
        if event.all_day:
            form.start_date.data = services.first_day(event).isoformat()
            last = services.last_day(event)
            form.end_date.data = last.isoformat() if last != services.first_day(event) else ""
        else:
            start, end = services.local(event.starts_at), services.local(event.ends_at)
            form.start_date.data = start.date().isoformat()
            form.start_time.data = start.strftime("%H:%M")
            form.end_date.data = end.date().isoformat() if end.date() != start.date() else ""
            form.end_time.data = end.strftime("%H:%M")
        form.location.data, form.online_url.data = event.location, event.online_url
        form.max_attendees.data = str(event.max_attendees or "")
        form.part.data = item.part.value
        form.audience.data = [u.id for u in item.readers]
    return _save_or_show(
        form, theme, author, item, members,
        save=lambda data: services.edit_event(current_user, item, data),
        pending=_("Your changes are saved; the event waits for approval by an admin."),
        done=_("Your changes are saved."))


@bp.route("/events/<int:item_id>/cancel", methods=["POST"])
@login_required
def cancel(item_id):
    item = _load_event(item_id, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    if services.cancel_event(current_user, item):
        flash(_("The event is cancelled; those who said they would come get a mail."),
              "success")
    return redirect(url_for("events.show", item_id=item.id))


@bp.route("/events/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    item = _load_event(item_id, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    slug = item.theme.slug
    services.delete_event(current_user, item)
    flash(_("The event is deleted."), "success")
    return redirect(url_for("events.agenda", slug=slug))



@bp.app_template_global("event_when")
def event_when(event) -> str:
    """An event's time in words, in Amsterdam time."""
    return services.describe_when(event)
