"""Searching inside the database.

A search is parsed here, with web-search habits: words (all must match), "a quoted phrase",
`OR` between two words or phrases (either may match), `-word` or `-"phrase"` (must not match).
Anything else in the text is just text: no character of the user's reaches PostgreSQL's
tsquery or SQLite's MATCH syntax unquoted. The words go through the same analysis as the posts
(app/search/analysis.py), and the query is built from their stems for the database in use.

The match is a condition on Item (`match_condition`) or a ranked subquery (`ranked`), used in
the same SELECT as the visibility policy (app.permissions.visible_items_clause) and the board's
filters: what a viewer may not see is never a hit, and counts are exact.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import bindparam, cast, column, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY

from app.extensions import db
from app.search.analysis import Stems, tokens
from app.search.models import FTS_TABLE, TSVECTOR_COLUMN, item_search

# FTS5 bm25 weights of the columns title_nl, title_en, body_nl, body_en: a word in the title
# counts three times a word in the text. PostgreSQL's ts_rank_cd weighs A (title) 1.0 and
# B (text) 0.4.
BM25_WEIGHTS = "3.0, 3.0, 1.0, 1.0"

Phrase = tuple[Stems, ...]  # one word (one stem pair) or several in a row


class SearchProblem(Exception):
    """The query cannot be searched; the message says how to fix it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Parsed:
    text: str  # the search as used (cleaned, perhaps cut)
    truncated: bool
    groups: list[list[Phrase]]  # all groups must match; in a group, any phrase
    excluded: list[Phrase] = field(default_factory=list)  # none may match
    _wanted: frozenset[str] | None = field(default=None, repr=False, compare=False)

    def wanted(self) -> frozenset[str]:
        """Every stem of the words sought (for highlighting; made once per search)."""
        if self._wanted is None:
            self._wanted = frozenset(s for group in self.groups for phrase in group
                                     for pair in phrase for s in pair)
        return self._wanted

    def tsquery(self) -> str:
        """The PostgreSQL tsquery (text form, cast as it is: lexemes are never re-parsed)."""
        def lexeme(stem: str) -> str:
            return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"

        def phrase(p: Phrase) -> str:
            ways = dict.fromkeys(" <-> ".join(lexeme(getattr(s, lang)) for s in p)
                                 for lang in ("nl", "en"))
            return "(" + " | ".join(ways) + ")"

        parts = ["(" + " | ".join(phrase(p) for p in group) + ")" for group in self.groups]
        parts += ["!" + phrase(p) for p in self.excluded]
        return " & ".join(parts)

    def fts5(self) -> str:
        """The SQLite FTS5 query: every stem a quoted string, joined by FTS5 operators."""
        def string(words) -> str:
            return '"' + " ".join(words).replace('"', '""') + '"'

        def phrase(p: Phrase) -> str:
            ways = dict.fromkeys(string(getattr(s, lang) for s in p) for lang in ("nl", "en"))
            return "(" + " OR ".join(ways) + ")"

        query = " AND ".join("(" + " OR ".join(phrase(p) for p in group) + ")"
                             for group in self.groups)
        for p in self.excluded:
            query = f"({query}) NOT {phrase(p)}"
        return query


def clean_query(raw: str | None) -> tuple[str, bool]:
    text = " ".join((raw or "").replace("\x00", " ").split())
    limit = current_app.config["SEARCH_QUERY_MAX_LENGTH"]
    return (text[:limit], True) if len(text) > limit else (text, False)


# A quoted phrase (the closing quote may be missing), or a run of anything but spaces/quotes;
# either may carry a leading '-' (leave out).
_PIECE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def _phrase(text: str) -> Phrase:
    return tuple(s for token in tokens(text) for s in token.stems)


def parse(raw: str | None) -> Parsed:
    text, truncated = clean_query(raw)
    if not text:
        raise SearchProblem(_("Type one or more words to search for."))
    items: list[tuple[str, bool, Phrase]] = []  # ("or", …) marks an OR between two items
    for match in _PIECE.finditer(text):
        quoted_minus, quoted, minus, word = match.groups()
        if quoted is None and word.upper() == "OR":
            items.append(("or", False, ()))
            continue
        negated = bool(quoted_minus if quoted is not None else minus)
        phrase = _phrase(quoted if quoted is not None else word)
        if phrase:
            items.append(("phrase", negated, phrase))
    groups: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    join_next = False
    for kind, negated, phrase in items:
        if kind == "or":
            join_next = bool(groups)
            continue
        if negated:
            excluded.append(phrase)
        elif join_next:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        join_next = False
    if not groups:
        if excluded:
            raise SearchProblem(_("Add a word to search for: words with a minus sign are only "
                                  "left out."))
        raise SearchProblem(_("These words are too common to search for. Try more specific "
                              "words."))
    return Parsed(text=text, truncated=truncated, groups=groups, excluded=excluded)


