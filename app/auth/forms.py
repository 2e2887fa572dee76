"""Account forms: registration, login, password reset, preferences."""
from flask_babel import lazy_gettext as _l

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.auth.passwords import help_text, password_problem
from app.forms import BaseForm, choices, optional_int


def _strong_password(form, field):
    problem = password_problem(field.data or "", email=getattr(form, "email", None) and form.email.data,
                               username=getattr(form, "username", None) and form.username.data)
    if problem:
        raise ValidationError(problem)


class RegistrationForm(BaseForm):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    username = StringField(_l("User name"), description=_l("Shown as the author of your posts."),
                           validators=[DataRequired(), Length(min=2, max=40)])
    password = PasswordField(_l("Password"), description=help_text(),
                             validators=[DataRequired(), _strong_password])
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    organisation = SelectField(_l("Organisation (optional)"), coerce=optional_int,
                               validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("Register"))


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    theme = SelectField(_l("Go to theme"), validators=[Optional()], validate_choice=False)
    remember = BooleanField(_l("Stay logged in on this device"))
    submit = SubmitField(_l("Log in"))


class EmailOnlyForm(BaseForm):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    submit = SubmitField(_l("Send"))


class NewPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), description=help_text(),
                             validators=[DataRequired(), _strong_password])
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Save password"))


class JoinForm(BaseForm):
    organisation = SelectField(_l("Organisation (optional)"), coerce=optional_int,
                               validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("Join"))


class PreferencesForm(BaseForm):
    locale = SelectField(_l("Language"), choices=choices([("nl", "Nederlands"), ("en", "English")]))
    submit = SubmitField(_l("Save"))
