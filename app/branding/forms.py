"""The branding form of an organisation (a top-level theme)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from app.forms import BaseForm


class BrandingForm(BaseForm):
    primary_color = StringField(
        _l("Primary colour"), validators=[Optional(), Length(max=7)],
        description=_l("The header, buttons and links, as # and six hexadecimal digits "
                       "(e.g. #154273). White text on it needs a contrast of at least 4.5:1."))
    accent_color = StringField(
        _l("Accent colour"), validators=[Optional(), Length(max=7)],
        description=_l("Buttons and links under the pointer (e.g. #0e2f52); the same "
                       "contrast rule applies."))
    logo = FileField(_l("Logo"))  # its description names the configured limits (the view)
    remove_logo = BooleanField(_l("Remove the logo"))
    host = StringField(
        _l("Own address (host name)"), validators=[Optional(), Length(max=253)],
        description=_l("For example werkgroepen.organisatie.example. Point its DNS at the "
                       "platform first; only the platform owner changes it."))
