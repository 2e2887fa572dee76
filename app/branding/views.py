"""Branding pages: the organisation's form (its admins; the own address: the platform owner),
its style sheet (CSS custom properties) and its logo."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import login_required

from app.branding import services
from app.branding.forms import BrandingForm
from app.permissions import can_administer, is_platform_owner
from app.themes.services import get_theme_by_slug
from app.transactions import discard

bp = Blueprint("branding", __name__, template_folder="templates")

_LONG = "public, max-age=31536000, immutable"  # versioned URLs: a change makes a new URL
_SHORT = "public, max-age=300"


def _organisation_or_404(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if theme.parent_id is not None:
        abort(404)  # branding belongs to the organisation: its top-level theme
    return theme


@bp.route("/t/<slug>/branding", methods=["GET", "POST"])
@login_required
def edit(slug):
    theme = _organisation_or_404(slug)
    if not can_administer(theme):
        abort(403)
    owner = is_platform_owner()
    current = services.branding_of(theme)
    form = BrandingForm(obj=current) if request.method == "GET" else BrandingForm()
    config = current_app.config
    width, height = config["BRANDING_LOGO_BOX"]
    form.logo.description = _(
        "A PNG, JPEG, GIF or WebP image of at most %(size)s kB (no SVG); it is scaled down "
        "to at most %(width)s × %(height)s pixels.",
        size=config["BRANDING_LOGO_MAX_BYTES"] // 1024, width=width, height=height)
    status, ratio = 200, None
    if form.validate_on_submit():
        upload = form.logo.data if getattr(form.logo.data, "filename", "") else None
        try:
            services.save_branding(
                theme, primary=form.primary_color.data, accent=form.accent_color.data,
                logo=upload.stream if upload is not None else None,
                logo_filename=upload.filename if upload is not None else None,
                remove_logo=form.remove_logo.data, host=form.host.data, set_host=owner)
        except services.BrandingError as exc:
            discard()
            target = getattr(form, exc.field, None) if exc.field else None
            (target.errors if target is not None else form.form_errors).append(exc.message)
            status, ratio = 422, exc.ratio
        else:
            services.forget_cached()
            flash(_("The branding of %(theme)s is saved.", theme=theme.name), "success")
            return redirect(url_for("branding.edit", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("branding/form.html", theme=theme, form=form, branding=current,
                           may_set_host=owner, ratio=ratio,
                           minimum=services.MIN_CONTRAST), status


@bp.route("/t/<slug>/branding.css")
def stylesheet(slug):
    """The organisation's colours as CSS custom properties (validated hex only)."""
    theme = _organisation_or_404(slug)
    brand = services.brand_for(theme)
    lines = []
    if brand is not None and brand.primary:
        lines.append(f"--blue: {brand.primary};")
    if brand is not None and brand.accent:
        lines.append(f"--blue-dark: {brand.accent};")
    css = ":root { " + " ".join(lines) + " }\n" if lines else "\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = _LONG if request.args.get("v") else _SHORT
    response.set_etag(str(brand.version) if brand else "none")
    return response.make_conditional(request)


@bp.route("/t/<slug>/logo")
def logo(slug):
    """The organisation's logo (a re-encoded PNG; never anything the uploader sent as is)."""
    theme = _organisation_or_404(slug)
    branding = services.branding_of(theme)
    if branding is None or not branding.has_logo or branding.logo_png is None:
        abort(404)
    response = Response(branding.logo_png, mimetype="image/png")
    response.headers["Cache-Control"] = _LONG if request.args.get("v") else _SHORT
    response.headers["Content-Disposition"] = "inline; filename=logo.png"
    response.set_etag(str(int(branding.updated_at.timestamp())))
    response.last_modified = branding.updated_at
    return response.make_conditional(request)
