"""Moderation: reports and the decision log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 17:48:55.651125

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=40), nullable=False),
    sa.Column('action', sa.Enum('approve', 'reject', 'edit_approve', 'hide', 'delete', 'dismiss', 'accept_member', 'reject_member', 'remove_member', name='moderation_action', native_enum=False, length=20), nullable=False),
    sa.Column('target', sa.String(length=30), nullable=False),
    sa.Column('summary', sa.String(length=250), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before_text', sa.Text(), nullable=True),
    sa.Column('after_text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_moderation_decision_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_moderation_decision_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_decision'))
    )
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_decision_target', ['target', 'created_at'], unique=False)
        batch_op.create_index('ix_moderation_decision_theme', ['theme_id', 'created_at'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=30), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('spam', 'off_topic', 'offensive', 'privacy', 'other', name='report_reason', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.Enum('hidden', 'deleted', 'dismissed', name='report_resolution', native_enum=False, length=20), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_report_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_report_reply_id_reply'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], name=op.f('fk_report_reporter_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_report_resolved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_report_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('reporter_id', 'target', name='uq_report_reporter_target')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_report_queue', ['theme_id', 'resolved_at', 'created_at'], unique=False)
        batch_op.create_index('ix_report_target', ['target', 'resolved_at'], unique=False)



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_target')
        batch_op.drop_index('ix_report_queue')
        batch_op.drop_index(batch_op.f('ix_report_post_id'))

    op.drop_table('report')
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_decision_theme')
        batch_op.drop_index('ix_moderation_decision_target')

    op.drop_table('moderation_decision')
