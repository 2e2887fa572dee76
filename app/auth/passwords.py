"""Password strength rules; the message names the problem.

Strength is estimated with zxcvbn (Dropbox's estimator: dictionaries of common passwords,
names and words, keyboard patterns, repeats, sequences, dates), given the person's e-mail
address, user name and a few words every Dutch guesser tries first as words to avoid. A
password needs a score of at least MIN_SCORE on its scale of 0 to 4. zxcvbn's own (English)
advice is summarised in our own translated sentences.
"""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import LazyString
from flask_babel import gettext as _

MIN_SCORE = 3  # "safely unguessable: moderate protection from offline slow-hash attacks"
# zxcvbn's dictionaries are English-first: the Dutch words people reach for, and ours.
EXTRA_WORDS = ["wachtwoord", "welkom", "zomer", "winter", "voorjaar", "lente", "herfst",
               "geheim", "werkgroep", "werkgroepen", "gemeente", "thema", "welkom01"]
# zxcvbn examines this much of a password: its time grows with the length, and a longer
# password is long enough anyway.
_EXAMINED = 100


def help_text() -> LazyString:
    """The password field's help text, with the configured minimum length."""
    return LazyString(lambda: _(
        "At least %(n)d characters and hard to guess: a few uncommon words together work "
        "well. We measure the strength with zxcvbn and ask for at least 3 on its scale of 0 "
        "to 4.", n=current_app.config["PASSWORD_MIN_LENGTH"]))


def _reason(warning: str) -> str:
    """zxcvbn's warning, said in our own (translated) words."""
    w = warning.lower()
    if "keyboard" in w or "rows of keys" in w:
        return _("Keyboard patterns such as qwerty are easy to guess.")
    if "repeat" in w:
        return _("Repeated characters or words are easy to guess.")
    if "sequence" in w:
        return _("Sequences such as abc or 6543 are easy to guess.")
    if "year" in w or "date" in w:
        return _("Years and dates are easy to guess.")
    if "common password" in w or "commonly used password" in w:
        return _("This is, or looks like, a commonly used password.")
    if "word by itself" in w or "names" in w:
        return _("A single word or name is easy to guess.")
    return ""


def strength(password: str, inputs: list[str]) -> tuple[int, str]:
    """(zxcvbn score 0-4, zxcvbn's warning) for the password given these words to avoid."""
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:_EXAMINED], user_inputs=[*inputs, *EXTRA_WORDS])
    return int(result["score"]), (result.get("feedback") or {}).get("warning") or ""


def password_problem(password: str, email: str | None = None, username: str | None = None) -> str | None:
    """None if the password is acceptable, else what is wrong with it."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    if len(password) > 200:
        return _("Use at most 200 characters.")
    lowered = password.lower()
    local_part = email.split("@")[0] if email else None
    for part in (local_part, username):
        if part and len(part) >= 3 and part.lower() in lowered:
            return _("Do not use your e-mail address or user name in your password.")
    inputs = [p for p in (email, local_part, username) if p]
    inputs += [w for p in (local_part, username) if p for w in re.split(r"[\W_]+", p) if len(w) >= 3]
    score, warning = strength(password, inputs)
    if score < MIN_SCORE:
        reason = _reason(warning)
        return " ".join(part for part in (
            _("This password is too easy to guess."), reason,
            _("Use a few uncommon words together, or a longer sentence.")) if part)
    return None
