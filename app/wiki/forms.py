"""Forms of the wiki: a page (new or edited)."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, optional_int
from app.items.access import AccessFields


class PageForm(AccessFields, BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=100_000)],
                         description=_l("You can use Markdown: **bold**, *italic*, lists with "
                                        "-, links as [text](https://…), headings with #."))
    parent = SelectField(_l("Place in the wiki: under"), coerce=optional_int,
                         validate_choice=False, validators=[Optional()])
    base_revision = HiddenField()
