"""Inserting a row that a unique key allows only once, when an identical request (a double
click, a second tab, a mail program retrying a link) may be inserting it at the same moment.

Checking first ("does it exist?") and then inserting leaves a gap in which both requests see
nothing and both insert; the database's unique key lets one win and the other fails. Here the
insert runs in a SAVEPOINT, so the loser's unique violation undoes only that insert and the
caller answers exactly as it would have answered a second, later submit: the same redirect
for an idempotent add, or the form again with "already exists" for a named create.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db

# SQLSTATE of a unique violation (PostgreSQL), and SQLite's extended result codes for it.
_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def is_unique_violation(exc: IntegrityError) -> bool:
    """The error is a unique key (or primary key) refusing a second row, not another broken rule
    (a missing parent, a NULL): only that one means "someone else stored it already"."""
    orig = exc.orig
    return (getattr(orig, "sqlstate", None) == _PG_UNIQUE_VIOLATION
            or getattr(orig, "sqlite_errorname", None) in _SQLITE_UNIQUE)


def insert_once(row) -> bool:
    """Insert the new ORM object `row` (not yet added to the session) in the current
    transaction; False (and nothing inserted, the rest of the transaction untouched) when a
    unique key already holds an equal row, which another request stored meanwhile. Other
    integrity errors propagate."""
    # Earlier changes of the request do not share this insert's fate. (On SQLite the SAVEPOINT
    # opens the request's one write transaction with BEGIN IMMEDIATE: app._sqlite_pragmas.)
    db.session.flush()
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        return False
    return True


def insert_or_refuse(row, refusal: Exception) -> None:
    """Insert `row`, or, when a unique key already holds an equal one, roll the request's
    transaction back and raise `refusal`: the same error a later submit gets from the check
    that comes before the insert."""
    if not insert_once(row):
        db.session.rollback()
        raise refusal
