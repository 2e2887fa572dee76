"""Password strength rules; the message names the problem."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

# A short list of the passwords attackers try first (also in Dutch).
COMMON = {
    "password", "password1", "password123", "passw0rd", "wachtwoord", "wachtwoord1",
    "wachtwoord123", "welkom01", "welkom123", "1234567890", "12345678910", "123456789a",
    "qwertyuiop", "azertyuiop", "iloveyou12", "letmein123", "administrator", "sunshine12",
    "zomer2024!", "zomer2025!", "zomer2026!", "winter2026", "voorjaar2026", "qwerty1234",
}


def password_problem(password: str, email: str | None = None, username: str | None = None) -> str | None:
    """None if the password is acceptable, else what is wrong with it."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    if len(password) > 200:
        return _("Use at most 200 characters.")
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4:
        return _("This password is too easy to guess; choose another.")
    for part in (email.split("@")[0] if email else None, username):
        if part and len(part) >= 3 and part.lower() in lowered:
            return _("Do not use your e-mail address or user name in your password.")
    return None
