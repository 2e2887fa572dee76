"""Pages of roles: deleting a theme (owner), invitations (admins; the link's page for the
invited person), and the platform owner's deleted themes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.errors import DomainError
from app.forms import CSRFOnlyForm
from app.permissions import can_delete_theme, can_invite, is_platform_owner
from app.themes import roles, services
from app.themes.role_forms import DeleteThemeForm, InvitedRegistrationForm, InviteForm
from app.transactions import discard

bp = Blueprint("roles", __name__, template_folder="templates")


def _theme_or_404(slug: str):
    return services.get_theme_by_slug(slug) or abort(404)


@bp.route("/t/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete_theme(slug):
    theme = _theme_or_404(slug)
    if not can_delete_theme(theme):
        abort(403)
    form = DeleteThemeForm()
    status = 200
    if form.validate_on_submit():
        try:
            roles.delete_theme(theme, form.confirmation.data, by=current_user)
        except DomainError as exc:
            discard()
            form.confirmation.errors.append(exc.message)
            status = 422
        else:
            flash(_("%(theme)s is deleted. The platform owner can restore it within %(days)d "
                    "days.", theme=theme.name, days=roles.deleted_theme_days()), "success")
            return redirect(url_for("themes.home"))
    elif form.is_submitted():
        status = 422
    return render_template("themes/delete_theme.html", theme=theme, form=form,
                           days=roles.deleted_theme_days()), status


@bp.route("/t/<slug>/invitations", methods=["GET", "POST"])
@login_required
def invitations(slug):
    theme = _theme_or_404(slug)
    if not can_invite(theme):
        abort(403)
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            invitation = roles.invite(theme, form.email.data, by=current_user)
        except DomainError as exc:
            discard()
            form.email.errors.append(exc.message)
            status = 422
        else:
            flash(_("The invitation to %(email)s is on its way.", email=invitation.email),
                  "success")
            return redirect(url_for("roles.invitations", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("themes/invitations.html", theme=theme, form=form,
                           invitations=roles.open_invitations(theme),
                           revoke_form=CSRFOnlyForm(), days=roles.invitation_days()), status


@bp.route("/t/<slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(slug, invitation_id):
    theme = _theme_or_404(slug)
    if not can_invite(theme):
        abort(403)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    try:
        invitation = roles.revoke(theme, invitation_id)
    except DomainError as exc:
        discard()
        flash(exc.message, "error")
    else:
        flash(_("The invitation to %(email)s is revoked; its link no longer works.",
                email=invitation.email), "success")
    return redirect(url_for("roles.invitations", slug=theme.slug))


def _unusable(exc):
    return render_template("themes/invitation_problem.html", message=exc.message), 404


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token):
    """The invited person's page: accept (logged in), or log in or create an account."""
    try:
        invitation = roles.invitation_for(token)
    except roles.InvitationUnusable as exc:
        return _unusable(exc)
    form = CSRFOnlyForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        if not form.validate_on_submit():
            abort(400)
        try:
            membership = roles.accept(token, current_user)
        except roles.InvitationUnusable as exc:
            return _unusable(exc)
        flash(_("Welcome to %(theme)s!", theme=membership.theme.name), "success")
        return redirect(url_for("themes.show", slug=membership.theme.slug))
    from app.auth.services import find_user_by_email
    has_account = find_user_by_email(invitation.email) is not None
    return render_template("themes/invitation.html", invitation=invitation, form=form,
                           theme=invitation.theme, has_account=has_account, token=token)


@bp.route("/invite/<token>/register", methods=["GET", "POST"])
def invited_registration(token):
    """Create an account for the invited address, and join."""
    from app.auth.services import start_session
    from app.auth.views import _current_locale

    try:
        invitation = roles.invitation_for(token)
    except roles.InvitationUnusable as exc:
        return _unusable(exc)
    if current_user.is_authenticated:
        return redirect(url_for("roles.invitation", token=token))
    form = InvitedRegistrationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = roles.register_invited(token, form.username.data, form.password.data,
                                          _current_locale())
        except roles.InvitationUnusable as exc:
            return _unusable(exc)
        except DomainError as exc:
            discard()
            getattr(form, exc.field or "username").errors.append(exc.message)
            status = 422
        else:
            start_session(user, request.headers.get("User-Agent"))
            login_user(user)
            flash(_("Welcome to %(theme)s!", theme=invitation.theme.name), "success")
            return redirect(url_for("themes.show", slug=invitation.theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("themes/invited_registration.html", form=form,
                           invitation=invitation, theme=invitation.theme), status


# ------------------------------------------------------------------ platform owner

platform_bp = Blueprint("deleted_themes", __name__, url_prefix="/platform",
                        template_folder="templates")


@platform_bp.before_request
@login_required
def _platform_owner_only():
    if not is_platform_owner():
        abort(403)


@platform_bp.route("/deleted-themes")
def deleted():
    return render_template("platform/deleted_themes.html", themes=roles.deleted_themes(),
                           form=CSRFOnlyForm(), days=roles.deleted_theme_days())


@platform_bp.route("/deleted-themes/<int:theme_id>/restore", methods=["POST"])
def restore(theme_id):
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    try:
        theme = roles.restore_theme(theme_id, by=current_user)
    except DomainError as exc:
        discard()
        flash(exc.message, "error")
        return redirect(url_for("deleted_themes.deleted"))
    flash(_("%(theme)s is restored with everything in it.", theme=theme.name), "success")
    return redirect(url_for("deleted_themes.deleted"))
