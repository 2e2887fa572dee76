"""Forms of the moderation queue and of reporting."""
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, choices
from app.moderation.services import REJECT_REASONS, REPORT_REASONS


class DecisionForm(BaseForm):
    """Approve / reject (with a reason) / hide / delete / dismiss — the button says which."""

    reason_code = SelectField(_l("Reason"), validators=[Optional()], validate_choice=False,
                              choices=choices([("", _l("— choose a reason —"))] +
                                              list(REJECT_REASONS.items())))
    reason_text = TextAreaField(_l("Explanation for the author"),
                                validators=[Optional(), Length(max=2000)])


class EditApproveForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=50_000)])
    submit = SubmitField(_l("Save and approve"))


class ReportForm(BaseForm):
    reason = RadioField(_l("What is wrong?"), validators=[DataRequired()],
                        choices=choices((r.value, label) for r, label in REPORT_REASONS.items()))
    text = TextAreaField(_l("Explain (optional; required for 'Something else')"),
                         validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Report"))


class RemoveMemberForm(BaseForm):
    reason = TextAreaField(_l("Reason (the person is told)"),
                           validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Remove from the theme"))
