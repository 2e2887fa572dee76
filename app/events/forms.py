"""Forms of the agenda: an event, an answer. Dates and times are kept as typed (text), so a
form that comes back shows exactly what was entered; the service names what is wrong."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (BooleanField, RadioField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length

from app.forms import BaseForm, choices


class EventForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    start_date = StringField(_l("Date"), render_kw={"type": "date"},
                             validators=[DataRequired()])
    start_time = StringField(_l("Start time"), render_kw={"type": "time"},
                             description=_l("Amsterdam/Brussels time, for example 19:30."))
    end_date = StringField(_l("End date"), render_kw={"type": "date"},
                           description=_l("Leave empty when it ends on the same day."))
    end_time = StringField(_l("End time"), render_kw={"type": "time"})
    all_day = BooleanField(_l("All-day event (no start and end time)"))
    location = StringField(_l("Place"), validators=[Length(max=300)],
                           description=_l("Address or room; leave empty for an online event."))
    online_url = StringField(_l("Online link"), render_kw={"type": "url"},
                             validators=[Length(max=500)],
                             description=_l("A web address for joining online (https://…)."))
    max_attendees = StringField(_l("Maximum number of attendees"),
                                render_kw={"type": "number", "min": "1",
                                           "inputmode": "numeric"},
                                description=_l("Leave empty for no maximum. Who answers "
                                               "after the event is full goes on the waiting "
                                               "list."))
    body = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=50_000)],
                         description=_l("You can use Markdown: **bold**, *italic*, lists with "
                                        "-, links as [text](https://…)."))
    part = RadioField(_l("Where does the event go?"), validate_choice=False,
                      choices=choices([("public", _l("Public part: everyone can read it after "
                                                     "an admin has approved it")),
                                       ("closed", _l("Closed part: only members read it, "
                                                     "published at once"))]))
    audience = SelectMultipleField(_l("Restrict the event: only for these participants "
                                      "(optional)"), coerce=int, validate_choice=False,
                                   description=_l("Leave empty to show the event to everyone "
                                                  "who may read this part. Admins always see "
                                                  "it."))
    attachments = MultipleFileField(_l("Attachments"))
    remove_attachments = SelectMultipleField(_l("Remove attachments"), coerce=int,
                                             validate_choice=False)
    submit = SubmitField(_l("Publish"))


class AnswerForm(BaseForm):
    answer = RadioField(_l("Are you coming?"), validate_choice=False,
                        choices=choices([("attending", _l("Attending")),
                                         ("maybe", _l("Maybe")),
                                         ("declined", _l("Not attending"))]))