# ------------------------------------------------------------------ in SQL

def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _match(parsed: Parsed):
    """(FROM, id column, match condition, score: higher is better) for the database in use."""
    if _postgresql():
        document = literal_column(f"item_search.{TSVECTOR_COLUMN}")
        query = cast(bindparam("search_query", parsed.tsquery(), unique=True), TSQUERY)
        return (item_search, item_search.c.item_id, document.op("@@")(query),
                func.ts_rank_cd(document, query))
    fts = table(FTS_TABLE, column("rowid"))
    name = literal_column(FTS_TABLE)
    query = bindparam("search_query", parsed.fts5(), unique=True)
    return (fts, fts.c.rowid, name.op("MATCH")(query),
            -func.bm25(name, literal_column(BM25_WEIGHTS)))


def match_condition(parsed: Parsed):
    """SQL condition on Item: does the post match the search?"""
    from app.items.models import Item

    source, item_id, condition, _score = _match(parsed)
    return Item.id.in_(select(item_id).select_from(source).where(condition))


def ranked(parsed: Parsed):
    """Subquery of the matching posts' ids (item_id) and scores (score, higher is better):
    join it to Item and order by score for best match first."""
    source, item_id, condition, score = _match(parsed)
    return (select(item_id.label("item_id"), score.label("score"))
            .select_from(source).where(condition).subquery("search_ranked"))


def best_match_order(ranked_query):
    """Best match first; equal matches newest first."""
    from app.items.models import Item

    return (ranked_query.c.score.desc(),
            func.coalesce(Item.published_at, Item.created_at).desc(), Item.id.desc())


def page_of_matches(parsed: Parsed, where: list, order, best_match: bool, limit: int,
                    offset: int):
    """Subquery of one page of matching posts: id, total (the count of every match that
    passes `where`) and score. Only ids and sort keys are ranked and counted, in one pass;
    the caller joins it to Item to load the page's rows (`order_again` orders them)."""
    from app.items.models import Item

    if best_match:
        hits = ranked(parsed)
        query = (select(Item.id.label("id"), func.count().over().label("total"),
                        hits.c.score.label("score"))
                 .join(hits, hits.c.item_id == Item.id).where(*where)
                 .order_by(*best_match_order(hits)))
    else:
        query = (select(Item.id.label("id"), func.count().over().label("total"),
                        literal_column("0").label("score"))
                 .where(match_condition(parsed), *where).order_by(*order))
    return query.limit(limit).offset(offset).subquery("search_page")


def order_again(page, order, best_match: bool):
    """The order of a page_of_matches page, for the query that loads its rows."""
    from app.items.models import Item

    if best_match:
        return (page.c.score.desc(), func.coalesce(Item.published_at, Item.created_at).desc(),
                Item.id.desc())
    return order


# ------------------------------------------------------------------ snippets

SNIPPET_CHARS = 220
SNIPPET_BEFORE = 60
SNIPPET_SCAN_CHARS = 20_000  # a long text is searched for highlights this far only


def snippet(parsed: Parsed, text: str) -> Markup:
    """A highlighted extract of the text as written (escaped HTML, the searched words in
    <mark>), found with the same analysis as the search."""
    if not text:
        return Markup("")
    wanted = parsed.wanted()
    hits = []
    for t in tokens(text[:SNIPPET_SCAN_CHARS]):
        if hits and t.start > hits[0].start + 3 * SNIPPET_CHARS:
            break  # enough for two extracts
        if any(s.nl in wanted or s.en in wanted for s in t.stems):
            hits.append(t)
    if not hits:
        return Markup(html.escape(text[:SNIPPET_CHARS]) + ("…" if len(text) > SNIPPET_CHARS else ""))
    fragments, i = [], 0
    while i < len(hits) and len(fragments) < 2:
        start = max(0, hits[i].start - SNIPPET_BEFORE)
        if start > 0:  # begin at a word
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and hits[i].start - space < SNIPPET_BEFORE * 2 else start
        end = min(len(text), start + SNIPPET_CHARS)
        if end < len(text):
            space = text.rfind(" ", hits[i].end, end)
            end = space if space > 0 else end
        end = max(end, hits[i].end)
        inside = [h for h in hits if h.start >= start and h.end <= end]
        out, at = [], start
        for h in inside:
            out.append(html.escape(text[at:h.start]))
            out.append('<mark class="match">' + html.escape(text[h.start:h.end]) + "</mark>")
            at = h.end
        out.append(html.escape(text[at:end]))
        fragments.append(("…" if start > 0 else "") + "".join(out).strip()
                         + ("…" if end < len(text) else ""))
        i += len(inside) or 1
        while i < len(hits) and hits[i].start < end:
            i += 1
    return Markup(" ".join(fragments))

