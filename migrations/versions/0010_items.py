"""One item model: posts become items (kind "discussion"), replies become comments, and
everything that pointed at a post or reply (stars, attachments, reports, thread mutes, filter
values, chosen readers, search rows, moderation decisions, digest selections) points at the
item or comment, every row carried over with its id.

Read access: a post in the public part without an audience is readable by everyone
("public"), one in the closed part by the members ("members"), one with an audience by the
chosen readers ("chosen"); `part` stays, as it decides moderation and, for chosen readers,
whether they must still be members. Write access of every discussion: its author.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

SEARCH_COLUMNS = ("title_nl", "title_en", "body_nl", "body_en")
STATES = ('pending', 'published', 'rejected', 'hidden', 'deleted')


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def _create_item():
    op.create_table('item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum('item_kind', 'discussion'), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('part', _enum('item_part', 'public', 'closed'), nullable=False),
    sa.Column('state', _enum('item_state', 'draft', *STATES), nullable=False),
    sa.Column('read_access', _enum('item_read_access', 'public', 'members', 'chosen'),
              nullable=False),
    sa.Column('write_access', _enum('item_write_access', 'author', 'members', 'chosen', 'admins'),
              nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('star_count', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('last_comment_at', sa.DateTime(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_item_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_item_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_item_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_item_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item'))
    )
    op.create_index(op.f('ix_item_author_id'), 'item', ['author_id'], unique=False)
    op.create_index('ix_item_board_activity', 'item', ['theme_id', 'state', 'last_activity_at', 'id'], unique=False)
    op.create_index('ix_item_board_comments', 'item', ['theme_id', 'state', 'comment_count', 'id'], unique=False)
    op.create_index('ix_item_board_recent', 'item', ['theme_id', 'state', 'published_at', 'id'], unique=False)
    op.create_index('ix_item_board_stars', 'item', ['theme_id', 'state', 'star_count', 'id'], unique=False)
    op.create_index('ix_item_state_created', 'item', ['state', 'created_at'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('state', _enum('comment_state', 'draft', *STATES), nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_comment_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    op.create_index(op.f('ix_comment_author_id'), 'comment', ['author_id'], unique=False)
    op.create_index('ix_comment_item_created', 'comment', ['item_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_comment_state_created', 'comment', ['state', 'created_at'], unique=False)

    op.create_table('item_filter_value',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('filter_value_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['filter_value_id'], ['filter_value.id'], name=op.f('fk_item_filter_value_filter_value_id_filter_value'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_filter_value_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'filter_value_id', name=op.f('pk_item_filter_value'))
    )
    op.create_index('ix_item_filter_value_value', 'item_filter_value', ['filter_value_id', 'item_id'], unique=False)

    for name in ('item_reader', 'item_writer'):
        op.create_table(name,
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f(f'fk_{name}_item_id_item'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f(f'fk_{name}_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id', 'user_id', name=op.f(f'pk_{name}'))
        )
        op.create_index(f'ix_{name}_user', name, ['user_id', 'item_id'], unique=False)


def _create_post():
    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('part', _enum('post_part', 'public', 'closed'), nullable=False),
    sa.Column('status', _enum('post_status', *STATES), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('star_count', sa.Integer(), nullable=False),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('last_reply_at', sa.DateTime(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_post_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_post_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_post_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_post_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post'))
    )
    op.create_index(op.f('ix_post_author_id'), 'post', ['author_id'], unique=False)
    op.create_index('ix_post_board_activity', 'post', ['theme_id', 'status', 'last_activity_at', 'id'], unique=False)
    op.create_index('ix_post_board_recent', 'post', ['theme_id', 'status', 'published_at', 'id'], unique=False)
    op.create_index('ix_post_board_replies', 'post', ['theme_id', 'status', 'reply_count', 'id'], unique=False)
    op.create_index('ix_post_board_stars', 'post', ['theme_id', 'status', 'star_count', 'id'], unique=False)
    op.create_index('ix_post_status_created', 'post', ['status', 'created_at'], unique=False)

    op.create_table('reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', _enum('reply_status', *STATES), nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_reply_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_reply_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply'))
    )
    op.create_index(op.f('ix_reply_author_id'), 'reply', ['author_id'], unique=False)
    op.create_index('ix_reply_post_created', 'reply', ['post_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_reply_status_created', 'reply', ['status', 'created_at'], unique=False)

    op.create_table('post_filter_value',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('filter_value_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['filter_value_id'], ['filter_value.id'], name=op.f('fk_post_filter_value_filter_value_id_filter_value'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_filter_value_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'filter_value_id', name=op.f('pk_post_filter_value'))
    )
    op.create_index('ix_post_filter_value_value', 'post_filter_value', ['filter_value_id', 'post_id'], unique=False)

    op.create_table('post_audience',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_audience_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_post_audience_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_audience'))
    )
    op.create_index('ix_post_audience_user', 'post_audience', ['user_id', 'post_id'], unique=False)


def _create_search(table, key, parent):
    """The search table of 0008 under a name, with its full-text index (tsvector + GIN on
    PostgreSQL, FTS5 table + triggers on SQLite)."""
    op.create_table(table,
    sa.Column(key, sa.Integer(), nullable=False),
    *(sa.Column(c, sa.Text(), nullable=True) for c in SEARCH_COLUMNS),
    sa.ForeignKeyConstraint([key], [f'{parent}.id'], name=op.f(f'fk_{table}_{key}_{parent}'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint(key, name=op.f(f'pk_{table}'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} ADD COLUMN document tsvector NOT NULL")
        op.execute(f"CREATE INDEX ix_{table}_document ON {table} USING gin (document)")
        return
    cols = ", ".join(SEARCH_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
    fts = f"{table}_fts"
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
               f"content_rowid='{key}', tokenize='unicode61 remove_diacritics 0')")
    op.execute(f"""CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN
        INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new}); END""")
    op.execute(f"""CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old}); END""")
    op.execute(f"""CREATE TRIGGER {table}_au AFTER UPDATE ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old});
        INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new}); END""")


def _drop_search(table):
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    op.drop_table(table)


def _copy_search(src, src_key, dst, dst_key):
    cols = ", ".join(SEARCH_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        cols += ", document"
    op.execute(f"INSERT INTO {dst} ({dst_key}, {cols}) SELECT {src_key}, {cols} FROM {src}")


def _reset_sequences(*tables):
    """After rows were inserted with their ids: PostgreSQL's sequences continue after them."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")


