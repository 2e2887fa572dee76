"""Searching: words are matched in whoosh, filtered there by the visibility policy (so what a
viewer may not see is never even a hit), and the hits are checked once more against the SQL
policy before anything is shown. Counts and snippets come only from what passes both."""
from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from whoosh import highlight
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, NullQuery, Or, Term, Not

from app.permissions import Viewer
from app.search.index import TEXT_FIELDS, forget_index, open_index, schema


class SearchProblem(Exception):
    """The query cannot be searched; the message says how to fix it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Parsed:
    query: object
    text: str
    truncated: bool


def clean_query(raw: str | None) -> tuple[str, bool]:
    text = " ".join((raw or "").replace("\x00", " ").split())
    limit = current_app.config["SEARCH_QUERY_MAX_LENGTH"]
    return (text[:limit], True) if len(text) > limit else (text, False)


def parse(raw: str | None) -> Parsed:
    text, truncated = clean_query(raw)
    if not text:
        raise SearchProblem(_("Type one or more words to search for."))
    fields = schema()
    # Words that either language throws away (de, het, the, of …) cannot be searched alone.
    if not all(list(fields[f].analyzer(text)) for f in ("text_nl", "text_en")):
        raise SearchProblem(_("These words are too common to search for. Try more specific "
                              "words."))
    parser = MultifieldParser(TEXT_FIELDS, schema=fields)
    try:
        query = parser.parse(text)
    except Exception:
        query = None
    if query is None or query is NullQuery or not query.all_terms():
        # Unbalanced quotes, operators only, …: search the plain words instead.
        words = re.findall(r"\w+", text)
        query = MultifieldParser(TEXT_FIELDS, schema=schema(), group=OrGroup).parse(
            " ".join(words)) if words else NullQuery
        if query is NullQuery or not query.all_terms():
            raise SearchProblem(_("These words are too common to search for. Try more specific "
                                  "words."))
    return Parsed(query=query, text=text, truncated=truncated)


def policy_filter(viewer: Viewer):
    """The visibility policy as a whoosh query (mirrors permissions.visible_posts_clause)."""
    not_deleted = Not(Term("status", "deleted"))
    if viewer.platform_owner:
        return not_deleted
    part_ok = Or([Term("part", "public")] + [Term("theme", str(t)) for t in viewer.member_theme_ids])
    audience = [Term("restricted", "0")]
    if viewer.user_id is not None:
        audience.append(Term("audience", str(viewer.user_id)))
    ways = [And([Term("status", "published"), part_ok, Or(audience)])]
    if viewer.user_id is not None:
        ways.append(Term("author", str(viewer.user_id)))
    if viewer.admin_theme_ids:
        ways.append(Or([Term("theme", str(t)) for t in viewer.admin_theme_ids]))
    return And([not_deleted, Or(ways)])


_FILTER_CACHE_SIZE = 256
_filter_cache: OrderedDict = OrderedDict()
_filter_lock = threading.Lock()


def _kept(key, make):
    with _filter_lock:
        value = _filter_cache.get(key)
        if value is not None:
            _filter_cache.move_to_end(key)
            return value
    value = make()
    with _filter_lock:
        _filter_cache[key] = value
        while len(_filter_cache) > _FILTER_CACHE_SIZE:
            _filter_cache.popitem(last=False)
    return value


def _allowed_docs(searcher, flt):
    """The document numbers a filter query allows, kept per process per index segment: a
    new post adds a small segment, and only that one is filtered again. Segment ids are random
    per segment, so a rebuilt or merged index never meets a kept set; deleting a document keeps
    its segment, but search skips deleted documents by itself."""
    leaves = list(searcher.subsearchers) if searcher.subsearchers else [(searcher, 0)]
    segments = []
    for sub, _offset in leaves:
        segment = getattr(sub.reader(), "segment", lambda: None)()
        if segment is None:
            return searcher._filter_to_comb(flt)  # an empty index: nothing worth keeping
        segments.append((segment.segment_id(), sub.reader().doc_count_all()))

    def combine():
        pieces = [(_kept((seg, flt), lambda s=sub: set(flt.docs(s))), offset)
                  for seg, (sub, offset) in zip(segments, leaves)]
        if len(pieces) == 1 and pieces[0][1] == 0:
            return pieces[0][0]
        allowed = set()
        for docs, offset in pieces:
            allowed.update(d + offset for d in docs)
        return allowed

    # Sets (whoosh takes no other container); kept ones are only ever read.
    return _kept((tuple(segments), flt), combine)


def search_ids(parsed: Parsed, viewer: Viewer, theme_id: int | None = None) -> list[int]:
    """Ids of the best matching posts the viewer may see, best first."""
    flt = policy_filter(viewer)
    if theme_id is not None:
        flt = And([flt, Term("themes", str(theme_id))])
    for attempt in (1, 2):
        ix = open_index()
        try:
            with ix.searcher() as searcher:
                allowed = _allowed_docs(searcher, flt)
                if not allowed:  # whoosh reads an empty filter set as "no filter"
                    return []
                results = searcher.search(parsed.query, filter=allowed,
                                          limit=current_app.config["SEARCH_MAX_HITS"])
                return [int(hit["id"]) for hit in results]
        except Exception:
            if attempt == 2:
                raise
            forget_index()  # reopen: a corrupt or vanished index is rebuilt
    return []


_formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
_fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)


def snippet(parsed: Parsed, text: str) -> Markup:
    """A highlighted extract of `text` around the searched words (escaped HTML)."""
    terms = {t[1] for t in parsed.query.all_terms() if isinstance(t[1], str)}
    if not text:
        return Markup("")
    analyzer = schema()["text_nl"].analyzer
    stems = set()
    for field in ("text_nl", "text_en"):
        for token in schema()[field].analyzer(" ".join(terms)):
            stems.add(token.text)
    words = stems | {w.lower() for w in terms}
    out = highlight.highlight(text, frozenset(words), analyzer, _fragmenter, _formatter, top=2)
    if not out:
        plain = html.escape(text[:220]) + ("…" if len(text) > 220 else "")
        return Markup(plain)
    return Markup(out)
