"""The search row of each post: its analysed text (app/search/analysis.py), kept in step with
the post in the same transaction as every change (app/search/index.py).

The stems of the title and of the body text (the post's body, its published replies,
attachment names, the author's and organisation's names), in Dutch and in English, are
matched by each database's own full-text index, made by the migration and not described here
(SQLAlchemy has no portable type for either):
- PostgreSQL: column `document` (tsvector: title weight A, body text weight B) with the GIN
  index `ix_post_search_document`; the text columns stay empty (NULL): the tsvector holds the
  same stems, and a narrow row keeps the scans of a common word short;
- SQLite: the FTS5 table `post_search_fts` over the text columns (the stems as
  space-separated sequences; external content, rowid = post id), kept in sync by triggers on
  post_search.
`include_name` keeps those dialect-specific objects out of the models-vs-migrations compare.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Table, Text

from app.extensions import db

post_search = Table(
    "post_search", db.metadata,
    Column("post_id", Integer, ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("title_nl", Text),
    Column("title_en", Text),
    Column("body_nl", Text),
    Column("body_en", Text),
)

FTS_TABLE = "post_search_fts"
TSVECTOR_COLUMN = "document"
TSVECTOR_INDEX = "ix_post_search_document"


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter of reflected names: leave out the full-text objects that only one
    database has (the FTS5 table with its shadow tables; the tsvector column and its index)."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if parent_names.get("table_name") == "post_search":
        return name not in (TSVECTOR_COLUMN, TSVECTOR_INDEX)
    return True
