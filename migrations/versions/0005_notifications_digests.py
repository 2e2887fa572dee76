"""Notification settings, thread mutes, digest runs and deliveries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:04:13.504884

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Columns added to tables that already have rows get server defaults.
    op.create_table('digest_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.DateTime(), nullable=False),
    sa.Column('period_end', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('post_ids', sa.JSON(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_digest_run_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_run')),
    sa.UniqueConstraint('key', name=op.f('uq_digest_run_key'))
    )
    with op.batch_alter_table('digest_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_run_theme_id'), ['theme_id'], unique=False)

    op.create_table('digest_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_digest_delivery_outbox_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['digest_run.id'], name=op.f('fk_digest_delivery_run_id_digest_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_digest_delivery_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_delivery')),
    sa.UniqueConstraint('run_id', 'user_id', name='uq_digest_delivery_run_user')
    )
    op.create_table('thread_mute',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_thread_mute_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_thread_mute_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'post_id', name=op.f('pk_thread_mute'))
    )
    # Plain ADD COLUMN (no batch table rebuild): on SQLite a rebuild would silently drop the
    # expression and partial indexes (case-insensitive user names, one owner per theme).
    op.add_column('membership', sa.Column('notifications', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('theme', sa.Column('digest_frequency', sa.String(length=10), nullable=False, server_default='weekly'))
    op.add_column('theme', sa.Column('members_may_push', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('user', sa.Column('overview_frequency', sa.String(length=10), nullable=False, server_default='weekly'))
    op.add_column('user', sa.Column('last_overview_at', sa.DateTime(), nullable=True))
    op.add_column('user', sa.Column('admin_digest', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    # SQLite 3.35+ drops columns in place, keeping the other indexes.
    for table, column in [('user', 'admin_digest'), ('user', 'last_overview_at'),
                          ('user', 'overview_frequency'), ('theme', 'members_may_push'),
                          ('theme', 'digest_frequency'), ('membership', 'notifications')]:
        op.drop_column(table, column)

    op.drop_table('thread_mute')
    op.drop_table('digest_delivery')
    with op.batch_alter_table('digest_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_run_theme_id'))

    op.drop_table('digest_run')
