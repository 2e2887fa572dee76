"""Dutch (default) and English: complete catalogues, every source string in them, and pages
that actually switch language."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from scripts.i18n import missing
from tests.factories import UserFactory
from tests.helpers import Client, page_text

ROOT = Path(__file__).resolve().parent.parent


def test_catalogues_are_complete():
    assert missing("nl") == []
    assert missing("en") == []


def test_every_string_in_the_code_is_in_the_catalogues(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
                    str(ROOT)], check=True, capture_output=True, cwd=ROOT)
    with open(pot, "rb") as fh:
        source_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with open(ROOT / "app/translations/nl/LC_MESSAGES/messages.po", "rb") as fh:
        nl_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert source_ids - nl_ids == set(), "run `make update-messages` and translate"


def test_dutch_is_the_default_and_english_can_be_chosen(app):
    visitor = Client(app, lang=None)
    html = visitor.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Organisaties en projecten" in page_text(visitor.get("/"))
    resp = visitor.get("/language/en?next=/login")
    assert resp.headers["Location"] == "/login"
    assert "Forgot your password?" in page_text(visitor.get("/login"))
    assert visitor.get("/language/fr").status_code == 404


def test_logged_in_language_follows_the_account(app):
    user = UserFactory(locale="nl")
    visitor = Client(app, lang="en")
    visitor.login(user.email)
    assert "Mijn account" in page_text(visitor.get("/account"))
    visitor.post("/account", {"locale": "en"})
    assert "My account" in page_text(visitor.get("/account"))


def test_mails_go_out_in_the_recipients_language(app, mailbox):
    UserFactory(email="nl@example.org", locale="nl")
    Client(app, lang="en").post("/reset", {"email": "nl@example.org"})
    (mail,) = mailbox.wait_for("nl@example.org")
    assert "wachtwoord" in mail.subject.lower() and "Hallo" in mail.text
