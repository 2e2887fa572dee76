"""The review queue of a theme, its decisions, the audit log, and reporting."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.moderation import services
from app.moderation.forms import DecisionForm, EditApproveForm, RemoveMemberForm, ReportForm
from app.items.kinds import item_url
from app.items.models import Item, ItemState
from app.items.kinds import ItemKind, item_url
from app.permissions import can_administer, is_platform_owner, load_comment, load_item, viewer_for
from app.posts.services import PostError
from app.themes import services as theme_services
from app.themes.models import Membership, Theme
from app.pagecache import cacheable
from app.urls import parse_id, safe_next
from app.transactions import discard

bp = Blueprint("moderation", __name__, template_folder="templates")


def _admin_theme(slug: str) -> Theme:
    theme = theme_services.get_theme_by_slug(slug) or abort(404)
    if not can_administer(theme):
        abort(403)
    return theme


@bp.route("/moderation")
@login_required
def overview():
    """Every queue this person handles, with what waits in each."""
    viewer = viewer_for()
    if is_platform_owner():
        themes = theme_services.top_level_themes()
    else:
        admin_ids = viewer.admin_theme_ids
        themes = [t for t in db.session.scalars(select(Theme).where(Theme.id.in_(admin_ids)))
                  if t.parent_id not in admin_ids]  # the top of each administered subtree
    if not themes:
        abort(403)
    if len(themes) == 1:
        return redirect(url_for("moderation.queue", slug=themes[0].slug))
    counts = {t.id: services.theme_queue_count(t) for t in themes}
    return render_template("moderation/overview.html", themes=themes, counts=counts)


@bp.route("/t/<slug>/moderation")
@cacheable
@login_required
def queue(slug):
    theme = _admin_theme(slug)
    kind = request.args.get("kind") if request.args.get("kind") in services.KINDS else None
    sub = request.args.get("theme", "")
    subtheme_id = parse_id(sub)
    subthemes = db.session.scalars(select(Theme).where(
        Theme.id.in_(theme_services.subtree_ids(theme))).order_by(Theme.name)).all()
    items = services.queue(theme, kind=kind, subtheme_id=subtheme_id)  # themes loaded above
    waiting = services.theme_queue_count(theme, kind=kind, subtheme_id=subtheme_id)
    return render_template("moderation/queue.html", theme=theme, items=items, total_waiting=waiting,
                           kind=kind,
                           subtheme_id=subtheme_id, subthemes=subthemes, form=DecisionForm(),
                           report_reasons=services.REPORT_REASONS, now=services.utcnow())


def _in_scope(theme: Theme, theme_id: int) -> None:
    if theme_id not in theme_services.subtree_ids(theme):
        abort(404)


@bp.route("/t/<slug>/moderation/decide", methods=["POST"])
@login_required
def decide(slug):
    theme = _admin_theme(slug)
    form = DecisionForm()
    back = safe_next(request.form.get("next")) or url_for("moderation.queue", slug=theme.slug)
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs) or _("Try again."),
              "error")
        return redirect(back), 303
    action, target = request.form.get("action", ""), request.form.get("target", "")
    code, text = form.reason_code.data, form.reason_text.data
    kind, _sep, raw = target.partition(":")
    item_id = parse_id(raw)
    if item_id is None or kind not in ("item", "comment", "membership"):
        abort(400)
    try:
        if kind == "membership":
            m = db.session.get(Membership, item_id) or abort(404)
            _in_scope(theme, m.theme_id)
            if action not in ("accept", "reject"):
                abort(400)
            theme_services.decide_request(item_id, current_user, action == "accept")
            message = (_("%(name)s is accepted.", name=m.user.username) if action == "accept"
                       else _("The request of %(name)s is rejected.", name=m.user.username))
        else:
            post, reply = services.parse_target(target)
            if post is None:
                abort(404)
            _in_scope(theme, post.theme_id)
            if action == "approve":
                (services.approve_reply(current_user, item_id) if reply
                 else services.approve_post(current_user, item_id))
                message = _("Approved: it is published.")
            elif action == "reject":
                (services.reject_reply(current_user, item_id, code, text) if reply
                 else services.reject_post(current_user, item_id, code, text))
                message = _("Rejected; the author is told why.")
            elif action in ("hide", "delete"):
                services.take_down(current_user, target, action == "delete", code, text)
                message = _("Hidden; the author and reporters are told.") if action == "hide" \
                    else _("Deleted; the author and reporters are told.")
            elif action == "dismiss":
                services.dismiss_reports(current_user, target)
                message = _("Report dismissed; the reporters are told.")
            else:
                abort(400)
    except DomainError as exc:
        discard()
        flash(exc.message, "warning" if isinstance(exc, (services.AlreadyDecided,
                                                          theme_services.AlreadyDecided))
              else "error")
        return redirect(back), 303
    flash(message, "success")
    return redirect(back), 303


@bp.route("/t/<slug>/moderation/posts/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_approve(slug, item_id):
    theme = _admin_theme(slug)
    post = db.session.get(Item, item_id) or abort(404)
    if post.kind != ItemKind.DISCUSSION:  # other kinds keep their own history of changes
        abort(404)
    _in_scope(theme, post.theme_id)
    if post.state != ItemState.PENDING:
        flash(_("This was already decided by %(name)s.",
                name=services.audit.last_decider(f"item:{post.id}")), "warning")
        return redirect(url_for("moderation.queue", slug=theme.slug))
    form = EditApproveForm(obj=post if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            services.edit_and_approve_post(current_user, post.id, form.title.data, form.body.data)
        except services.AlreadyDecided as exc:
            flash(exc.message, "warning")
            return redirect(url_for("moderation.queue", slug=theme.slug))
        except PostError as exc:
            discard()
            getattr(form, exc.field or "title").errors.append(exc.message)
            status = 422
        else:
            flash(_("Approved with your correction; the author is told what changed."), "success")
            return redirect(url_for("moderation.queue", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("moderation/edit.html", theme=theme, post=post, form=form), status


@bp.route("/t/<slug>/moderation/log")
@login_required
def log(slug):
    theme = _admin_theme(slug)
    page = request.args.get("page", "1")
    page = parse_id(page, 1)
    entries, more = services.decisions(theme, page)
    return render_template("moderation/log.html", theme=theme, entries=entries, page=page,
                           more=more)


@bp.route("/t/<slug>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(slug, membership_id):
    theme = _admin_theme(slug)
    m = db.session.get(Membership, membership_id) or abort(404)
    _in_scope(theme, m.theme_id)
    form = RemoveMemberForm()
    status = 200
    if form.validate_on_submit():
        name = m.user.username
        try:
            services.remove_member(current_user, theme, membership_id, form.reason.data)
        except services.ModerationError as exc:
            discard()
            flash(exc.message, "error")
            return redirect(url_for("themes.members", slug=theme.slug))
        flash(_("%(name)s is removed from the theme.", name=name), "success")
        return redirect(url_for("themes.members", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("moderation/remove_member.html", theme=theme, membership=m,
                           form=form), status


@bp.route("/posts/<int:item_id>/report", methods=["GET", "POST"])
@bp.route("/replies/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
def report(item_id=None, comment_id=None):
    reply = None
    if comment_id is not None:
        reply = load_comment(comment_id)
        item_id = reply.item_id
    post = load_item(item_id)
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.report(current_user, post, reply, form.reason.data, form.text.data)
        except services.ModerationError as exc:
            discard()
            getattr(form, exc.field or "reason").errors.append(exc.message)
            status = 422
        else:
            flash(_("Thank you. The admins of this theme will look at it; you will hear the "
                    "outcome."), "success")
            return redirect(item_url(post))
    elif form.is_submitted():
        status = 422
    return render_template("moderation/report.html", post=post, reply=reply, form=form,
                           theme=post.theme), status
