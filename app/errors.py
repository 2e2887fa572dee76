"""Error pages: every error a person can cause gets a page that says what happened."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the board was broken by what someone asked; the message (shown to them) names
    the problem, and `field` the form field it belongs to, if any. Services raise a subclass;
    views catch DomainError and show the form again with the message."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood. Nothing was changed.")),
        401: (_("Log in first"), _("You need to log in to see this page.")),
        403: (_("Not allowed"), _("You do not have access to this page. If you think you should, "
                                  "ask the theme's admins.")),
        404: (_("Not found"), _("This page does not exist (any more). Check the address.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        413: (_("Too large"), _("What you sent is larger than the board accepts.")),
        429: (_("Slow down"), _("Too many attempts in a short time. Wait a minute and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. It was logged; "
                                           "please try again later.")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, (_("Error"), ""))
    return render_template("errors.html", code=code, title=title, message=message,
                           detail=detail), code


def init_app(app):
    @app.before_request
    def refuse_nul_in_url():
        # NUL can never be part of a real address or query, and PostgreSQL cannot compare it.
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            return render_error(400)

    @app.errorhandler(OverflowError)
    def number_too_large(exc):
        # An id larger than the database can hold (SQLite raises before asking): no such thing.
        from app.extensions import db
        db.session.rollback()
        return render_error(404)

    @app.errorhandler(DataError)
    def unstorable_input(exc):
        from app.extensions import db
        db.session.rollback()
        app.logger.warning("input the database refused on %s: %s", request.path, exc.orig)
        return render_error(400, _("Part of what you sent cannot be stored (for example an "
                                   "invisible control character). Remove it and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, _("The form had expired or came from another page, so nothing "
                                   "was saved. Go back, reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        if exc.code == 413:
            from app.posts.uploads import human_size
            limit = app.config.get("MAX_CONTENT_LENGTH") or 0
            return render_error(413, _("The limit is %(size)s for everything sent at once. Go "
                                       "back and send fewer or smaller files.",
                                       size=human_size(limit)))
        return render_error(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from app.extensions import db
        db.session.rollback()
        return render_error(500)
