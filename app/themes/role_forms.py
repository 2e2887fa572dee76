"""Forms of roles: deleting a theme, inviting by e-mail, registering through an invitation."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.forms import _strong_password
from app.auth.passwords import help_text
from app.forms import BaseForm


class DeleteThemeForm(BaseForm):
    confirmation = StringField(_l("Type the theme's name to confirm"),
                               validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Delete this theme"))


class InviteForm(BaseForm):
    email = EmailField(_l("E-mail address"),
                       validators=[DataRequired(), Email(check_deliverability=False),
                                   Length(max=254)])
    submit = SubmitField(_l("Send invitation"))


class InvitedRegistrationForm(BaseForm):
    username = StringField(_l("User name"), description=_l("Shown as the author of your posts."),
                           validators=[DataRequired(), Length(min=2, max=40)])
    password = PasswordField(_l("Password"), description=help_text(),
                             validators=[DataRequired(), _strong_password])
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Create account and join"))
