"""Forms and form helpers shared by several features."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice

# C0 control characters other than tab, newline and carriage return (NUL among them, which
# PostgreSQL cannot store in text) are never meaningful in what people type.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Line breaks (also Unicode's) and tabs have no place in a one-line field: such values end up
# in mail headers (subjects, names), where a line break would start a new header.
_LINE_BREAKS = re.compile(r"[\t\n\r\x85\u2028\u2029]+")


def strip_control_characters(value):
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def one_line(value):
    """A one-line value: control characters removed, line breaks and tabs made spaces."""
    if not isinstance(value, str):
        return value
    return _LINE_BREAKS.sub(" ", _CONTROL.sub("", value))


def optional_int(value):
    """Coerce a select's value to an id: empty is None, anything not an id is refused."""
    if value in (None, "", "None"):
        return None
    from app.urls import parse_id
    number = parse_id(str(value))
    if number is None:
        raise ValueError("not an id")
    return number


class _LazyCSRFTokenField(CSRFTokenField):
    """The token is made (and put in the session) only when a page shows it: a page without a
    form sets no cookie, so visitors' pages can be shared (app/pagecache.py)."""

    _token = None

    def process(self, *args, **kwargs):
        super(CSRFTokenField, self).process(*args, **kwargs)  # no token yet

    @property
    def current_token(self):
        if self._token is None:
            self._token = self.csrf_impl.generate_csrf_token(self)
        return self._token

    @current_token.setter
    def current_token(self, value):
        self._token = value


class _LazyCSRF(_FlaskFormCSRF):
    field_class = _LazyCSRFTokenField


class BaseForm(FlaskForm):
    """Every form of the board: CSRF-protected, control characters filtered from all input,
    and one-line text fields (subjects, names, titles, addresses) kept on one line."""

    class Meta:
        csrf_class = _LazyCSRF

        def bind_field(self, form, unbound_field, options):
            from wtforms import PasswordField, StringField, TextAreaField

            field_class = unbound_field.field_class
            single_line = (issubclass(field_class, StringField)
                           and not issubclass(field_class, (TextAreaField, PasswordField)))
            filters = list(unbound_field.kwargs.get("filters") or [])
            options["filters"] = [one_line if single_line else strip_control_characters,
                                  *filters]
            return unbound_field.bind(form=form, **options)


class CSRFOnlyForm(BaseForm):
    """A button that changes something: only the CSRF token is checked."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice("" if value is None else str(value), label) for value, label in pairs]
