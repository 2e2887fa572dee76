"""What a theme's archive holds, decided from the SQLAlchemy metadata.

A row belongs to the archive of a top-level theme when it hangs from that theme's subtree:
the theme and its subthemes, then every row whose ON DELETE CASCADE foreign keys (other than
to `user`) all point at rows that belong (a row deleted with its parent is part of it): items,
their comments, stars, attachments, chosen readers and writers, per-kind tables, categories,
filters, memberships, reports, decisions, switches … and whatever table is added later that
hangs from them. Users are not owned by a theme: those referenced by the archived rows go in
with their safe columns only.

Two explicit lists keep secrets and machinery out:
- SECRET_COLUMNS: never exported from any table (password hashes, tokens, stamps, and the
  platform's own facts about a person);
- NOT_CONTENT: tables that are not a theme's content (sessions, the outbox, digest sending
  state, search rows that are rebuilt, the archive jobs themselves).
`unclassified_tables()` names every table that is neither reachable from a theme nor listed,
and every reachable table of one person's own rows (a CASCADE key to `user`: stars,
memberships, bookmarks …) that is not in PERSONAL_EXPORTED: a test fails on it, so a new
table that is not plainly the theme's content is always decided on.

STORED_FILES names the columns that hold a storage key (app/storage.py): their files go into
the zip and come back under new keys on import. TEXT_REFERENCES names string columns that
hold "<table>:<id>" references, rewritten to the new ids on import.
"""
from __future__ import annotations

from sqlalchemy import Table

from app.extensions import db

FORMAT = "werkgroepen-theme-archive"
VERSION = 1

USER_TABLE = "user"
ROOT_TABLE = "theme"

SECRET_COLUMNS: frozenset[str] = frozenset({
    "user.password_hash",
    "user.security_stamp",
    "login_session.token_hash",
    "invitation.token_hash",
    "calendar_token.token_hash",
    "calendar_token.nonce",
    # not secret, but the platform's business rather than the theme's
    "user.is_platform_owner",
    "user.last_overview_at",
})

NOT_CONTENT: dict[str, str] = {
    "login_session": "a browser's login; secret",
    "outbox_message": "mail waiting or sent; the platform's delivery state",
    "delivery_attempt": "SMTP attempts of outbox mail",
    "digest_run": "the sending state of digests (the theme's digest settings are exported)",
    "digest_delivery": "who was sent which digest",
    "item_search": "search rows, rebuilt from the items on import",
    "item_tally": "counts of published items, kept by triggers as the items are imported",
    "item_value_tally": "counts per filter value, kept by triggers as the items are imported",
    "archive_job": "the archives themselves",
    "thread_mute": "one person's mail preference, not the theme's content",
    "invitation": "pending invitations: one-time links that work on this installation only",
    "calendar_token": "a member's secret calendar-feed address",
    "bookmark": "what one person saved for later, not the theme's content",
    "notice": "one person's notification list",
    "profile": "a person's profile: shown on the platform as its owner chose, not the theme's",
    "profile_field": "the platform's own profile fields",
    "profile_field_value": "a person's profile answers (see profile)",
}

# Reachable tables whose rows are one person's (a CASCADE key to user) and belong in the
# archive all the same: what the theme shows about its members and their content.
PERSONAL_EXPORTED: frozenset[str] = frozenset({
    "membership",  # members, roles, requests
    "star",  # shown as counts and to the members
    "item_reader",  # the chosen readers of an item
    "item_writer",  # the chosen writers of an item
    "comment_star",  # stars on answers, shown as counts
    "event_response",  # who comes to the theme's events
    "task_assignee",  # who the theme's tasks are assigned to
})

# (table, column) holding a storage key.
STORED_FILES: frozenset[tuple[str, str]] = frozenset({
    ("attachment", "stored_name"),
    ("file", "stored_name"),  # the newest version's key (also in file_version)
    ("file", "thumbnail_name"),
    ("file_version", "stored_name"),
})

# (table, column) holding "<table>:<id>" text that names a row.
TEXT_REFERENCES: frozenset[tuple[str, str]] = frozenset({
    ("report", "target"),
    ("moderation_decision", "target"),
})

# Imported users never get these from an archive, whatever it says.
USER_IMPORT_IGNORED: frozenset[str] = frozenset({"id", "is_platform_owner"})


def tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def owner_keys(table: Table) -> list:
    """The foreign keys by which a row of `table` belongs to its parent (CASCADE, not to user)."""
    return [fk for fk in table.foreign_keys
            if (fk.ondelete or "").upper() == "CASCADE" and fk.column.table.name != USER_TABLE
            and table.name not in NOT_CONTENT]


def content_tables() -> list[Table]:
    """The tables whose rows can belong to a theme, parents before children."""
    reached = {ROOT_TABLE}
    changed = True
    while changed:  # parents first is not enough for tables that only reach via later ones
        changed = False
        for table in tables():
            if table.name in reached or table.name in NOT_CONTENT:
                continue
            if any(fk.column.table.name in reached for fk in owner_keys(table)):
                reached.add(table.name)
                changed = True
    return [t for t in tables() if t.name in reached]


def personal(table: Table) -> bool:
    """Rows of the table are one person's own: they go when the person's account goes."""
    return any((fk.ondelete or "").upper() == "CASCADE" and fk.column.table.name == USER_TABLE
               for fk in table.foreign_keys)


def unclassified_tables() -> list[str]:
    content = content_tables()
    names = {t.name for t in content} | set(NOT_CONTENT) | {USER_TABLE}
    undecided = {t.name for t in content if personal(t) and t.name not in PERSONAL_EXPORTED}
    return sorted({t.name for t in tables() if t.name not in names} | undecided)


def exported_columns(table: Table) -> list:
    return [c for c in table.columns if f"{table.name}.{c.name}" not in SECRET_COLUMNS]


def user_columns(table: Table) -> list[str]:
    """The foreign-key columns of `table` that point at users."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == USER_TABLE]


def describe() -> dict:
    """schema.json: every archived table with its columns, keys, references and files."""
    out = {}
    for table in [*content_tables(), db.metadata.tables[USER_TABLE]]:
        columns = []
        for c in exported_columns(table):
            fks = [f"{fk.column.table.name}.{fk.column.name}" for fk in c.foreign_keys]
            entry = {"name": c.name, "type": str(c.type.compile(dialect=_dialect())),
                     "nullable": bool(c.nullable), "primary_key": bool(c.primary_key)}
            if fks:
                entry["references"] = fks[0]
            if (table.name, c.name) in STORED_FILES:
                entry["stored_file"] = True
            if (table.name, c.name) in TEXT_REFERENCES:
                entry["text_reference"] = True
            columns.append(entry)
        out[table.name] = {"columns": columns}
    return out


def _dialect():
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()
