"""Own data pages: the privacy statement, "Mijn gegevens", the export and deleting one's
account."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.errors import DomainError
from app.owndata import services
from app.owndata.forms import DeleteAccountForm
from app.pagecache import cacheable
from app.timeutil import utcnow
from app.transactions import discard

bp = Blueprint("owndata", __name__, template_folder="templates")


@bp.route("/privacy")
@cacheable
def privacy():
    return render_template("owndata/privacy.html")


@bp.route("/account/data")
@login_required
def index():
    return render_template("owndata/index.html", form=DeleteAccountForm())


@bp.route("/account/data/export")
@login_required
def export():
    """Always the logged-in person's own data: no id in the URL to try another's."""
    archive = services.export(current_user)
    name = f"mijn-gegevens-{utcnow():%Y%m%d}.zip"
    response = send_file(archive, mimetype="application/zip", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.password.data,
                                    keep_content=form.content.data == "keep")
        except DomainError as exc:
            discard()
            getattr(form, exc.field or "password").errors.append(exc.message)
        else:
            logout_user()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("themes.home"))
    return render_template("owndata/index.html", form=form), 422
