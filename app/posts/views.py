"""Pages of the board: new post, a post with its replies, edit, delete, stars, attachments."""
from __future__ import annotations

from flask import (Blueprint, abort, flash, jsonify, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app.extensions import db
from app.filters.services import categories_for, filter_groups_for
from app.forms import CSRFOnlyForm, choices
from app.features import DISCUSSIONS
from app import storage
from app.items import comments
from app.items.kinds import ItemKind, item_url
from app.permissions import (can_change_readers, can_see_member_list,
                             feature_enabled, load_comment, load_item, may_create, standing)
from app.posts import services
from app.posts.forms import PostForm, ReplyForm
from app.items.models import Attachment, ItemState
from app.themes.models import WorkgroupType
from app.themes.services import get_theme_by_slug, theme_members
from app.pagecache import cacheable
from app.urls import parse_id
from app.transactions import discard

bp = Blueprint("posts", __name__, template_folder="templates")


def _prepare_form(form: PostForm, theme, author):
    form.category.choices = choices([("", _("— no category —"))] +
                                     [(c.id, c.name) for c in categories_for(theme)])
    orgs = services.author_organisations(author, theme)
    form.organisation.choices = choices([("", _("— myself —"))] + [(o.id, o.name) for o in orgs])
    # Picking an audience needs the member list: only for those who may see it. A submitted
    # form is checked against the chosen people only; the whole list is loaded to show it.
    among = None
    if form.is_submitted():
        among = {i for i in map(parse_id, request.form.getlist(form.audience.name)) if i}
    members = _audience_members(theme, author, among)
    form.audience.choices = choices((m.user_id, m.user.username) for m in members)
    return filter_groups_for(theme), members


def _audience_members(theme, author, among=None):
    if not can_see_member_list(theme, author):
        return []
    return [m for m in theme_members(theme, among=among) if m.user_id != author.id]


def _input_from(form: PostForm) -> services.PostInput:
    return services.PostInput(
        title=form.title.data, body=form.body.data, category_id=form.category.data,
        filter_value_ids=form.filters.data or [], organisation_id=form.organisation.data,
        part=form.part.data, audience_ids=form.audience.data or [],
        files=request.files.getlist(form.attachments.name),
        remove_attachment_ids=form.remove_attachments.data or [])


@bp.route("/t/<slug>/posts/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not feature_enabled(theme, DISCUSSIONS):
        abort(404)
    s = standing(current_user, theme)
    if not (s.is_member or s.joined):
        flash(_("Join %(theme)s to write a post.", theme=theme.name), "info")
        return redirect(url_for("themes.show", slug=theme.slug))
    if not may_create(theme, ItemKind.DISCUSSION):
        abort(403)
    form = PostForm()
    if request.method == "GET" and theme.workgroup_type == WorkgroupType.MIXED:
        form.part.data = "closed" if s.is_member else "public"
    groups, members = _prepare_form(form, theme, current_user)
    return _save_or_show(
        form, theme, current_user, None, s, groups, members,
        save=lambda data: services.create_post(current_user, theme, data),
        pending=_("Your post is saved and waits for approval by an admin."),
        done=_("Your post is published."))


def _save_or_show(form, theme, author, post, s, groups, members, save, pending, done):
    """Writing and editing alike: a valid form is saved and leads to the post; otherwise the
    form comes back (422) with the problem named, what was typed, and the whole member list."""
    status = 200
    if form.validate_on_submit():
        try:
            saved = save(_input_from(form))
        except services.PostError as exc:
            discard()
            getattr(form, exc.field or "title").errors.append(exc.message)
            status = 422
        else:
            waits = saved.state == ItemState.PENDING
            flash(pending if waits else done, "info" if waits else "success")
            return redirect(url_for("posts.show", item_id=saved.id))
    elif form.is_submitted():
        status = 422
    if form.is_submitted():  # shown again: the whole member list to choose from
        members = _audience_members(theme, author)
    return render_template("posts/form.html", form=form, theme=theme, groups=groups,
                           members=members, post=post, standing=s), status


@bp.route("/posts/<int:item_id>")
@cacheable
def show(item_id):
    post = load_item(item_id, ItemKind.DISCUSSION)
    page = parse_id(request.args.get("page"), default=1)
    return _render_show(post, ReplyForm(), page)


@comments.item_page(ItemKind.DISCUSSION, comments.REPLY, _l("You cannot reply to this post."))
def _render_show(post, reply_form, page, status=200):
    """The post with one page of its replies."""
    from app.mail.notifications import is_muted
    return render_template("posts/show.html", post=post, item=post, theme=post.theme,
                           starred=post.id in services.starred_ids(current_user, [post.id]),
                           muted=is_muted(current_user, post.id),
                           **comments.section(post, page, reply_form)), status


@bp.route("/replies/<int:comment_id>")
def show_reply(comment_id):
    """A comment's lasting address (used in mails): the page of its item where it is now."""
    return redirect(comments.comment_url(load_comment(comment_id)))


@bp.route("/posts/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    post = load_item(item_id, ItemKind.DISCUSSION, write=True)
    theme = post.theme
    form = PostForm(obj=None)
    author = post.author or current_user
    groups, members = _prepare_form(form, theme, author)
    if not can_change_readers(post):
        members = []  # the audience picker is the author's and the admins' only
    form.remove_attachments.choices = choices((a.id, a.filename) for a in post.attachments)
    if request.method == "GET":
        form.title.data, form.body.data = post.title, post.body
        form.category.data = post.category_id
        form.filters.data = [v.id for v in post.filter_values]
        form.organisation.data = post.organisation_id
        form.part.data = post.part.value
        form.audience.data = [u.id for u in post.readers]
    return _save_or_show(
        form, theme, author, post, standing(current_user, theme), groups, members,
        save=lambda data: services.edit_post(current_user, post, data),
        pending=_("Your changes are saved; the post waits for approval by an admin."),
        done=_("Your changes are saved."))


@bp.route("/posts/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    post = load_item(item_id, ItemKind.DISCUSSION, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    slug = post.theme.slug
    services.delete_post(current_user, post)
    flash(_("The post is deleted."), "success")
    return redirect(url_for("themes.show", slug=slug))


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


@bp.route("/posts/<int:item_id>/star", methods=["POST"])
@login_required
def star(item_id):
    post = load_item(item_id)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    wanted = {"1": True, "0": False}.get(request.form.get("star", ""))  # absent: toggle
    try:
        starred, count = services.set_star(current_user, post, wanted)
    except services.PostError as exc:
        discard()
        if _wants_json():
            return jsonify(error=exc.message), 403
        flash(exc.message, "error")
        return redirect(item_url(post))
    if _wants_json():
        return jsonify(starred=starred, count=count,
                       label=_("Remove star") if starred else _("Give a star"))
    back = request.form.get("next")
    from app.urls import safe_next
    return redirect(safe_next(back) or item_url(post))


@bp.route("/replies/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete_reply(comment_id):
    reply = load_comment(comment_id, write=True)
    post = reply.item
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    services.delete_reply(current_user, reply)
    flash(_("The reply is deleted."), "success")
    return redirect(item_url(post))


@bp.route("/attachments/<int:attachment_id>/<path:filename>")
def attachment(attachment_id, filename):
    att = db.session.get(Attachment, attachment_id) or abort(404)
    load_item(att.item_id)  # 404: whether it exists is itself private
    try:
        stream = storage.get().open(att.stored_name)
    except FileNotFoundError:
        abort(404)
    inline = att.is_image and request.args.get("inline") == "1"
    # The file behind a stored name never changes: that name is its ETag. The browser may
    # keep it but asks again each time (no-cache), so visibility is checked on every use.
    response = send_file(stream, mimetype=att.content_type, as_attachment=not inline,
                         download_name=att.filename, max_age=0, conditional=False,
                         etag=att.stored_name, last_modified=att.created_at)
    response.content_length = att.size
    try:  # 304 for a kept copy, 206 for a range (a resumed download), from any storage
        response = response.make_conditional(request, accept_ranges=True,
                                              complete_length=att.size)
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

