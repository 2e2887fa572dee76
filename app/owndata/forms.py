"""The form that deletes an account."""
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, SubmitField
from wtforms.validators import DataRequired

from app.forms import BaseForm, choices


class DeleteAccountForm(BaseForm):
    content = RadioField(_l("What you wrote"), validators=[DataRequired()], choices=choices([
        ("keep", _l("Keep my posts and replies, shown as written by \"former member\"")),
        ("delete", _l("Delete my posts and replies (and their files) too")),
    ]))
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account"))
