"""The admins' page for a theme's digest: settings, intro, chosen posts, preview, send now."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError
from app.digest import services
from app.forms import CSRFOnlyForm
from app.permissions import can_administer
from app.themes.services import get_theme_by_slug
from app.urls import parse_id
from app.transactions import discard

bp = Blueprint("digest", __name__, template_folder="templates")


@bp.route("/t/<slug>/digest", methods=["GET", "POST"])
@login_required
def edit(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not can_administer(theme):
        abort(403)
    if theme.parent_id is not None:
        return redirect(url_for("digest.edit", slug=theme.root.slug))
    form = CSRFOnlyForm()
    run = services.current_run(theme)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("action")
        frequency = request.form.get("digest_frequency")
        if frequency in services.FREQUENCIES:
            theme.digest_frequency = frequency
        theme.members_may_push = request.form.get("members_may_push") == "1"
        try:
            if run.status == "draft":
                ids = [i for i in map(parse_id, request.form.getlist("post")) if i]
                services.edit_run(run, request.form.get("intro", ""), ids)
            if action == "send":
                n = services.send_run(run.id)
                flash(_("The digest is sent (%(n)d mails).", n=n), "success")
            else:
                flash(_("Saved."), "success")
        except DomainError as exc:
            discard()
            flash(exc.message, "error")
        return redirect(url_for("digest.edit", slug=theme.slug))
    candidates = services.candidate_posts(theme, run.period_start, run.period_end, 30)
    preview = services.visible_digest_posts(run, current_user)
    return render_template("digest/edit.html", theme=theme, run=run, candidates=candidates,
                           preview=preview, form=form, recipients=len(services.recipients(theme)))
