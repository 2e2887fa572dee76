"""The archive page of a top-level theme: ask for an archive, follow its progress, download it.
Only the owner (of the theme) and the platform owner; the download only for the one who asked,
while they still may."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import storage
from app.archive.models import ArchiveJob, ArchiveStatus
from app.archive.services import recent_jobs, request_archive
from app.errors import render_error
from app.extensions import db
from app.forms import CSRFOnlyForm
from app.permissions import can_manage_roles
from app.themes.services import get_theme_by_slug
from app.timeutil import utcnow

bp = Blueprint("archive", __name__, template_folder="templates")


def _theme(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if theme.parent_id is not None:
        abort(404)  # archives are of a whole organisation: its top-level theme
    if not can_manage_roles(theme):
        abort(403)
    return theme


@bp.route("/t/<slug>/archive", methods=["GET", "POST"])
@login_required
def index(slug):
    theme = _theme(slug)
    form = CSRFOnlyForm()
    if form.validate_on_submit():
        job, new = request_archive(theme, current_user)
        if new:
            flash(_("The archive is being made. You get an e-mail when it is ready."), "success")
        else:
            flash(_("An archive of this theme is already being made; you get it when it is "
                    "ready."), "info")
        return redirect(url_for("archive.index", slug=theme.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("archive/index.html", theme=theme, form=form,
                           jobs=recent_jobs(theme), now=utcnow(),
                           Status=ArchiveStatus), status


def _gone():
    return render_error(410, _("This archive is no longer available: an archive can be "
                               "downloaded for %(days)d days. Make a new one on the archive "
                               "page.", days=current_app.config["ARCHIVE_DAYS"]))


@bp.route("/t/<slug>/archive/<int:archive_id>")
@login_required
def download(slug, archive_id):
    theme = _theme(slug)
    job = db.session.get(ArchiveJob, archive_id)
    if job is None or job.theme_id != theme.id:
        abort(404)
    if job.requested_by_id != current_user.id:
        abort(403)
    if job.status == ArchiveStatus.BUILDING:
        flash(_("This archive is not ready yet."), "info")
        return redirect(url_for("archive.index", slug=theme.slug))
    if job.status != ArchiveStatus.READY or not job.stored_name or job.expires_at <= utcnow():
        return _gone()
    try:
        stream = storage.get().open(job.stored_name)
    except FileNotFoundError:
        return _gone()
    name = f"{theme.slug}-{job.finished_at:%Y-%m-%d}.zip"
    response = send_file(stream, mimetype="application/zip", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
