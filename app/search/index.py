"""Search rows follow the items in the same transaction (a file's row holds its document's
text once app.files.extract has read it).

Every flush notes which posts' searchable text may have changed (posts, replies, attachments
written through the session; authors and organisations renamed; `touch()` for bulk UPDATEs).
Just before the transaction commits, those posts' search rows are written again, inside that
transaction: a committed post is searchable by the very next request on any process or host,
a rolled-back one never was, and nothing waits in memory to be lost with a killed worker.

`rebuild()` writes every row from the data (the migration, `flask seed`, and the repair
command `flask search reindex`).
"""
from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from app.search.analysis import terms
from app.search.models import FTS_TABLE, item_search

TOUCHED = "search_touched"  # Session.info keys
RENAMED_AUTHORS = "search_renamed_authors"
RENAMED_ORGANISATIONS = "search_renamed_organisations"
BATCH = 2000

# tsvector limits: positions run to 16383 (later words share the last one: still found, though
# not as part of a phrase), and a lexeme keeps at most 256 positions.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256


def tsvector_literal(title_nl: str, title_en: str, body_nl: str, body_en: str) -> str:
    """The PostgreSQL tsvector of a search row, as a literal: the stems as they are (no
    further parsing by PostgreSQL). A word's Dutch and English stems share its position (one
    lexeme when they are alike), so a phrase matches the same words in a row as in FTS5's
    per-language columns; the body text starts after a gap (no phrase runs from the title
    into it); the title weighs A, the body text B."""
    positions: dict[str, list[str]] = {}
    pos = 0
    for dutch, english, weight in ((title_nl, title_en, "A"), (body_nl, body_en, "B")):
        pos += 1
        for nl, en in zip(dutch.split(), english.split()):
            pos += 1
            at = f"{min(pos, MAX_POSITION)}{weight}"
            for term in (nl, en) if nl != en else (nl,):
                seen = positions.setdefault(term, [])
                if len(seen) < MAX_POSITIONS_PER_LEXEME and (not seen or seen[-1] != at):
                    seen.append(at)
    return " ".join("'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(ps)
                    for term, ps in positions.items())


def _is_postgresql(conn) -> bool:
    return conn.get_bind().dialect.name == "postgresql" if isinstance(conn, Session) \
        else conn.dialect.name == "postgresql"


def _rows(conn, item_ids: list[int]) -> list[dict]:
    """The search rows of these posts from the data (none for deleted or missing posts)."""
    from app.auth.models import User
    from app.files.models import File
    from app.organisations.models import Organisation
    from app.items.models import Attachment, Item, ItemState, Comment

    posts = conn.execute(
        select(Item.id, Item.title, Item.body, User.username, Organisation.name)
        .outerjoin(User, User.id == Item.author_id)
        .outerjoin(Organisation, Organisation.id == Item.organisation_id)
        .where(Item.id.in_(item_ids), Item.state != ItemState.DELETED)).all()
    found = [p[0] for p in posts]
    extra: dict[int, list[str]] = {}
    if found:
        for item_id, words in conn.execute(select(Comment.item_id, Comment.body).where(
                Comment.item_id.in_(found), Comment.state == ItemState.PUBLISHED)
                .order_by(Comment.item_id, Comment.id)):
            extra.setdefault(item_id, []).append(words)
        for item_id, name in conn.execute(select(Attachment.item_id, Attachment.filename)
                                          .where(Attachment.item_id.in_(found))
                                          .order_by(Attachment.item_id, Attachment.id)):
            extra.setdefault(item_id, []).append(name)
        for item_id, words in conn.execute(select(File.item_id, File.text).where(
                File.item_id.in_(found), File.text.is_not(None))):
            extra.setdefault(item_id, []).append(words)  # a document's text (app/files)
        from app.events.models import Event
        for item_id, place in conn.execute(select(Event.item_id, Event.location)
                                           .where(Event.item_id.in_(found),
                                                  Event.location.is_not(None))):
            extra.setdefault(item_id, []).append(place)  # an event's place
    rows = []
    for item_id, title, body, author, organisation in posts:
        body_text = "\n".join([body or "", *extra.get(item_id, []), author or "",
                               organisation or ""])
        title_nl, title_en = terms(title)
        body_nl, body_en = terms(body_text)
        rows.append(dict(item_id=item_id, title_nl=title_nl, title_en=title_en,
                         body_nl=body_nl, body_en=body_en))
    return rows


_INSERT = ("INSERT INTO item_search (item_id, title_nl, title_en, body_nl, body_en) "
           "VALUES (:item_id, :title_nl, :title_en, :body_nl, :body_en)")
