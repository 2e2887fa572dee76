"""Board: posts, replies, stars, attachments, categories, filters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 17:34:09.820621

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_category_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('theme_id', 'name', name='uq_category_theme_name')
    )
    op.create_table('filter_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_filter_group_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filter_group')),
    sa.UniqueConstraint('theme_id', 'name', name='uq_filter_group_theme_name')
    )
    op.create_table('filter_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['filter_group.id'], name=op.f('fk_filter_value_group_id_filter_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filter_value')),
    sa.UniqueConstraint('group_id', 'name', name='uq_filter_value_group_name')
    )
    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('part', sa.Enum('public', 'closed', name='post_part', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'published', 'rejected', 'hidden', 'deleted', name='post_status', native_enum=False, length=20), nullable=False),
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
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_post_board_activity', ['theme_id', 'status', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_post_board_recent', ['theme_id', 'status', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_post_board_replies', ['theme_id', 'status', 'reply_count', 'id'], unique=False)
        batch_op.create_index('ix_post_board_stars', ['theme_id', 'status', 'star_count', 'id'], unique=False)
        batch_op.create_index('ix_post_status_created', ['status', 'created_at'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('is_image', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_attachment_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_post_id'), ['post_id'], unique=False)

    op.create_table('post_audience',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_audience_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_post_audience_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_audience'))
    )
    with op.batch_alter_table('post_audience', schema=None) as batch_op:
        batch_op.create_index('ix_post_audience_user', ['user_id', 'post_id'], unique=False)

    op.create_table('post_filter_value',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('filter_value_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['filter_value_id'], ['filter_value.id'], name=op.f('fk_post_filter_value_filter_value_id_filter_value'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_filter_value_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'filter_value_id', name=op.f('pk_post_filter_value'))
    )
    with op.batch_alter_table('post_filter_value', schema=None) as batch_op:
        batch_op.create_index('ix_post_filter_value_value', ['filter_value_id', 'post_id'], unique=False)

    op.create_table('reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'published', 'rejected', 'hidden', 'deleted', name='reply_status', native_enum=False, length=20), nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_reply_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_reply_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply'))
    )
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_reply_post_created', ['post_id', 'created_at', 'id'], unique=False)

    op.create_table('star',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_star_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_star_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'post_id', name=op.f('pk_star'))
    )
    with op.batch_alter_table('star', schema=None) as batch_op:
        batch_op.create_index('ix_star_post', ['post_id'], unique=False)



def downgrade():
    with op.batch_alter_table('star', schema=None) as batch_op:
        batch_op.drop_index('ix_star_post')

    op.drop_table('star')
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_post_created')
        batch_op.drop_index(batch_op.f('ix_reply_author_id'))

    op.drop_table('reply')
    with op.batch_alter_table('post_filter_value', schema=None) as batch_op:
        batch_op.drop_index('ix_post_filter_value_value')

    op.drop_table('post_filter_value')
    with op.batch_alter_table('post_audience', schema=None) as batch_op:
        batch_op.drop_index('ix_post_audience_user')

    op.drop_table('post_audience')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_post_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index('ix_post_status_created')
        batch_op.drop_index('ix_post_board_stars')
        batch_op.drop_index('ix_post_board_replies')
        batch_op.drop_index('ix_post_board_recent')
        batch_op.drop_index('ix_post_board_activity')
        batch_op.drop_index(batch_op.f('ix_post_author_id'))

    op.drop_table('post')
    op.drop_table('filter_value')
    op.drop_table('filter_group')
    op.drop_table('category')
