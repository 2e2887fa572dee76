"""The search row of each item: its analysed text (app/search/analysis.py), kept in step with
the item in the same transaction as every change (app/search/index.py).

The stems of the title and of the body text (the item's body, its published comments,
attachment names, the author's and organisation's names), in Dutch and in English, are
matched by each database's own full-text index, made by the migration and not described here
(SQLAlchemy has no portable type for either):
- PostgreSQL: column `document` (tsvector: title weight A, body text weight B) with the GIN
  index `ix_item_search_document`; the text columns stay empty (NULL): the tsvector holds the
  same stems, and a narrow row keeps the scans of a common word short;
- SQLite: the FTS5 table `item_search_fts` over the text columns (the stems as
  space-separated sequences; external content, rowid = item id), kept in sync by triggers on
  item_search.
`include_name` keeps those dialect-specific objects out of the models-vs-migrations compare.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Table, Text

from app.extensions import db

item_search = Table(
    "item_search", db.metadata,
    Column("item_id", Integer, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("title_nl", Text),
    Column("title_en", Text),
    Column("body_nl", Text),
    Column("body_en", Text),
)

FTS_TABLE = "item_search_fts"
TSVECTOR_COLUMN = "document"
TSVECTOR_INDEX = "ix_item_search_document"


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter of reflected names: leave out the full-text objects that only one
    database has (the FTS5 table with its shadow tables; the tsvector column and its index)."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if parent_names.get("table_name") == "item_search":
        return name not in (TSVECTOR_COLUMN, TSVECTOR_INDEX)
    return True
