"""Deleting rows for good with what their foreign keys' ON DELETE rules ask (CASCADE: the
rows that point at them go too; SET NULL: they forget them), written out as portable SQL.
SQLite here runs without foreign-key enforcement, so the database does not do it by itself;
walking the models' metadata keeps every table any package adds covered. Stored files of
deleted attachments go after the commit; deleted items leave the search index."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from app.extensions import db

CHUNK = 500


def _chunks(ids):
    ids = sorted(set(ids))
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def delete_rows(table_name: str, ids) -> int:
    """Delete the rows of this table (by its `id`), and what depends on them. Returns how
    many rows of the table went."""
    from app.posts.uploads import remove_after_commit
    from app.search import index

    table = db.metadata.tables[table_name]
    removed = 0
    for chunk in _chunks(ids):
        if table_name == "attachment":
            for name in db.session.scalars(select(table.c.stored_name).where(table.c.id.in_(chunk))):
                remove_after_commit(name)
        if table_name == "item":
            for item_id in chunk:
                index.touch(item_id)  # its search row goes when the transaction commits
        for child in db.metadata.sorted_tables:
            for fk in child.foreign_keys:
                if fk.column.table is not table:
                    continue
                column, rule = fk.parent, (fk.ondelete or "").upper()
                if rule == "CASCADE":
                    if child is table:  # a tree (subthemes): deeper levels first
                        below = list(db.session.scalars(select(table.c.id).where(
                            column.in_(chunk), table.c.id.not_in(chunk))))
                        delete_rows(table_name, below)
                    elif "id" in child.c and list(child.primary_key.columns) == [child.c.id]:
                        delete_rows(child.name, db.session.scalars(
                            select(child.c.id).where(column.in_(chunk))).all())
                    else:
                        db.session.execute(delete(child).where(column.in_(chunk)))
                elif rule == "SET NULL":
                    db.session.execute(update(child).where(column.in_(chunk))
                                       .values({column.name: None}))
        removed += db.session.execute(delete(table).where(table.c.id.in_(chunk))).rowcount or 0
    return removed