_INSERT_PG = ("INSERT INTO item_search (item_id, title_nl, title_en, body_nl, body_en, document) "
              "VALUES (:item_id, :title_nl, :title_en, :body_nl, :body_en, "
              "CAST(:document AS tsvector))")


def write(conn, item_ids: Iterable[int]) -> None:
    """Write these posts' search rows again from the data (on SQLite the FTS5 index follows
    through its triggers). `conn` is a Session or Connection inside the caller's transaction."""
    ids = sorted(set(item_ids))
    postgresql = _is_postgresql(conn)
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        rows = _rows(conn, chunk)
        conn.execute(item_search.delete().where(item_search.c.item_id.in_(chunk)))
        if not rows:
            continue
        if postgresql:  # the tsvector holds the stems; the text columns stay empty
            for row in rows:
                row["document"] = tsvector_literal(row["title_nl"], row["title_en"],
                                                   row["body_nl"], row["body_en"])
                row.update(title_nl=None, title_en=None, body_nl=None, body_en=None)
        conn.execute(text(_INSERT_PG if postgresql else _INSERT), rows)


def rebuild(conn, progress: Callable[[int], None] | None = None, repair: bool = False,
            commit_batches: bool = False) -> int:
    """Write every post's search row from the data, in batches. With `repair`, SQLite's FTS5
    index is also rebuilt from the rows (in case it was damaged). With `commit_batches` (a
    Connection of its own) each batch is committed: one transaction over a large board would
    make SQLite spill and re-read its page cache for every page. Returns the posts seen."""
    from app.items.models import Item

    if commit_batches and not _is_postgresql(conn):
        conn.exec_driver_sql("PRAGMA cache_size=-131072")  # 128 MB for this connection
        conn.commit()
    last, seen = 0, 0
    while True:
        ids = list(conn.execute(select(Item.id).where(Item.id > last)
                                .order_by(Item.id).limit(BATCH)).scalars())
        if not ids:
            break
        write(conn, ids)
        if commit_batches:
            conn.commit()
        seen, last = seen + len(ids), ids[-1]
        if progress:
            progress(len(ids))
    if repair and not _is_postgresql(conn):
        conn.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    if commit_batches:
        conn.commit()
    return seen


# ------------------------------------------------------------------ in the transaction

def touch(item_id: int) -> None:
    """Write this post's search row again when the current transaction commits (for changes
    made with bulk UPDATE statements, which the session does not see)."""
    from app.extensions import db

    db.session.info.setdefault(TOUCHED, set()).add(item_id)


def _changed(obj, attribute: str) -> bool:
    from sqlalchemy import inspect
    return inspect(obj).attrs[attribute].history.has_changes()


def _collect(session, flush_context) -> None:
    """After each flush (the objects still listed, now with their ids): note what to write."""
    from app.auth.models import User
    from app.organisations.models import Organisation
    from app.events.models import Event
    from app.items.models import Attachment, Comment, Item, ItemState

    touched = session.info.setdefault(TOUCHED, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Item) and obj.id is not None:
            touched.add(obj.id)
        elif isinstance(obj, (Attachment, Event)) and obj.item_id is not None:
            touched.add(obj.item_id)
        elif isinstance(obj, Comment) and obj.item_id is not None:
            # Only published comments are in the item's search text: a waiting one is not.
            if (obj.state == ItemState.PUBLISHED or obj in session.deleted
                    or _changed(obj, "state")):
                touched.add(obj.item_id)
        elif isinstance(obj, User) and obj in session.dirty and _changed(obj, "username"):
            session.info.setdefault(RENAMED_AUTHORS, set()).add(obj.id)
        elif (isinstance(obj, Organisation) and obj in session.dirty
              and _changed(obj, "name")):
            session.info.setdefault(RENAMED_ORGANISATIONS, set()).add(obj.id)


def _before_commit(session) -> None:
    """Write the noted posts' search rows in the transaction that is about to commit."""
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit writes
    from app.items.models import Item

    session.flush()  # the commit's own flush comes after this hook: note its changes first
    while True:
        ids = session.info.pop(TOUCHED, set())
        authors = session.info.pop(RENAMED_AUTHORS, set())
        organisations = session.info.pop(RENAMED_ORGANISATIONS, set())
        if authors:
            ids |= set(session.scalars(select(Item.id).where(Item.author_id.in_(authors))))
        if organisations:
            ids |= set(session.scalars(select(Item.id).where(
                Item.organisation_id.in_(organisations))))
        if not ids:
            return
        write(session, ids)
        session.flush()


def _after_rollback(session, previous) -> None:
    if not session.in_transaction():
        for key in (TOUCHED, RENAMED_AUTHORS, RENAMED_ORGANISATIONS):
            session.info.pop(key, None)


def init_app(app) -> None:
    if not getattr(init_app, "_listening", False):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
        init_app._listening = True
