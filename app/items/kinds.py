"""The registry of item kinds: one entry per kind of content that exists in the product.

An item's `kind` column holds one of these values. A new kind of content adds one member
here, its page in SHOW_ENDPOINTS (so that search hits, overviews, digests, the moderation
queue, bookmarks and notifications link to it), and its entry in app.features.KINDS for its
per-theme switch, tab and overview.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class ItemKind(str, enum.Enum):
    DISCUSSION = "discussion"  # a post on a theme's board, with comments
    FOLDER = "folder"  # a folder of files (app/files)
    FILE = "file"  # an uploaded file with its versions (app/files)
    QUESTION = "question"  # a question; its comments are the answers, one may be the best
    BLOG = "blog"  # a blog article with an intro and an optional cover image
    STATUS_UPDATE = "status_update"  # a short message, with an image, video, file or link
    EVENT = "event"  # a meeting on a theme's agenda, with attendees (app/events)
    WIKI_PAGE = "wiki_page"  # a wiki page (app.wiki), in a tree of pages, with revisions
    TASK = "task"  # a task (app.tasks) with a state, assignees and a due date


# The endpoint that shows one item of each kind; it takes `item_id`.
SHOW_ENDPOINTS: dict[ItemKind, str] = {
    ItemKind.DISCUSSION: "posts.show",
    ItemKind.FOLDER: "files.folder",
    ItemKind.FILE: "files.show",
    ItemKind.QUESTION: "questions.show",
    ItemKind.BLOG: "blog.show",
    ItemKind.STATUS_UPDATE: "updates.show",
    ItemKind.EVENT: "events.show",
    ItemKind.WIKI_PAGE: "wiki.show",
    ItemKind.TASK: "tasks.show",
}

# What an item of each kind is called where items of several kinds are listed together
# (search hits, Bewaard, digests, the own-data export).
KIND_LABELS: dict[ItemKind, object] = {
    ItemKind.DISCUSSION: _l("Discussion"),
    ItemKind.FOLDER: _l("Folder"),
    ItemKind.FILE: _l("File"),
    ItemKind.QUESTION: _l("Question"),
    ItemKind.BLOG: _l("Blog"),
    ItemKind.STATUS_UPDATE: _l("Status update"),
    ItemKind.EVENT: _l("Agenda"),
    ItemKind.WIKI_PAGE: _l("Wiki"),
    ItemKind.TASK: _l("Task"),
}


def kind_label(item) -> str:
    """What kind of content an item is, in the reader's language ("Agenda", "Wiki" …)."""
    return str(KIND_LABELS[ItemKind(item.kind)])


def item_url(item, *, external: bool = False, **values) -> str:
    """The page of an item, whatever its kind (absolute for mails when `external`)."""
    from flask import url_for

    from app.urls import external_url

    endpoint = SHOW_ENDPOINTS[ItemKind(item.kind)]
    if external:
        return external_url(endpoint, _theme=item.theme, item_id=item.id, **values)
    return url_for(endpoint, item_id=item.id, **values)
