"""Forms for categories and filters."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm


class NameForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    submit = SubmitField(_l("Add"))
