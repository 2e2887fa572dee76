"""Forms shared by several features."""
from flask_wtf import FlaskForm


class CSRFOnlyForm(FlaskForm):
    """A button that changes something: only the CSRF token is checked."""
