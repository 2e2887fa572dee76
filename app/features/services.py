"""Switching kinds of content on and off in a theme."""
from __future__ import annotations

from flask_babel import gettext as _

from app.errors import DomainError
from app.extensions import db
from app.features import KINDS
from app.features.models import ThemeFeature
from app.permissions import feature_enabled_above, forget_cached_features
from app.timeutil import utcnow
from app.transactions import insert_once


class FeatureError(DomainError):
    """A rule of the per-theme switches was broken."""


def set_switches(theme, wanted: dict[str, bool], by) -> None:
    """Store the theme's own switch for every registry kind in `wanted`. A kind a theme above
    switched off cannot be switched on here (and is left as it is). Does not commit."""
    store = {}
    for k in KINDS:
        if k.key not in wanted:
            continue
        if not feature_enabled_above(theme, k.key):
            if wanted[k.key]:
                raise FeatureError(_("%(kind)s is switched off in a theme above this one; it can "
                                     "only be switched on there first.", kind=k.label),
                                   field=k.key)
            continue
        store[k.key] = wanted[k.key]
    for key, on in store.items():
        row = db.session.get(ThemeFeature, (theme.id, key))
        if row is None:
            row = ThemeFeature(theme_id=theme.id, kind=key, enabled=on, updated_by_id=by.id)
            if insert_once(row):
                continue
            row = db.session.get(ThemeFeature, (theme.id, key), populate_existing=True)
        row.enabled, row.updated_at, row.updated_by_id = on, utcnow(), by.id
    db.session.flush()
    forget_cached_features()
