"""Jinja globals and filters: the policy helpers, language and date formatting."""
from flask import has_request_context, request
from flask_babel import format_datetime, get_locale

from app.permissions import template_helpers
from app.themes.forms import TYPE_LABELS


def init_app(app):
    @app.context_processor
    def inject():
        from app.forms import CSRFOnlyForm
        ctx = {"current_locale": str(get_locale() or "nl")}
        if has_request_context():
            ctx.update(logout_form=CSRFOnlyForm(),
                       request_path=request.full_path.rstrip("?"))
        return ctx

    # Globals (not context) so that imported macros see them too.
    app.jinja_env.globals.update(template_helpers(), type_labels=TYPE_LABELS,
                                 board_name=app.config["BOARD_NAME"])
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")
