"""Notification settings, one-click unsubscribe, push mail and contact forms."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.tokens import TokenExpired, TokenInvalid
from app.extensions import csrf, db, limiter
from app.forms import CSRFOnlyForm
from app.items.kinds import item_url
from app.mail import notifications
from app.mail.forms import ContactForm, NotificationSettingsForm, PushForm
from app.mail.messaging import MessagingError, contact_admins, contact_organisation, push_mail
from app.organisations.models import Organisation
from app.items.kinds import item_url
from app.permissions import load_item, may_push, standing
from app.themes.models import Membership, MembershipStatus
from app.themes.services import get_theme_by_slug, theme_members
from app.urls import parse_id

bp = Blueprint("notifications", __name__, template_folder="templates")


def _user_key():
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    memberships = [m for m in db.session.scalars(
        select(Membership).where(Membership.user_id == current_user.id,
                                 Membership.status != MembershipStatus.REJECTED))]
    form = NotificationSettingsForm(overview_frequency=current_user.overview_frequency,
                                    admin_digest=current_user.admin_digest)
    if form.validate_on_submit():
        current_user.overview_frequency = form.overview_frequency.data
        current_user.admin_digest = form.admin_digest.data
        chosen = set(request.form.getlist("theme"))
        for m in memberships:
            m.notifications = str(m.theme_id) in chosen
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form,
                           memberships=sorted(memberships, key=lambda m: m.theme.name.lower())), \
        (422 if form.is_submitted() else 200)


@bp.route("/posts/<int:item_id>/mute", methods=["POST"])
@login_required
def mute(item_id):
    post = load_item(item_id)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    muted = request.form.get("muted") == "1"
    notifications.mute_thread(current_user, post.id, muted)
    flash(_("You get no more mails about new replies to this post.") if muted else
          _("You get mails about new replies to this post again."), "success")
    return redirect(item_url(post))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the proof; mail programs POST it without a form (RFC 8058)
def unsubscribe(token):
    try:
        user, kind, scope = notifications.read_unsubscribe(token)
    except (TokenInvalid, TokenExpired):
        return render_template("notifications/unsubscribe.html", invalid=True), 400
    if request.method == "POST":
        notifications.apply_unsubscribe(user, kind, scope)
        return render_template("notifications/unsubscribe.html", done=True, kind=kind)
    return render_template("notifications/unsubscribe.html", token=token, kind=kind)


@bp.route("/t/<slug>/push", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["PUSH_RATE_LIMIT"], key_func=_user_key,
               methods=["POST"])
def push(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not may_push(theme, current_user):
        abort(403)
    members = [m for m in theme_members(theme) if m.user_id != current_user.id]
    form = PushForm()
    status = 200
    if form.validate_on_submit():
        ids = [i for i in map(parse_id, request.form.getlist("recipients")) if i]
        try:
            n = push_mail(current_user, theme, form.subject.data, form.message.data,
                          everyone=form.everyone.data, user_ids=ids)
        except MessagingError as exc:
            flash(exc.message, "error")
            status = 422
        else:
            flash(ngettext("Your message is on its way to %(num)d participant.",
                           "Your message is on its way to %(num)d participants.", n), "success")
            return redirect(url_for("themes.show", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("notifications/push.html", theme=theme, form=form, members=members,
                           chosen=set(request.form.getlist("recipients"))), status


@bp.route("/t/<slug>/contact", methods=["GET", "POST"])
@bp.route("/t/<slug>/organisations/<int:organisation_id>/contact", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["MAIL_FORM_RATE_LIMIT"], key_func=_user_key,
               methods=["POST"])
def contact(slug, organisation_id=None):
    theme = get_theme_by_slug(slug) or abort(404)
    organisation = None
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or organisation.theme_id not in theme.lineage_ids():
            abort(404)
        if not organisation.contact_email:
            abort(404)
    form = ContactForm()
    status = 200
    if form.validate_on_submit():
        try:
            if organisation is not None:
                contact_organisation(current_user, organisation, form.subject.data,
                                     form.message.data)
            else:
                contact_admins(current_user, theme, form.subject.data, form.message.data)
        except MessagingError as exc:
            flash(exc.message, "error")
            status = 422
        else:
            flash(_("Your message is sent. The answer comes to %(email)s.",
                    email=current_user.email), "success")
            return redirect(url_for("themes.show", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("notifications/contact.html", theme=theme, form=form,
                           organisation=organisation, standing=standing(current_user, theme)), status
