"""Forms of the board: a post, a reply."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, choices, optional_int


class PostForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=50_000)],
                         description=_l("You can use Markdown: **bold**, *italic*, lists with "
                                        "-, links as [text](https://…)."))
    category = SelectField(_l("Category"), coerce=optional_int, validate_choice=False,
                           validators=[Optional()])
    filters = SelectMultipleField(_l("Filters"), coerce=int, validate_choice=False)
    organisation = SelectField(_l("Post in the name of"), coerce=optional_int,
                               validate_choice=False, validators=[Optional()])
    part = RadioField(_l("Where does the post go?"), validate_choice=False,
                      choices=choices([("public", _l("Public part: everyone can read it after "
                                                     "an admin has approved it")),
                                       ("closed", _l("Closed part: only members read it, "
                                                     "published at once"))]))
    audience = SelectMultipleField(_l("Restrict the post: only for these participants "
                                      "(optional)"), coerce=int,
                                   validate_choice=False,
                                   description=_l("Leave empty to show the post to everyone "
                                                  "who may read this part. Admins always see it."))
    attachments = MultipleFileField(_l("Attachments"))
    remove_attachments = SelectMultipleField(_l("Remove attachments"), coerce=int,
                                             validate_choice=False)
    submit = SubmitField(_l("Publish"))


class ReplyForm(BaseForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=50_000)])
    submit = SubmitField(_l("Reply"))
