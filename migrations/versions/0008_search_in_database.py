"""Search inside the database: a search row per post, matched by PostgreSQL full-text search
(tsvector + GIN) or SQLite FTS5, and the rows built for the posts that exist.

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
    _build_rows(bind)


# The tables as they are at this revision (the app's models may have moved on since).
_post = sa.table("post", sa.column("id"), sa.column("title"), sa.column("body"),
                 sa.column("status"), sa.column("author_id"), sa.column("organisation_id"))
_reply = sa.table("reply", sa.column("id"), sa.column("post_id"), sa.column("body"),
                  sa.column("status"))
_attachment = sa.table("attachment", sa.column("id"), sa.column("post_id"),
                       sa.column("filename"))
_user = sa.table("user", sa.column("id"), sa.column("username"))
_organisation = sa.table("organisation", sa.column("id"), sa.column("name"))


def _build_rows(bind, batch=2000):
    """A search row for every post that is not deleted, analysed as the app does."""
    from app.search.analysis import terms
    from app.search.index import tsvector_literal

    postgresql = bind.dialect.name == "postgresql"
    last = 0
    while True:
        posts = bind.execute(
            sa.select(_post.c.id, _post.c.title, _post.c.body, _user.c.username,
                      _organisation.c.name)
            .select_from(_post.outerjoin(_user, _user.c.id == _post.c.author_id)
                         .outerjoin(_organisation, _organisation.c.id == _post.c.organisation_id))
            .where(_post.c.id > last, _post.c.status != "deleted")
            .order_by(_post.c.id).limit(batch)).all()
        if not posts:
            return
        ids = [p[0] for p in posts]
        last = ids[-1]
        extra = {}
        for post_id, text in bind.execute(
                sa.select(_reply.c.post_id, _reply.c.body)
                .where(_reply.c.post_id.in_(ids), _reply.c.status == "published")
                .order_by(_reply.c.post_id, _reply.c.id)):
            extra.setdefault(post_id, []).append(text)
        for post_id, name in bind.execute(
                sa.select(_attachment.c.post_id, _attachment.c.filename)
                .where(_attachment.c.post_id.in_(ids))
                .order_by(_attachment.c.post_id, _attachment.c.id)):
            extra.setdefault(post_id, []).append(name)
        rows = []
        for post_id, title, body, author, organisation in posts:
            title_nl, title_en = terms(title)
            body_nl, body_en = terms("\n".join([body or "", *extra.get(post_id, []),
                                                author or "", organisation or ""]))
            row = dict(post_id=post_id, title_nl=title_nl, title_en=title_en,
                       body_nl=body_nl, body_en=body_en)
            if postgresql:  # the tsvector holds the stems; the text columns stay empty
                row["document"] = tsvector_literal(title_nl, title_en, body_nl, body_en)
                row.update(title_nl=None, title_en=None, body_nl=None, body_en=None)
            rows.append(row)
        columns = "post_id, title_nl, title_en, body_nl, body_en"
        values = ":post_id, :title_nl, :title_en, :body_nl, :body_en"
        if postgresql:
            columns += ", document"
            values += ", CAST(:document AS tsvector)"
        bind.execute(sa.text(f"INSERT INTO post_search ({columns}) VALUES ({values})"), rows)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for trigger in ("post_search_ai", "post_search_ad", "post_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS post_search_fts")
    op.drop_table('post_search')
