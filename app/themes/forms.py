"""Forms for themes, roles and membership decisions."""
from flask_babel import lazy_gettext as _l

from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import BaseForm, choices
from app.themes.models import WorkgroupType

TYPE_LABELS = {
    WorkgroupType.HALF_OPEN: _l("Half-open: public, every post moderated"),
    WorkgroupType.CLOSED: _l("Closed: members only"),
    WorkgroupType.MIXED: _l("Mixed: public or closed per post"),
}


class ThemeForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Web address"), description=_l("Lower-case letters, digits and hyphens."),
                       validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    workgroup_type = SelectField(_l("Workgroup type"),
                                 choices=choices((t.value, label) for t, label in TYPE_LABELS.items()))
    parent = SelectField(_l("Part of"), validators=[Optional()], validate_choice=False)
    owner_email = EmailField(_l("Owner's e-mail address (optional)"),
                             validators=[Optional(), Email(check_deliverability=False)])
    submit = SubmitField(_l("Create theme"))


class AppointOwnerForm(BaseForm):
    email = EmailField(_l("New owner's e-mail address"),
                       validators=[DataRequired(), Email(check_deliverability=False)])
    submit = SubmitField(_l("Appoint owner"))


class MemberChoiceForm(BaseForm):
    member = SelectField(_l("Member"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Transfer ownership"))
