"""A theme's organisations ("organisatiefiches")."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.organisations.forms import OrganisationForm
from app.organisations.services import add_organisation
from app.permissions import can_administer
from app.themes.services import ThemeError, get_theme_by_slug, organisation_choices
from app.pagecache import cacheable

bp = Blueprint("organisations", __name__, template_folder="templates")


@bp.route("/t/<slug>/organisations", methods=["GET", "POST"])
@cacheable
def index(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    admin = can_administer(theme)
    if request.method == "POST" and not admin:
        abort(403)
    form = OrganisationForm() if admin else None
    status = 200
    if form is not None and form.validate_on_submit():
        try:
            org = add_organisation(theme, name=form.name.data, description=form.description.data,
                                   vision=form.vision.data, contact_email=form.contact_email.data)
        except ThemeError as exc:
            form.name.errors.append(exc.message)
            status = 422
        else:
            flash(_("%(name)s is added.", name=org.name), "success")
            return redirect(url_for("organisations.index", slug=theme.slug))
    elif form is not None and form.is_submitted():
        status = 422
    return render_template("organisations/index.html", theme=theme, form=form,
                           organisations=organisation_choices(theme)), status
