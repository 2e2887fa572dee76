"""Set Dutch translations from a small JSON file of {msgid: msgstr}: used to add the few
strings a change introduces without hand-editing the PO syntax."""
from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po

from scripts.i18n import ROOT


def main(path: str) -> None:
    pairs = json.load(open(path, encoding="utf-8"))
    po_path = ROOT / "nl" / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as fh:
        cat = read_po(fh, locale="nl")
    for msgid, msgstr in pairs.items():
        msg = cat.get(msgid)
        if msg is None:
            raise SystemExit(f"not in the catalogue: {msgid!r}")
        msg.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        msg.flags.discard("fuzzy")
    with open(po_path, "wb") as fh:
        write_po(fh, cat, no_location=True, sort_output=True)


if __name__ == "__main__":
    main(sys.argv[1])
