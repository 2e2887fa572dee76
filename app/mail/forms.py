"""Forms for notification settings, push mails and contact messages."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm, choices


class NotificationSettingsForm(BaseForm):
    overview_frequency = SelectField(
        _l("E-mail overview of new posts in my themes"),
        choices=choices([("never", _l("never")), ("daily", _l("daily")),
                         ("weekly", _l("weekly")), ("monthly", _l("monthly"))]))
    admin_digest = BooleanField(_l("As an admin: a daily mail of what waits in my moderation queue"))
    submit = SubmitField(_l("Save"))


class PushForm(BaseForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=150)])
    message = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10_000)])
    everyone = BooleanField(_l("Send to all participants of this theme"))
    submit = SubmitField(_l("Send"))


class ContactForm(BaseForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=150)])
    message = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10_000)])
    submit = SubmitField(_l("Send"))
