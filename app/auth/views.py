"""Account pages: register, confirm, log in/out, reset password, account and language."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.errors import DomainError
from app.auth import services
from app.auth.forms import (EmailOnlyForm, JoinForm, LoginForm, NewPasswordForm,
                            PreferencesForm, RegistrationForm)
from app.auth.tokens import TokenExpired, TokenInvalid
from app.extensions import limiter
from app.forms import CSRFOnlyForm, choices
from app.permissions import standing
from app.themes import services as theme_services
from app.themes.models import WorkgroupType
from app.urls import safe_next
from app.transactions import discard

bp = Blueprint("auth", __name__, template_folder="templates")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _mail_limit() -> str:
    return current_app.config["MAIL_FORM_RATE_LIMIT"]


def _org_choices(theme):
    return choices([("", _("— none —"))] + [(o.id, o.name)
                                            for o in theme_services.organisation_choices(theme)])


@bp.route("/register")
def register_choose():
    """Registration starts by choosing the theme to join."""
    return render_template("auth/register_choose.html", themes=theme_services.theme_tree())


@bp.route("/register/<slug>", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def register(slug):
    theme = theme_services.get_theme_by_slug(slug) or abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("themes.show", slug=theme.slug))
    form = RegistrationForm()
    form.organisation.choices = _org_choices(theme)
    status = 200
    if form.validate_on_submit():
        try:
            email = services.register(
                email=form.email.data, password=form.password.data,
                username=form.username.data, theme=theme,
                organisation_id=form.organisation.data, locale=_current_locale())
        except DomainError as exc:  # AccountError, or a rule of joining
            discard()
            getattr(form, exc.field or "email").errors.append(exc.message)
            status = 422
        else:  # the same page whether or not the address already had an account
            return render_template("auth/check_mail.html", email=email, theme=theme,
                                   resend_form=EmailOnlyForm(email=email))
    elif form.is_submitted():
        status = 422
    return render_template("auth/register.html", form=form, theme=theme), status


def _current_locale() -> str:
    from flask_babel import get_locale
    return str(get_locale() or "nl")


@bp.route("/confirm/<token>")
def confirm(token):
    try:
        user, theme, confirmed_now = services.confirm_email(token)
    except TokenExpired:
        return render_template("auth/link_problem.html", expired=True,
                               form=EmailOnlyForm()), 400
    except TokenInvalid:
        return render_template("auth/link_problem.html", expired=False,
                               form=EmailOnlyForm()), 400
    if not confirmed_now:  # the link logs in once: afterwards it is no key to the account
        flash(_("Your e-mail address is already confirmed; log in."), "info")
        return redirect(url_for("auth.login", theme=theme.slug if theme else None))
    services.start_session(user, request.headers.get("User-Agent"))
    login_user(user)
    flash(_("Your e-mail address is confirmed. Welcome, %(name)s!", name=user.username), "success")
    if theme is not None:
        s = standing(user, theme)
        if s.pending:
            if theme.workgroup_type == WorkgroupType.MIXED:
                flash(_("You can post in the public part of %(theme)s now; the closed part "
                        "opens once an admin accepts you.", theme=theme.name), "info")
            else:
                flash(_("Your request to join %(theme)s now waits for an admin; you will get "
                        "a mail.", theme=theme.name), "info")
        return redirect(url_for("themes.show", slug=theme.slug))
    return redirect(url_for("themes.home"))


@bp.route("/confirm/resend", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def resend_confirmation():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        # Same answer whether or not the address is known or already confirmed.
        flash(_("If %(email)s waits for confirmation, a new link is on its way.",
                email=form.email.data), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/resend.html", form=form), (422 if form.is_submitted() else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("themes.home"))
    form = LoginForm()
    themes = theme_services.theme_tree()
    form.theme.choices = choices([("", _("— my themes —"))] + [
        (t.slug, "\u2003" * t.tree_depth + t.name) for t in themes])
    if request.method == "GET" and request.args.get("theme"):
        form.theme.data = request.args["theme"]
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("E-mail address or password is not right."))
            status = 401
        elif not user.is_confirmed:
            form.email.errors.append(_("Confirm your e-mail address first: follow the link in "
                                       "the mail we sent you."))
            return render_template("auth/login.html", form=form, unconfirmed=True,
                                   resend_form=EmailOnlyForm(email=user.email)), 403
        else:
            services.start_session(user, request.headers.get("User-Agent"))
            login_user(user, remember=form.remember.data)
            session.pop("lang", None)
            target = safe_next(request.args.get("next"))
            chosen = form.theme.data and theme_services.get_theme_by_slug(form.theme.data)
            if chosen:
                return redirect(url_for("themes.show", slug=chosen.slug))
            if target:
                return redirect(target)
            first = next((m.theme for m in user.memberships if m.status.value != "rejected"), None)
            return redirect(url_for("themes.show", slug=first.slug) if first
                            else url_for("themes.home"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = CSRFOnlyForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.end_session(current_user.session_token)
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("themes.home"))


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    form = CSRFOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    services.end_all_sessions(current_user)
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("themes.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def reset_request():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/reset_request.html", form=form), (422 if form.is_submitted() else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = services.user_for_reset(token)
    except TokenExpired:
        return render_template("auth/link_problem.html", expired=True, reset=True), 400
    except TokenInvalid:
        return render_template("auth/link_problem.html", expired=False, reset=True), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        services.start_session(user, request.headers.get("User-Agent"))
        login_user(user)
        flash(_("Your new password is saved; you are logged in."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/reset_password.html", form=form), (422 if form.is_submitted() else 200)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    prefs = PreferencesForm(locale=current_user.locale)
    if prefs.validate_on_submit():
        services.set_locale(current_user, prefs.locale.data)
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("auth.account"))
    memberships = sorted(current_user.memberships, key=lambda m: m.theme.name.lower())
    joined_ids = {m.theme_id for m in memberships if m.status.value != "rejected"}
    themes = theme_services.theme_tree()
    joinable = [t for t in themes if t.id not in joined_ids and standing(current_user, t).may_join]
    sessions = services.active_sessions(current_user)
    return render_template("auth/account.html", prefs=prefs, memberships=memberships,
                           joinable=joinable, join_form=JoinForm(), sessions=sessions,
                           is_current_session=lambda s: services.is_current_session(
                               s, current_user), logout_everywhere_form=CSRFOnlyForm())


@bp.route("/language/<code>")
def set_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated and current_user.locale != code:
        services.set_locale(current_user, code)
    return redirect(safe_next(request.args.get("next")) or url_for("themes.home"))