# The tables that keep their name and point at the item (or comment) instead:
# (table, old column, new column, old parent, new parent, index: (old name, new name) or None)
REFERENCES = (
    ("star", "post_id", "item_id", "post", "item", ("ix_star_post", "ix_star_item")),
    ("attachment", "post_id", "item_id", "post", "item",
     ("ix_attachment_post_id", "ix_attachment_item_id")),
    ("report", "post_id", "item_id", "post", "item", ("ix_report_post_id", "ix_report_item_id")),
    ("report", "reply_id", "comment_id", "reply", "comment", None),
    ("thread_mute", "post_id", "item_id", "post", "item", None),
)


def _repoint(forward: bool):
    for table, old_col, new_col, old_parent, new_parent, index in REFERENCES:
        src_col, dst_col = (old_col, new_col) if forward else (new_col, old_col)
        src_parent, dst_parent = (old_parent, new_parent) if forward else (new_parent, old_parent)
        if index:
            src_index, dst_index = index if forward else index[::-1]
            op.drop_index(src_index, table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_{src_col}_{src_parent}", type_="foreignkey")
            batch_op.alter_column(src_col, new_column_name=dst_col)
        with op.batch_alter_table(table) as batch_op:  # after the rename (SQLite rebuilds)
            batch_op.create_foreign_key(f"fk_{table}_{dst_col}_{dst_parent}", dst_parent,
                                        [dst_col], ["id"], ondelete="CASCADE")
        if index:
            op.create_index(dst_index, table, [dst_col], unique=False)
    with op.batch_alter_table("digest_run") as batch_op:
        batch_op.alter_column("post_ids" if forward else "item_ids",
                              new_column_name="item_ids" if forward else "post_ids")


def _retarget(table, pairs):
    """Rewrite "kind:<id>" target strings from one vocabulary to the other."""
    for old, new in pairs:
        op.execute(f"UPDATE {table} SET target = '{new}:' || substr(target, {len(old) + 2}) "
                   f"WHERE target LIKE '{old}:%'")


def upgrade():
    _create_item()
    op.execute("""INSERT INTO item (id, kind, theme_id, author_id, organisation_id, category_id,
        title, body, body_html, part, state, read_access, write_access, moderation_note,
        created_at, updated_at, published_at, star_count, comment_count, last_comment_at,
        last_activity_at)
        SELECT id, 'discussion', theme_id, author_id, organisation_id, category_id, title, body,
        body_html, part, status,
        CASE WHEN restricted THEN 'chosen' WHEN part = 'public' THEN 'public' ELSE 'members' END,
        'author', moderation_note, created_at, updated_at, published_at, star_count,
        reply_count, last_reply_at, last_activity_at FROM post""")
    op.execute("""INSERT INTO comment (id, item_id, author_id, body, body_html, state,
        moderation_note, created_at, updated_at, published_at)
        SELECT id, post_id, author_id, body, body_html, status, moderation_note, created_at,
        updated_at, published_at FROM reply""")
    op.execute("INSERT INTO item_filter_value (item_id, filter_value_id) "
               "SELECT post_id, filter_value_id FROM post_filter_value")
    op.execute("INSERT INTO item_reader (item_id, user_id) SELECT post_id, user_id FROM post_audience")
    _reset_sequences("item", "comment")
    _create_search("item_search", "item_id", "item")
    _copy_search("post_search", "post_id", "item_search", "item_id")

    _repoint(forward=True)
    _retarget("report", (("post", "item"), ("reply", "comment")))
    _retarget("moderation_decision", (("post", "item"), ("reply", "comment")))

    _drop_search("post_search")
    op.drop_table("post_audience")
    op.drop_table("post_filter_value")
    op.drop_table("reply")
    op.drop_table("post")


def downgrade():
    _create_post()
    op.execute("""INSERT INTO post (id, theme_id, author_id, organisation_id, category_id,
        title, body, body_html, part, status, restricted, moderation_note, created_at,
        updated_at, published_at, star_count, reply_count, last_reply_at, last_activity_at)
        SELECT id, theme_id, author_id, organisation_id, category_id, title, body, body_html,
        part, CASE WHEN state = 'draft' THEN 'pending' ELSE state END,
        read_access = 'chosen', moderation_note, created_at, updated_at, published_at,
        star_count, comment_count, last_comment_at, last_activity_at FROM item""")
    op.execute("""INSERT INTO reply (id, post_id, author_id, body, body_html, status,
        moderation_note, created_at, updated_at, published_at)
        SELECT id, item_id, author_id, body, body_html,
        CASE WHEN state = 'draft' THEN 'pending' ELSE state END, moderation_note, created_at,
        updated_at, published_at FROM comment""")
    op.execute("INSERT INTO post_filter_value (post_id, filter_value_id) "
               "SELECT item_id, filter_value_id FROM item_filter_value")
    op.execute("INSERT INTO post_audience (post_id, user_id) SELECT item_id, user_id FROM item_reader")
    _reset_sequences("post", "reply")
    _create_search("post_search", "post_id", "post")
    _copy_search("item_search", "item_id", "post_search", "post_id")

    _repoint(forward=False)
    _retarget("report", (("item", "post"), ("comment", "reply")))
    _retarget("moderation_decision", (("item", "post"), ("comment", "reply")))

    _drop_search("item_search")
    op.drop_table("item_writer")
    op.drop_table("item_reader")
    op.drop_table("item_filter_value")
    op.drop_table("comment")
    op.drop_table("item")
