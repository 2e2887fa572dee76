"""Kinds of content a theme can use, and the per-theme switches that turn them on or off.

KINDS is the registry: one entry per kind that exists in the product. The theme's tabs, the
owner's switch page and the overview page show exactly these kinds, so a kind that is not
built shows no switch and no tab; a new kind adds one entry here. Whether a kind is on in a
theme is decided by app.permissions.feature_enabled (and its SQL twin kind_on_clause).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l

from app.features.overview import recent_discussions, recent_tasks, recent_wiki_pages
from app.items.kinds import ItemKind


@dataclass(frozen=True)
class Kind:
    """A kind of theme content."""

    key: str  # stored in theme_feature.kind
    label: object  # the tab and switch label (lazy gettext)
    list_endpoint: str  # the kind's own page in a theme (takes `slug`)
    overview_template: str  # its section on the overview page
    recent: Callable  # (theme, limit) -> what its overview section shows, for the viewer
    item_kind: ItemKind  # the kind of the items this switch shows or hides


KINDS: tuple[Kind, ...] = (
    Kind(key="discussions", label=_l("Discussions"), list_endpoint="themes.show",
         overview_template="features/overview_discussions.html",
         recent=recent_discussions, item_kind=ItemKind.DISCUSSION),
    Kind(key="wiki", label=_l("Wiki"), list_endpoint="wiki.index",
         overview_template="wiki/overview.html", recent=recent_wiki_pages,
         item_kind=ItemKind.WIKI_PAGE),
    Kind(key="tasks", label=_l("Tasks"), list_endpoint="tasks.board",
         overview_template="tasks/overview.html", recent=recent_tasks,
         item_kind=ItemKind.TASK),
)

DISCUSSIONS = "discussions"
WIKI = "wiki"
TASKS = "tasks"
