"""Pages of files and folders: a theme's files, a folder, a file with its versions, uploads,
downloads (one file, one version, a folder as a zip), settings (name, place, access), the
bin, and a theme's quota."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app import storage
from app.extensions import db
from app.features import FILES
from app.files import services
from app.files.forms import FolderForm, QuotaForm, SettingsForm, UploadForm
from app.files.models import File, FileVersion, Folder
from app.forms import CSRFOnlyForm, choices
from app.items.kinds import ItemKind
from app.items.models import ItemState, WriteAccess
from app.permissions import (can_add_files, can_administer, can_change_readers,
                             can_see_member_list, can_set_file_quota, feature_enabled, standing)
from app.themes.services import get_theme_by_slug, theme_members
from app.pagecache import cacheable
from app.transactions import discard

bp = Blueprint("files", __name__, template_folder="templates")

VIEWS = ("list", "tiles")


def _theme(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not feature_enabled(theme, FILES):
        abort(404)
    return theme


def _view_mode() -> str:
    """List or tiles: chosen with ?view=, remembered in the session."""
    wanted = request.args.get("view")
    if wanted in VIEWS:
        session["files_view"] = wanted
    return session.get("files_view", "list")


def _render_folder(theme, folder: Folder | None, upload_form=None, folder_form=None,
                   status=200):
    from app.themes.views import join_form_for

    s = standing(current_user, theme)
    listing = services.listing(theme, folder, request.args.get("sort", "name"))
    usage = services.usage(theme) if can_administer(theme) else None
    return render_template(
        "files/folder.html", theme=theme, standing=s, join_form=join_form_for(theme, s),
        children=None, board=None, query=None, star_form=CSRFOnlyForm(),
        current_tab="files", folder=folder,
        crumbs=services.breadcrumbs(folder.item_id if folder else None),
        listing=listing, view=_view_mode(), usage=usage, limits=services.limits(),
        upload_form=upload_form or UploadForm(), folder_form=folder_form or FolderForm(),
        action_form=CSRFOnlyForm(),
        may_add=can_add_files(theme, folder.item if folder else None)), status


@bp.route("/t/<slug>/files")
@cacheable
def index(slug):
    """The theme's top-level folders and files."""
    return _render_folder(_theme(slug), None)


@bp.route("/folders/<int:item_id>")
@cacheable
def folder(item_id):
    f = services.load_folder(item_id)
    return _render_folder(f.item.theme, f)


def _upload(theme, folder: Folder | None):
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        stored = services.upload(current_user, theme, folder,
                                 request.files.getlist(form.files.name))
    except services.FilesError as exc:
        discard()
        form.files.errors = [exc.message]
        return _render_folder(theme, folder, upload_form=form, status=exc.status)
    waiting = [f for f in stored if f.item.state == ItemState.PENDING]
    flash(_("Uploaded: %(names)s.", names=", ".join(f.item.title for f in stored)), "success")
    if waiting:
        flash(_("An admin approves files in the public part before others see them."), "info")
    return redirect(_folder_url(theme, folder))


def _folder_url(theme, folder: Folder | None) -> str:
    if folder is None:
        return url_for("files.index", slug=theme.slug)
    return url_for("files.folder", item_id=folder.item_id)


@bp.route("/t/<slug>/files/upload", methods=["POST"])
@login_required
def upload_top(slug):
    theme = _theme(slug)
    if not can_add_files(theme, None):
        abort(403)
    return _upload(theme, None)


@bp.route("/folders/<int:item_id>/upload", methods=["POST"])
@login_required
def upload_into(item_id):
    f = services.load_folder(item_id, write=True)
    return _upload(f.item.theme, f)


def _new_folder(theme, parent: Folder | None):
    form = FolderForm()
    if form.validate_on_submit():
        try:
            made = services.create_folder(current_user, theme, parent, form.name.data)
        except services.FilesError as exc:
            discard()
            form.name.errors = [exc.message]
        else:
            flash(_("Folder %(name)s is made.", name=made.item.title), "success")
            return redirect(url_for("files.folder", item_id=made.item_id))
    return _render_folder(theme, parent, folder_form=form, status=422)


@bp.route("/t/<slug>/files/folders", methods=["POST"])
@login_required
def new_folder_top(slug):
    theme = _theme(slug)
    if not can_add_files(theme, None):
        abort(403)
    return _new_folder(theme, None)


