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

from app.features.overview import (recent_discussions, recent_files, recent_tasks,
                                   recent_wiki_pages, upcoming_events)
from app.items.kinds import ItemKind
from app.toolkit.recent import recent_articles, recent_questions, recent_updates


@dataclass(frozen=True)
class Kind:
    """A kind of theme content."""

    key: str  # stored in theme_feature.kind
    label: object  # the tab and switch label (lazy gettext)
    list_endpoint: str  # the kind's own page in a theme (takes `slug`)
    overview_template: str  # its section on the overview page
    recent: Callable  # (theme, limit) -> what its overview section shows, for the viewer
    item_kind: ItemKind  # the kind of the items this switch shows or hides
    more_item_kinds: tuple[ItemKind, ...] = ()  # further kinds under the same switch


KINDS: tuple[Kind, ...] = (
    Kind(key="discussions", label=_l("Discussions"), list_endpoint="themes.show",
         overview_template="features/overview_discussions.html",
         recent=recent_discussions, item_kind=ItemKind.DISCUSSION),
    Kind(key="events", label=_l("Agenda"), list_endpoint="events.agenda",
         overview_template="events/overview_events.html",
         recent=upcoming_events, item_kind=ItemKind.EVENT),
    Kind(key="files", label=_l("Files"), list_endpoint="files.index",
         overview_template="features/overview_files.html",
         recent=recent_files, item_kind=ItemKind.FILE, more_item_kinds=(ItemKind.FOLDER,)),
    Kind(key="questions", label=_l("Questions"), list_endpoint="questions.index",
         overview_template="toolkit/overview_questions.html",
         recent=recent_questions, item_kind=ItemKind.QUESTION),
    Kind(key="blog", label=_l("Blog"), list_endpoint="blog.index",
         overview_template="toolkit/overview_blog.html",
         recent=recent_articles, item_kind=ItemKind.BLOG),
    Kind(key="updates", label=_l("Status updates"), list_endpoint="updates.index",
         overview_template="toolkit/overview_updates.html",
         recent=recent_updates, item_kind=ItemKind.STATUS_UPDATE),
    Kind(key="wiki", label=_l("Wiki"), list_endpoint="wiki.index",
         overview_template="wiki/overview.html", recent=recent_wiki_pages,
         item_kind=ItemKind.WIKI_PAGE),
    Kind(key="tasks", label=_l("Tasks"), list_endpoint="tasks.board",
         overview_template="tasks/overview.html", recent=recent_tasks,
         item_kind=ItemKind.TASK),
)

DISCUSSIONS = "discussions"
FILES = "files"
WIKI = "wiki"
TASKS = "tasks"
