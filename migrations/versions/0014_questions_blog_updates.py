"""Questions (with a best answer), stars on comments, blog articles and status updates (with
the preview of their link).

Revision ID: 0011_qbs
Revises: 0011_files
Create Date: 2026-11-23 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_qbs'
down_revision = '0011_files'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (no table copy): the comment table keeps its search triggers
    op.add_column('comment', sa.Column('star_count', sa.Integer(), server_default='0',
                                       nullable=False))
    op.create_table('question',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('best_comment_id', sa.Integer(), nullable=True),
    sa.Column('best_marked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['best_comment_id'], ['comment.id'], name=op.f('fk_question_best_comment_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_question_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_question'))
    )
    op.create_index(op.f('ix_question_best_comment_id'), 'question', ['best_comment_id'], unique=False)
    op.create_table('comment_star',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_star_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_comment_star_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'comment_id', name=op.f('pk_comment_star'))
    )
    op.create_index('ix_comment_star_comment', 'comment_star', ['comment_id'], unique=False)
    op.create_table('blog_article',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('intro', sa.String(length=300), nullable=False),
    sa.Column('cover_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cover_id'], ['attachment.id'], name=op.f('fk_blog_article_cover_id_attachment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_blog_article_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_blog_article'))
    )
    op.create_table('status_update',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('link_url', sa.String(length=500), nullable=True),
    sa.Column('link_title', sa.String(length=200), nullable=True),
    sa.Column('link_description', sa.String(length=300), nullable=True),
    sa.Column('link_checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['image_id'], ['attachment.id'], name=op.f('fk_status_update_image_id_attachment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_status_update_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_status_update'))
    )


def downgrade():
    op.drop_table('status_update')
    op.drop_table('blog_article')
    op.drop_index('ix_comment_star_comment', table_name='comment_star')
    op.drop_table('comment_star')
    op.drop_index(op.f('ix_question_best_comment_id'), table_name='question')
    op.drop_table('question')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('star_count')
