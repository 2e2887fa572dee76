"""Forms of tasks: a task (new or edited), and its state or assignees on their own."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, choices
from app.items.access import AccessFields
from app.tasks.services import STATE_LABELS


def state_choices():
    return choices([(state.value, label) for state, label in STATE_LABELS.items()])


class TaskForm(AccessFields, BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)],
                         description=_l("Optional. You can use Markdown."))
    state = SelectField(_l("State"), validate_choice=False)
    due_date = DateField(_l("Due date"), validators=[Optional()],
                         description=_l("Optional. A day, written as year-month-day."))
    assignees = SelectMultipleField(_l("Assigned to"), coerce=int, validate_choice=False)
