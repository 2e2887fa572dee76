"""People pages: a person's profile and photo, editing one's own profile, the platform
owner's profile fields, saving items ("bewaard") and the groups overview."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import storage
from app.auth.models import User
from app.extensions import db
from app.forms import CSRFOnlyForm
from app.items.kinds import item_url
from app.people import bookmarks, groups, photos, profiles
from app.people.forms import ProfileFieldForm, profile_form_class
from app.people.models import BUILT_IN_FIELDS, FieldKind, Visibility
from app.permissions import is_platform_owner, load_item, may_see_profile_field
from app.search.services import clean_query
from app.transactions import discard
from app.urls import parse_id, safe_next

bp = Blueprint("people", __name__, template_folder="templates")


@bp.record_once
def _register_globals(state):
    """Globals, so that imported macros (macros/people.html, macros/bookmarks.html) see them."""
    state.app.jinja_env.globals["person_card"] = profiles.person_card
    state.app.jinja_env.globals["bookmark_state"] = _bookmark_state


def _bookmark_state(item):
    """None when the viewer cannot save items (a visitor), else whether this one is saved."""
    if not current_user.is_authenticated:
        return None
    return bookmarks.is_saved(current_user, item)


def _locale() -> str:
    return str(get_locale() or "nl")


def _person_or_404(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or (not person.is_confirmed and not (
            current_user.is_authenticated and current_user.id == person.id)):
        abort(404)
    return person


# ----------------------------------------------------------------------------- profiles

@bp.route("/u/<int:user_id>")
def profile(user_id):
    person = _person_or_404(user_id)
    view = profiles.view_profile(person, _locale())
    own = current_user.is_authenticated and current_user.id == person.id
    return render_template("people/profile.html", view=view, person=person, own=own)


@bp.route("/u/<int:user_id>/photo")
def photo(user_id):
    """The profile photo, only for those who may see it (404 otherwise, as when there is none):
    a re-encoded JPEG, never sniffed as anything else, never cached by a proxy."""
    person = _person_or_404(user_id)
    profile = profiles.profile_of(person.id)
    if profile is None or not profile.photo_name or not may_see_profile_field(
            person.id, profile.photo_visibility):
        abort(404)
    try:
        stream = storage.get().open(profile.photo_name)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype="image/jpeg", as_attachment=False,
                         download_name=f"photo-{person.id}.jpg", max_age=0,
                         etag=profile.photo_name, conditional=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _fill_form(form, profile, values, fields) -> None:
    for key in ("name", "organisation", "function", "phone", "about"):
        getattr(form, key).data = getattr(profile, key) if profile else ""
    for key in BUILT_IN_FIELDS:
        default = getattr(getattr(profile, f"{key}_visibility", None), "value", None)
        if default is None:
            from app.people.models import Profile
            column = Profile.__table__.c[f"{key}_visibility"]
            default = column.default.arg.value
        getattr(form, f"{key}_visibility").data = default
    for f in fields:
        v = values.get(f.id)
        getattr(form, f"field_{f.id}").data = v.value if v else ""
        getattr(form, f"field_{f.id}_visibility").data = (
            v.visibility.value if v else Visibility.LOGGED_IN.value)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    fields = profiles.custom_fields()
    form = profile_form_class(fields)()
    profile = profiles.profile_of(current_user.id)
    if request.method == "GET":
        _fill_form(form, profile, profiles.custom_values(current_user.id), fields)
    status = 200
    if form.validate_on_submit():
        upload = form.photo.data
        data = profiles.ProfileInput(
            name=form.name.data, organisation=form.organisation.data,
            function=form.function.data, phone=form.phone.data, about=form.about.data,
            visibility={key: getattr(form, f"{key}_visibility").data for key in BUILT_IN_FIELDS},
            extra={f.id: (getattr(form, f"field_{f.id}").data,
                          getattr(form, f"field_{f.id}_visibility").data) for f in fields},
            photo=upload.stream if upload and upload.filename else None,
            photo_filename=upload.filename if upload and upload.filename else "",
            remove_photo=form.remove_photo.data)
        try:
            profiles.save_profile(current_user, data)
        except photos.PhotoRefused as exc:
            discard()
            form.photo.errors.append(exc.message)
            status = 422
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("people.profile", user_id=current_user.id))
    elif form.is_submitted():
        status = 422
    return render_template("people/edit.html", form=form, fields=fields, profile=profile,
                           photo_limits=photos.limits_text()), status


@bp.route("/platform/profile-fields", methods=["GET", "POST"])
@login_required
def fields():
    if not is_platform_owner():
        abort(403)
    form = ProfileFieldForm()
    status = 200
    if form.validate_on_submit():
        profiles.add_field(form.label_nl.data, form.label_en.data, FieldKind(form.kind.data))
        flash(_("The field is added to every profile."), "success")
        return redirect(url_for("people.fields"))
    if form.is_submitted():
        status = 422
    return render_template("people/fields.html", form=form, fields=profiles.custom_fields(),
                           action_form=CSRFOnlyForm(), locale=_locale()), status


@bp.route("/platform/profile-fields/<int:field_id>/delete", methods=["POST"])
@login_required
def delete_field(field_id):
    if not is_platform_owner():
        abort(403)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    if not profiles.delete_field(field_id):
        abort(404)
    flash(_("The field and everyone's value of it are removed."), "success")
    return redirect(url_for("people.fields"))


# ---------------------------------------------------------------------------- bookmarks

@bp.route("/items/<int:item_id>/bookmark", methods=["POST"])
@login_required
def bookmark(item_id):
    item = load_item(item_id)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    saved = request.form.get("saved") != "0"
    bookmarks.set_saved(current_user, item, saved)
    flash(_("Saved: find it again under Saved.") if saved else _("No longer saved."), "success")
    return redirect(safe_next(request.form.get("next")) or item_url(item))


@bp.route("/saved")
@login_required
def saved():
    page = bookmarks.saved_page(current_user, parse_id(request.args.get("page"), default=1),
                                current_app.config["LIST_PAGE_SIZE"])
    return render_template("people/saved.html", saved=page)


# ------------------------------------------------------------------------------- groups

def _groups(mine: bool):
    q, _truncated = clean_query(request.args.get("q"))
    result = groups.groups_page(current_user, q=q, mine=mine,
                                page=parse_id(request.args.get("page"), default=1),
                                per_page=current_app.config["LIST_PAGE_SIZE"])
    return render_template("people/groups.html", groups=result, q=q, mine=mine)


@bp.route("/groups")
def all_groups():
    return _groups(mine=False)


@bp.route("/groups/mine")
@login_required
def my_groups():
    return _groups(mine=True)
