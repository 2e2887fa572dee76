"""Admins define a theme's categories and filter groups with their values."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.errors import DomainError
from app.filters import services
from app.filters.forms import NameForm
from app.forms import CSRFOnlyForm
from app.permissions import can_administer
from app.themes.services import get_theme_by_slug
from app.urls import parse_id
from app.transactions import discard

bp = Blueprint("filters", __name__, template_folder="templates")


def _admin_theme(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not can_administer(theme):
        abort(403)
    return theme


@bp.route("/t/<slug>/settings/filters", methods=["GET", "POST"])
@login_required
def index(slug):
    theme = _admin_theme(slug)
    form = NameForm()
    failed = None  # (kind, group id) of the add form shown again with its problem
    if request.method == "POST":
        kind = request.form.get("kind")
        if kind not in ("category", "group", "value"):
            abort(400)
        group = None
        if kind == "value":
            gid = parse_id(request.form.get("group", ""))
            group = (services.own_group(theme, gid) if gid else None) or abort(404)
        if form.validate_on_submit():
            try:
                if kind == "category":
                    obj = services.add_category(theme, form.name.data)
                elif kind == "group":
                    obj = services.add_filter_group(theme, form.name.data)
                else:
                    obj = services.add_filter_value(group, form.name.data)
            except DomainError as exc:
                discard()
                form.name.errors.append(exc.message)
            else:
                flash(_("%(name)s is added.", name=obj.name), "success")
                return redirect(url_for("filters.index", slug=theme.slug))
        if not form.name.errors:
            form.name.errors.append(_("Give a name."))
        failed = (kind, group.id if group else None)
    return render_template("filters/index.html", theme=theme,
                           categories=services.categories_for(theme),
                           groups=services.filter_groups_for(theme),
                           form=form if failed else NameForm(formdata=None), failed=failed,
                           action_form=CSRFOnlyForm()), 422 if failed else 200


@bp.route("/t/<slug>/settings/filters/<kind>/<int:entry_id>/delete", methods=["POST"])
@login_required
def remove(slug, kind, entry_id):
    theme = _admin_theme(slug)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    finder = {"category": services.own_category, "group": services.own_group,
              "value": services.own_value}.get(kind)
    if finder is None:
        abort(404)
    obj = finder(theme, entry_id) or abort(404)
    name = obj.name
    services.remove(obj)
    flash(_("%(name)s is removed.", name=name), "success")
    return redirect(url_for("filters.index", slug=theme.slug))
