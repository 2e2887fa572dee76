"""The one text analysis of search, done in the app and shared by both databases.

A text becomes words: runs of letters and digits, so names split on '-', '_' and '.' too
(`bijlage-WOORD.txt` gives bijlage, woord, txt). Each word is lowercased, its accents folded
(Unicode NFKD without the combining marks: `ideeën` and `ideeen` are one word), dropped when
it is a Dutch or English stop word or a single character, and stemmed twice, in Dutch and in
English (snowball). The database stores and matches these stems only (see app/search/index.py),
so a post and a search are always analysed alike, whichever database holds them.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata
from typing import Iterator, NamedTuple

import snowballstemmer

# Snowball's stop word lists (Dutch and English). A word on either list is not searchable
# alone: it is in nearly every post of a bilingual board.
DUTCH_STOP_WORDS = frozenset("""
aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus
een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets
ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of
om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want waren
was wat werd wezen wie wil worden wordt zal ze zelf zich zij zijn zo zonder zou
""".split())
ENGLISH_STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can did do does doing don down during each few for from further
had has have having he her here hers herself him himself his how if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves
out over own same she should so some such than that the their theirs them themselves then
there these they this those through to too under until up very was we were what when where
which while who whom why will with you your yours yourself yourselves
""".split())
STOP_WORDS = DUTCH_STOP_WORDS | ENGLISH_STOP_WORDS
MIN_LENGTH = 2
# Longer runs of letters and digits (hashes, encoded data, "aaaa…") are no words people search
# for, and PostgreSQL refuses a lexeme over 2,047 bytes: both databases leave them out alike.
MAX_LENGTH = 60
# Words of letters and digits (with any combining accents written after a letter); everything
# else (spaces, punctuation, '-', '_', '.') separates.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
LETTERS = re.compile(r"[^\W_]+")

_stemmers = threading.local()  # a snowball stemmer keeps state while it works: one per thread


def _stem(part: str) -> "Stems":
    if not hasattr(_stemmers, "nl"):
        _stemmers.nl = snowballstemmer.stemmer("dutch")
        _stemmers.en = snowballstemmer.stemmer("english")
    return Stems(_stemmers.nl.stemWord(part), _stemmers.en.stemWord(part))


class Stems(NamedTuple):
    nl: str
    en: str


class Token(NamedTuple):
    start: int  # where the word is in the text as written (for highlighting)
    end: int
    stems: tuple[Stems, ...]  # usually one; more when folding splits the word (e.g. "½")


def fold(word: str) -> str:
    """Lowercase, accents folded: NFKD without combining marks."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=200_000)
def analyse_word(word: str) -> tuple[Stems, ...]:
    """The stems of one written word (none for stop words, single characters and runs longer
    than MAX_LENGTH)."""
    result = []
    for part in LETTERS.findall(fold(word)):
        if not MIN_LENGTH <= len(part) <= MAX_LENGTH or part in STOP_WORDS:
            continue
        result.append(_stem(part))
    return tuple(result)


def tokens(text: str) -> Iterator[Token]:
    """The searchable words of a text, with where each is written."""
    for match in WORD.finditer(text or ""):
        stems = analyse_word(match.group())
        if stems:
            yield Token(match.start(), match.end(), stems)


@functools.lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, str] | None:
    found = analyse_word(word)
    if not found:
        return None
    return " ".join(s.nl for s in found), " ".join(s.en for s in found)


def terms(text: str) -> tuple[str, str]:
    """A text as its Dutch stems and its English stems, each a space-separated sequence in
    the order written: what the search row stores (the same words as `tokens`)."""
    dutch, english = [], []
    for word in WORD.findall(text or ""):
        found = _word_terms(word)
        if found is not None:
            dutch.append(found[0])
            english.append(found[1])
    return " ".join(dutch), " ".join(english)
