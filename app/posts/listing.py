"""A board page's list of posts, rendered once and shared by everyone with the same standing.

The posts a viewer sees on a page of a theme's board follow from their standing there: the
read accesses they share with every other member, admin or visitor of the theme
(permissions.shared_read_access), unless they see posts beyond it (their own with another
access, posts they were chosen to read; the board then renders their list for them alone).
So the rendered list is kept per worker, keyed by the theme, the board's address, the
language and that standing, and read with permissions.standing_items_clause (never with what
the one viewer who renders it sees beyond it). It is kept under the page cache's generation
(app/pagecache.py), read before anything else in the request: any committed write ends it,
exactly as it ends a cached page, and it expires after PAGE_CACHE_SECONDS.

Three parts of the list belong to the viewer and are filled in for each request:
- bylines show a person's name and photo only where the viewer may see them, so a list is
  kept per set of person cards (one query tells the viewer's cards for the page's authors);
- the star button shows the viewer's own star: both states are kept, the viewer's stars on
  the page's posts (one query) choose;
- the star forms carry the viewer's own CSRF token.
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.forms import CSRFOnlyForm

MAX_CARD_SETS = 8  # lists kept per key for viewers who see the authors differently
# Where the viewer's parts go. User text is escaped in the list, so it can never contain "<".
CSRF_SLOT = Markup("<!--csrf-->")
_STAR = re.compile(r"<!--star:(\d+)-->(.*?)<!--star-off-->(.*?)<!--/star-->", re.DOTALL)


class _CsrfSlot:
    """A form whose token field renders as the slot the viewer's own token fills."""

    csrf_token = CSRF_SLOT


@dataclass
class _Kept:
    generation: int
    expires: float
    post_ids: list[int]
    author_ids: list[int]
    lists: dict  # the authors' cards as this viewer sees them -> the parsed list


class _Store:
    """Kept lists of one worker, least recently used going first."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, generation: int) -> _Kept | None:
        kept = self.entries.get(key)
        if kept is None or kept.generation != generation or kept.expires <= time.monotonic():
            return None
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
        return kept

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def put(self, key, kept: _Kept) -> None:
        with self.lock:
            self.entries[key] = kept
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


def _parse(html: str) -> list:
    """The rendered list as pieces: text, and (post id, starred, not starred) per star."""
    pieces, at = [], 0
    for match in _STAR.finditer(html):
        pieces.append(html[at:match.start()])
        pieces.append((int(match.group(1)), match.group(2), match.group(3)))
        at = match.end()
    pieces.append(html[at:])
    return pieces


def _fill(pieces: list, starred: set[int]) -> Markup:
    html = "".join(p if isinstance(p, str) else p[1] if p[0] in starred else p[2]
                   for p in pieces)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, str(CSRFOnlyForm().csrf_token))
    return Markup(html)


def _render(theme, board, query, address: str) -> list:
    return _parse(render_template("posts/_list.html", theme=theme, posts=board.posts,
                                  query=query, board=board, star_form=_CsrfSlot(),
                                  address=address))


def _cards_seen(author_ids: list[int]) -> tuple:
    """How the viewer sees each author of the page (name and photo, or neither)."""
    from app.people.profiles import people_cards

    cards = people_cards(author_ids)
    return tuple(sorted((i, c.name, c.photo_name) for i, c in cards.items()))


def post_list(theme, board, query) -> Markup:
    """The page's list of posts as the viewer sees it (see the module docstring)."""
    from app.pagecache import request_generation
    from app.posts.services import starred_ids
    from app.templating import board_url

    address = board_url(theme, query, page=board.page)
    generation = request_generation() if current_app.config["LIST_CACHE"] else None
    if board.shared_by is None or generation is None:
        return _fill(_render(theme, board, query, address), board.starred)

    key = (theme.id, board.shared_by, current_user.is_authenticated, request.host,
           request.script_root, address, str(get_locale()))
    store = current_app.extensions["shared_post_lists"]
    kept = store.get(key, generation)
    if kept is None:
        posts = board.posts
        kept = _Kept(generation, time.monotonic() + current_app.config["PAGE_CACHE_SECONDS"],
                     [p.id for p in posts], sorted({p.author_id for p in posts
                                                    if p.author_id is not None}), {})
        store.put(key, kept)
        starred = board.starred
    else:  # the viewer's stars as the board reads them (none without a confirmed login)
        starred = starred_ids(current_user, kept.post_ids) if board.shared_by[0] else set()
    seen = _cards_seen(kept.author_ids)
    pieces = kept.lists.get(seen)
    if pieces is None:
        pieces = _render(theme, board, query, address)
        if len(kept.lists) < MAX_CARD_SETS:
            kept.lists[seen] = pieces
    return _fill(pieces, starred)


def init_app(app) -> None:
    app.extensions["shared_post_lists"] = _Store(int(app.config["LIST_CACHE_ENTRIES"]))