@bp.route("/folders/<int:item_id>/folders", methods=["POST"])
@login_required
def new_folder_into(item_id):
    f = services.load_folder(item_id, write=True)
    return _new_folder(f.item.theme, f)


# ------------------------------------------------------------------------- a file

@bp.route("/files/<int:item_id>")
@cacheable
def show(item_id):
    file = services.load_file(item_id)
    versions = db.session.scalars(
        select(FileVersion).where(FileVersion.file_id == file.item_id)
        .options(joinedload(FileVersion.uploader))
        .order_by(FileVersion.number.desc())).all()
    return render_template("files/show.html", file=file, item=file.item, theme=file.item.theme,
                           versions=versions,
                           crumbs=services.breadcrumbs(file.folder_id),
                           action_form=CSRFOnlyForm(), limits=services.limits(),
                           upload_form=UploadForm())


def _send_stored(stored_name: str, name: str, content_type: str, size: int, when,
                 inline: bool = False):
    """A stored file as a download: an attachment under a safe name, never run by the
    browser (nosniff, a sandboxing Content-Security-Policy)."""
    try:
        stream = storage.get().open(stored_name)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=content_type, as_attachment=not inline,
                         download_name=services.download_name(name), max_age=0,
                         conditional=False, etag=stored_name, last_modified=when)
    response.content_length = size
    try:
        response = response.make_conditional(request, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/files/<int:item_id>/download")
def download(item_id):
    """The newest version (what a click on the name gives)."""
    file = services.load_file(item_id)
    return _send_stored(file.stored_name, file.item.title, file.content_type, file.size,
                        file.item.last_activity_at or file.item.created_at)


@bp.route("/files/<int:item_id>/versions/<int:version_id>")
def download_version(item_id, version_id):
    file = services.load_file(item_id)
    version = db.session.get(FileVersion, version_id)
    if version is None or version.file_id != file.item_id:
        abort(404)
    return _send_stored(version.stored_name, file.item.title, version.content_type,
                        version.size, version.created_at)


@bp.route("/files/<int:item_id>/thumbnail")
def thumbnail(item_id):
    """The small JPEG made of an image at upload (the only inline file: made here, by Pillow,
    from the image's pixels)."""
    file = services.load_file(item_id)
    if not file.thumbnail_name:
        abort(404)
    return _send_stored(file.thumbnail_name, "thumbnail.jpg", "image/jpeg",
                        storage.get().size(file.thumbnail_name), file.item.created_at,
                        inline=True)


@bp.route("/folders/<int:item_id>/zip")
def zip_folder(item_id):
    f = services.load_folder(item_id)
    out = services.zip_folder(f)
    response = send_file(out, mimetype="application/zip", as_attachment=True,
                         download_name=(services.download_name(f.item.title) or "map") + ".zip",
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------------- settings

def _member_choices(theme):
    if not can_see_member_list(theme):
        return []
    return [(m.user_id, m.user.username) for m in theme_members(theme)]


def _settings(item_id, kind):
    model = File if kind == ItemKind.FILE else Folder
    from app.permissions import load_item

    item = load_item(item_id, kind, write=True)
    row = db.session.get(model, item.id)
    theme = item.theme
    form = SettingsForm()
    current_folder = row.folder_id if model is File else row.parent_id
    form.folder.choices = choices([("", _("— top level —"))] +
                                  services.folder_choices(theme, item))
    may_change_access = can_change_readers(item)
    labels = {"inherit": _("As its folder (inherited)"), "public": _("Everyone"),
              "members": _("The members of the theme"), "chosen": _("Chosen people")}
    form.read.choices = choices([("inherit", labels["inherit"])] +
                                [(c, labels[c]) for c in services.read_choices(theme)])
    form.write.choices = choices([
        (WriteAccess.AUTHOR.value, _("The owner")), (WriteAccess.MEMBERS.value,
                                                     _("Every member")),
        (WriteAccess.CHOSEN.value, _("Chosen people")),
        (WriteAccess.ADMINS.value, _("The admins only"))])
    people = _member_choices(theme) if may_change_access else []
    form.readers.choices = choices(people)
    form.writers.choices = choices(people)
    if request.method == "GET":
        form.name.data = item.title
        form.folder.data = current_folder
        form.read.data = "inherit" if row.inherits_access else services.read_choice(item)
        form.readers.data = [u.id for u in item.readers]
        form.write.data = item.write_access.value
        form.writers.data = [u.id for u in item.writers]
    status = 200
    if form.validate_on_submit():
        try:
            services.rename(current_user, item, form.name.data)
            if form.folder.data != current_folder:
                target = services.load_folder(form.folder.data) if form.folder.data else None
                services.move(current_user, item, target)
            if may_change_access:
                inherit = form.read.data == "inherit"
                access = None if inherit else services.choose_access(
                    theme, current_user, form.read.data, form.readers.data or [],
                    form.write.data, form.writers.data or [])
                services.set_access(current_user, item, inherit, access)
        except services.FilesError as exc:
            discard()
            getattr(form, exc.field if exc.field in form else "name").errors = [exc.message]
            status = 422
        else:
            flash(_("Your changes are saved."), "success")
            if kind == ItemKind.FILE:
                return redirect(url_for("files.show", item_id=item.id))
            return redirect(url_for("files.folder", item_id=item.id))
    elif form.is_submitted():
        status = 422
    return render_template("files/settings.html", form=form, item=item, theme=theme,
                           may_change_access=may_change_access, people=people,
                           crumbs=services.breadcrumbs(current_folder)), status


@bp.route("/files/<int:item_id>/settings", methods=["GET", "POST"])
@login_required
def file_settings(item_id):
    return _settings(item_id, ItemKind.FILE)


@bp.route("/folders/<int:item_id>/settings", methods=["GET", "POST"])
@login_required
def folder_settings(item_id):
    return _settings(item_id, ItemKind.FOLDER)


def _delete(item_id, kind):
    from app.permissions import load_item

    item = load_item(item_id, kind, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    row = db.session.get(File if kind == ItemKind.FILE else Folder, item.id)
    parent = row.folder_id if kind == ItemKind.FILE else row.parent_id
    theme = item.theme
    services.delete_to_bin(current_user, item)
    flash(_("%(name)s is in the bin. It can be restored there for %(days)d days.",
            name=item.title, days=current_app.config["FILES_BIN_DAYS"]), "success")
    if parent is not None:
        return redirect(url_for("files.folder", item_id=parent))
    return redirect(url_for("files.index", slug=theme.slug))


@bp.route("/files/<int:item_id>/delete", methods=["POST"])
@login_required
def delete_file(item_id):
    return _delete(item_id, ItemKind.FILE)


@bp.route("/folders/<int:item_id>/delete", methods=["POST"])
@login_required
def delete_folder(item_id):
    return _delete(item_id, ItemKind.FOLDER)


# ------------------------------------------------------------------------- bin, quota

@bp.route("/t/<slug>/files/bin")
@login_required
def bin_page(slug):
    """Prullenbak: what the viewer deleted (everything, for the theme's admins)."""
    theme = _theme(slug)
    return render_template("files/bin.html", theme=theme, entries=services.bin_entries(theme),
                           action_form=CSRFOnlyForm(),
                           days=current_app.config["FILES_BIN_DAYS"])


@bp.route("/bin/<int:item_id>/restore", methods=["POST"])
@login_required
def restore(item_id):
    item = services.load_deleted(item_id)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    services.restore(current_user, item)
    flash(_("%(name)s is back.", name=item.title), "success")
    if item.kind == ItemKind.FILE:
        return redirect(url_for("files.show", item_id=item.id))
    return redirect(url_for("files.folder", item_id=item.id))


@bp.route("/t/<slug>/files/quota", methods=["GET", "POST"])
@login_required
def quota(slug):
    """The theme's storage: used / allowed for its admins; the platform owner sets it."""
    theme = _theme(slug)
    if not can_administer(theme):
        abort(403)
    form = QuotaForm()
    status = 200
    if request.method == "POST":
        if not can_set_file_quota():
            abort(403)
        if form.validate_on_submit():
            try:
                services.set_quota(theme, form.quota_mb.data)
            except services.FilesError as exc:
                discard()
                form.quota_mb.errors = [exc.message]
                status = 422
            else:
                flash(_("The quota is saved."), "success")
                return redirect(url_for("files.quota", slug=theme.slug))
        else:
            status = 422
    usage = services.usage(theme)
    if request.method == "GET":
        form.quota_mb.data = usage.quota_mb
    return render_template("files/quota.html", theme=theme, usage=usage, form=form,
                           default_mb=current_app.config["THEME_QUOTA_MB"]), status


@bp.app_template_filter("filesize")
def filesize(n: int) -> str:
    """A size as people read it: bytes, kB or MB."""
    n = int(n or 0)
    if n < 1024:
        return _("%(n)d bytes", n=n)
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n / 1024 / 1024:.1f} MB"
