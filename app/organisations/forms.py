"""Organisation fiche form."""
from flask_babel import lazy_gettext as _l

from wtforms import EmailField, StringField, SubmitField, TextAreaField

from app.forms import BaseForm
from wtforms.validators import DataRequired, Email, Length, Optional


class OrganisationForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Activities"), validators=[Optional(), Length(max=5000)])
    vision = TextAreaField(_l("Vision on the theme"), validators=[Optional(), Length(max=5000)])
    contact_email = EmailField(_l("Contact e-mail address"),
                               validators=[Optional(), Email(check_deliverability=False)])
    submit = SubmitField(_l("Add organisation"))
