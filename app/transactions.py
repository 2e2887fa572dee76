"""The request's transaction: one commit per request, in one place; and inserting a row that
a unique key allows only once.

One commit per request: services and views change the session and never commit (a service
that needs an id before the end of the request flushes). When the view has returned,
`end_request` commits if the request changed something and the response is not an error
(status < 400), and rolls back if it is; an exception rolls back (the error handlers, and the
session's removal at teardown); a request that changed nothing (a page read) commits nothing.
Mail written into the outbox goes out after that one commit only. A view that catches a
DomainError (a refused request answered with a redirect and a flash, or the form again) calls
`discard()` in its except block: what the services changed before the refusal is dropped, so a
200 or a redirect never commits half an action.

Work that is not a request commits in its own place: a scheduler job at its end (`run_job` in
app/scheduler.py), a CLI command at its end (app/cli.py), the outbox sender (its own session,
one commit per message: app/mail/services.py), the digest senders (one commit per batch of
mails, so an interrupted run resumes: app/digest/services.py), the login session's last-seen
time (its own short transaction: app/auth/services.py).

Inserting once: an identical request (a double click, a second tab, a mail program retrying a
link) may be inserting the same row at the same moment.

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


def discard() -> None:
    """The request was refused (a caught DomainError): drop everything it changed so far."""
    db.session.rollback()


def _note_flush(session, flush_context) -> None:
    session.info["wrote"] = True


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def _forget(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended, not a SAVEPOINT
        session.info.pop("wrote", None)


def wrote(session) -> bool:
    """The session's transaction changed something (flushed, or ran an INSERT, UPDATE or
    DELETE statement), or holds changes not flushed yet."""
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


def end_request(response):
    """The request's one commit: after a view that answered without an error; a response of
    400 and up writes nothing. A request that changed nothing (a page read) ends neither way
    here: its read-only transaction ends when the session is removed at teardown."""
    session = db.session()
    if not wrote(session):
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response


def init_app(app) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_transaction_end", _forget)
    app.after_request(end_request)
