"""Catalogue upkeep: fill the English catalogue (source strings are English) and report
untranslated Dutch strings. Used by `make update-messages` and by the tests."""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "app" / "translations"


def catalog(locale: str):
    with open(ROOT / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def fill_english() -> None:
    cat = catalog("en")
    for msg in cat:
        if not msg.id:
            continue
        msg.string = msg.id if not isinstance(msg.id, tuple) else tuple(msg.id)
        msg.flags.discard("fuzzy")
    with open(ROOT / "en" / "LC_MESSAGES" / "messages.po", "wb") as fh:
        write_po(fh, cat, no_location=True, sort_output=True)


def missing(locale: str) -> list[str]:
    """msgids without a (non-fuzzy) translation."""
    out = []
    for msg in catalog(locale):
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if "fuzzy" in msg.flags or not all(strings):
            out.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["fill-en"]:
        fill_english()
    elif sys.argv[1:] == ["check"]:
        bad = {loc: missing(loc) for loc in ("nl", "en")}
        for loc, ids in bad.items():
            for i in ids:
                print(f"{loc}: untranslated: {i!r}")
        sys.exit(1 if any(bad.values()) else 0)
    else:
        print("usage: python scripts/i18n.py fill-en|check")
        sys.exit(2)
