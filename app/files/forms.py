"""Forms of files and folders: an upload, a new folder, a file's or folder's settings (name,
place, access), a theme's quota."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import BaseForm, optional_int


class UploadForm(BaseForm):
    files = MultipleFileField(_l("Choose files"))
    submit = SubmitField(_l("Upload"))


class FolderForm(BaseForm):
    name = StringField(_l("Name of the new folder"), validators=[DataRequired(),
                                                                Length(max=200)])
    submit = SubmitField(_l("Make folder"))


class SettingsForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    folder = SelectField(_l("Folder"), coerce=optional_int, validate_choice=False,
                         validators=[Optional()])
    read = SelectField(_l("Who may read it"), validate_choice=False)
    readers = SelectMultipleField(_l("Chosen readers"), coerce=int, validate_choice=False)
    write = SelectField(_l("Who may change it"), validate_choice=False)
    writers = SelectMultipleField(_l("Chosen writers"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save"))


class QuotaForm(BaseForm):
    quota_mb = IntegerField(_l("Quota in MB"), validators=[Optional(),
                                                           NumberRange(min=0, max=10_000_000)],
                            description=_l("Leave empty for the platform's default."))
    submit = SubmitField(_l("Save quota"))
