"""A theme's overview page (recent activity of every kind that is on) and the owner's page
that switches kinds on and off."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import BooleanField

from app.features import KINDS
from app.features.services import FeatureError, set_switches
from app.forms import BaseForm, CSRFOnlyForm
from app.pagecache import cacheable
from app.permissions import (can_manage_roles, enabled_kinds, feature_enabled,
                             feature_enabled_above, standing)
from app.themes.services import get_theme_by_slug
from app.transactions import discard

bp = Blueprint("features", __name__, template_folder="templates")
OVERVIEW_ITEMS = 5  # per section of the overview page


@bp.route("/t/<slug>/overview")
@cacheable
def overview(slug):
    """Recent activity in the theme, one section (and tab) per kind that is on."""
    from app.themes.views import join_form_for

    theme = get_theme_by_slug(slug) or abort(404)
    s = standing(current_user, theme)
    from app.outward.services import share_theme
    share_theme(theme)
    sections = [(k, k.recent(theme, OVERVIEW_ITEMS)) for k in enabled_kinds(theme)]
    return render_template("features/overview.html", theme=theme, standing=s,
                           join_form=join_form_for(theme, s), children=theme.children,
                           board=None, query=None, star_form=CSRFOnlyForm(),
                           sections=sections, current_tab="overview")


def _switch_form():
    class SwitchForm(BaseForm):
        pass

    for k in KINDS:
        setattr(SwitchForm, k.key, BooleanField(k.label))
    return SwitchForm


@bp.route("/t/<slug>/features", methods=["GET", "POST"])
@login_required
def settings(slug):
    """The owner (or the platform owner) chooses the kinds of content the theme uses."""
    theme = get_theme_by_slug(slug) or abort(404)
    if not can_manage_roles(theme):
        abort(403)
    form = _switch_form()()
    locked = {k.key for k in KINDS if not feature_enabled_above(theme, k.key)}
    status = 200
    if form.validate_on_submit():
        try:
            set_switches(theme, {k.key: bool(form[k.key].data) for k in KINDS}, by=current_user)
        except FeatureError as exc:
            discard()
            form[exc.field].errors.append(exc.message)
            status = 422
        else:
            flash(_("The kinds of content of %(theme)s are saved.", theme=theme.name), "success")
            return redirect(url_for("features.settings", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    else:
        for k in KINDS:
            form[k.key].data = feature_enabled(theme, k.key)
    return render_template("features/settings.html", theme=theme, form=form, kinds=KINDS,
                           locked=locked), status
