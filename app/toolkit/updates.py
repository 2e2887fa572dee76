"""Pages of status updates: the list (newest first), an update with its replies, writing,
editing and deleting. An update shows its video as a link; the privacy-friendly player is
put in the page only when the viewer asks for it (app/toolkit/videos.py). A link is shown as
a link, with the title and description of its page once the scheduler has fetched them
(app/toolkit/linkpreview.py); no page request fetches anything."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db
from app.items import comments
from app.items.kinds import ItemKind, item_url
from app.pagecache import cacheable
from app.permissions import load_item, standing
from app.posts.forms import ReplyForm
from app.toolkit import common, images, services
from app.toolkit.forms import UpdateForm
from app.toolkit.models import StatusUpdate

bp = Blueprint("updates", __name__, template_folder="templates")
FEATURE = "updates"


@bp.route("/t/<slug>/updates")
@cacheable
def index(slug):
    from app.themes.views import join_form_for

    theme = common.theme_for(slug, FEATURE)
    s = standing(current_user, theme)
    page = services.update_list(theme, common.page_arg(), common.per_page())
    return render_template("toolkit/updates.html", theme=theme, standing=s,
                           join_form=join_form_for(theme, s), children=[], board=None,
                           query=None, current_tab=FEATURE, page=page,
                           closed=common.closed_to_viewer(theme))


def _form_context(row=None):
    return {"kind": "status_update", "image_help": images.accepted_text(),
            "current_image": row.image if row else None,
            "kind_attachment_ids": [row.image_id] if row and row.image_id else []}


def _save(form, save):
    return lambda data: save(data, form.video_url.data, form.link_url.data,
                             request.files.get(form.image.name))


@bp.route("/t/<slug>/updates/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = common.theme_for(slug, FEATURE)
    prepared = common.new_form(theme, ItemKind.STATUS_UPDATE, UpdateForm, "updates.index")
    if not isinstance(prepared, tuple):
        return prepared
    form, s, groups, members = prepared
    return common.save_or_show(
        form, theme, None, s, groups, members,
        save=_save(form, lambda data, video, link, image: services.create_update(
            current_user, theme, data, video, link, image)),
        template="toolkit/form.html", heading=_("New status update"),
        cancel_url=url_for("updates.index", slug=theme.slug), **_form_context())


@bp.route("/updates/<int:item_id>")
@cacheable
def show(item_id):
    return _render(load_item(item_id, ItemKind.STATUS_UPDATE), ReplyForm(), common.page_arg())


@comments.item_page(ItemKind.STATUS_UPDATE, comments.REPLY, _l("You cannot react to this."))
def _render(item, reply_form, page, status=200):
    row = db.session.get(StatusUpdate, item.id)
    return common.render_item(item, "toolkit/update.html", reply_form, page, status, detail=row)


@bp.route("/updates/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    item = load_item(item_id, ItemKind.STATUS_UPDATE, write=True)
    row = db.session.get(StatusUpdate, item.id)
    form, groups, members = common.edit_form(item, UpdateForm)
    if request.method == "GET" and row is not None:
        form.video_url.data, form.link_url.data = row.video_url, row.link_url
    return common.save_or_show(
        form, item.theme, item, standing(current_user, item.theme), groups, members,
        save=_save(form, lambda data, video, link, image: services.edit_update(
            current_user, item, data, video, link, image, bool(form.remove_image.data))),
        template="toolkit/form.html", heading=_("Edit status update"),
        cancel_url=item_url(item), **_form_context(row))


@bp.route("/updates/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    item = load_item(item_id, ItemKind.STATUS_UPDATE, write=True)
    return common.delete_item(item, "updates.index", _("The status update is deleted."))
