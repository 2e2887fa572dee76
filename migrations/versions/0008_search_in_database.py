"""Search inside the database: a search row per post, matched by PostgreSQL full-text search
(tsvector + GIN) or SQLite FTS5 (the rows are built by 0010).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = ("title_nl", "title_en", "body_nl", "body_en")


def upgrade():
    op.create_table(
        'post_search',
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('title_nl', sa.Text(), nullable=True),
        sa.Column('title_en', sa.Text(), nullable=True),
        sa.Column('body_nl', sa.Text(), nullable=True),
        sa.Column('body_en', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['post.id'],
                                name=op.f('fk_post_search_post_id_post'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('post_id', name=op.f('pk_post_search')),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The tsvector is written by the app with the row (app/search/index.py): the stems
        # are the app's, PostgreSQL only stores, indexes and ranks them.
        op.execute("ALTER TABLE post_search ADD COLUMN document tsvector NOT NULL")
        op.execute("CREATE INDEX ix_post_search_document ON post_search USING gin (document)")
    else:
        cols = ", ".join(COLUMNS)
        old = ", ".join(f"old.{c}" for c in COLUMNS)
        new = ", ".join(f"new.{c}" for c in COLUMNS)
        # Terms are analysed already: unicode61 only splits them on spaces and lowercases.
        op.execute(f"CREATE VIRTUAL TABLE post_search_fts USING fts5({cols}, "
                   "content='post_search', content_rowid='post_id', "
                   "tokenize='unicode61 remove_diacritics 0')")
        op.execute(f"""CREATE TRIGGER post_search_ai AFTER INSERT ON post_search BEGIN
            INSERT INTO post_search_fts(rowid, {cols}) VALUES (new.post_id, {new}); END""")
        op.execute(f"""CREATE TRIGGER post_search_ad AFTER DELETE ON post_search BEGIN
            INSERT INTO post_search_fts(post_search_fts, rowid, {cols})
            VALUES ('delete', old.post_id, {old}); END""")
        op.execute(f"""CREATE TRIGGER post_search_au AFTER UPDATE ON post_search BEGIN
            INSERT INTO post_search_fts(post_search_fts, rowid, {cols})
            VALUES ('delete', old.post_id, {old});
            INSERT INTO post_search_fts(rowid, {cols}) VALUES (new.post_id, {new}); END""")
    # The rows of the posts that exist are written by 0010, once the posts are items: the
    # app's indexer (app/search/index.py) reads the item tables.


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for trigger in ("post_search_ai", "post_search_ad", "post_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS post_search_fts")
    op.drop_table('post_search')
