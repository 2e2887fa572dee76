"""Forms of the people pages: one's profile (with a visibility per field), the platform
owner's profile fields, and the groups search."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import BaseForm, choices
from app.people.models import FieldKind, Visibility


def visibility_choices():
    return choices([(Visibility.PRIVATE.value, _l("Only me")),
                    (Visibility.THEMES.value, _l("Members of my themes")),
                    (Visibility.LOGGED_IN.value, _l("Everyone logged in")),
                    (Visibility.PUBLIC.value, _l("Public (also visitors)"))])


def _visibility_field(label):
    return SelectField(label, choices=visibility_choices(), validators=[DataRequired()])


def web_address(form, field):
    value = (field.data or "").strip()
    if value and not (value.startswith("https://") or value.startswith("http://")):
        raise ValidationError(_l("A web address starts with https:// or http://."))


class ProfileForm(BaseForm):
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    name_visibility = _visibility_field(_l("Who sees your full name"))
    photo = FileField(_l("Photo"))
    remove_photo = BooleanField(_l("Remove my photo"))
    photo_visibility = _visibility_field(_l("Who sees your photo"))
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)])
    organisation_visibility = _visibility_field(_l("Who sees your organisation"))
    function = StringField(_l("Function"), validators=[Optional(), Length(max=120)])
    function_visibility = _visibility_field(_l("Who sees your function"))
    email_visibility = _visibility_field(_l("Who sees your e-mail address"))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    phone_visibility = _visibility_field(_l("Who sees your phone number"))
    about = TextAreaField(_l("About me"), validators=[Optional(), Length(max=5000)],
                          description=_l("You can use Markdown: **bold**, *italic*, lists with "
                                         "-, links as [text](https://…)."))
    about_visibility = _visibility_field(_l("Who sees your text about yourself"))


def profile_form_class(fields):
    """ProfileForm plus a value and a visibility for each field the platform owner added."""
    locale = str(get_locale() or "nl")

    class Form(ProfileForm):
        pass

    for f in fields:
        validators = [Optional(), Length(max=500)]
        if f.kind == FieldKind.URL:
            validators.append(web_address)
        setattr(Form, f"field_{f.id}", StringField(f.label(locale), validators=validators))
        setattr(Form, f"field_{f.id}_visibility", _visibility_field(
            _l("Who sees %(label)s", label=f.label(locale))))
    return Form


class ProfileFieldForm(BaseForm):
    label_nl = StringField(_l("Label in Dutch"), validators=[DataRequired(), Length(max=80)])
    label_en = StringField(_l("Label in English"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=choices([(FieldKind.TEXT.value, _l("Text")),
                                        (FieldKind.URL.value, _l("Web address"))]))
