"""A theme's organisations ("organisatiefiches"): the list, and for admins adding, editing and
removing them."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.errors import DomainError
from app.extensions import db
from app.forms import CSRFOnlyForm
from app.organisations import services
from app.organisations.forms import OrganisationForm
from app.organisations.models import Organisation
from app.pagecache import cacheable
from app.permissions import can_administer
from app.themes.services import get_theme_by_slug, organisation_choices
from app.transactions import discard

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
            org = services.add_organisation(
                theme, name=form.name.data, description=form.description.data,
                vision=form.vision.data, contact_email=form.contact_email.data)
        except DomainError as exc:
            discard()
            form.name.errors.append(exc.message)
            status = 422
        else:
            flash(_("%(name)s is added.", name=org.name), "success")
            return redirect(url_for("organisations.index", slug=theme.slug))
    elif form is not None and form.is_submitted():
        status = 422
    return render_template("organisations/index.html", theme=theme, form=form,
                           organisations=organisation_choices(theme)), status


def _administered_organisation(slug, organisation_id):
    """The theme and one of its own organisations, for its admins (403 for others, 404 when
    the organisation is not the theme's)."""
    theme = get_theme_by_slug(slug) or abort(404)
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.theme_id != theme.id:
        abort(404)
    if not can_administer(theme):
        abort(403)
    return theme, org


@bp.route("/t/<slug>/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug, organisation_id):
    theme, org = _administered_organisation(slug, organisation_id)
    form = OrganisationForm(obj=org if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_organisation(
                org, name=form.name.data, description=form.description.data,
                vision=form.vision.data, contact_email=form.contact_email.data)
        except DomainError as exc:
            discard()
            form.name.errors.append(exc.message)
            status = 422
        else:
            flash(_("The fiche of %(name)s is saved.", name=org.name), "success")
            return redirect(url_for("organisations.index", slug=theme.slug,
                                    _anchor=f"organisation-{org.id}"))
    elif form.is_submitted():
        status = 422
    return render_template("organisations/edit.html", theme=theme, org=org, form=form), status


@bp.route("/t/<slug>/organisations/<int:organisation_id>/remove", methods=["GET", "POST"])
@login_required
def remove(slug, organisation_id):
    """Removing asks first (a page that says what it changes), then removes on POST."""
    theme, org = _administered_organisation(slug, organisation_id)
    form = CSRFOnlyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        name = org.name
        services.remove_organisation(org)
        flash(_("%(name)s is removed from the list.", name=name), "success")
        return redirect(url_for("organisations.index", slug=theme.slug))
    members, posts = services.organisation_usage(org)
    return render_template("organisations/remove.html", theme=theme, org=org, form=form,
                           members=members, posts=posts)
