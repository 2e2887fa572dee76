"""Roles, notifications and own data: a theme can be deleted (kept restorable, `deleted_at`),
invitations by e-mail to join a theme (only the hash of their link's token is kept), and the
in-app notification list (`notice`, and each person's unread count on their row).

Revision ID: 0011_roles
Revises: 0011_people
Create Date: 2026-11-23 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_roles'
down_revision = '0011_people'
branch_labels = None
depends_on = None

NOTICE_KINDS = ('reply', 'mention', 'approved', 'rejected', 'hidden', 'removed', 'invitation')


def upgrade():
    # (not in batch mode: rebuilding `user` on SQLite would lose its expression index)
    op.add_column('user', sa.Column('unread_notices', sa.Integer(), server_default='0',
                                    nullable=False))

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_theme_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_invitation_accepted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_invitation_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    op.create_index(op.f('ix_invitation_theme_id'), 'invitation', ['theme_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*NOTICE_KINDS, name='notice_kind', native_enum=False, length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_notice_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_notice_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_notice_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_notice_theme_id_theme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notice_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    op.create_index(op.f('ix_notice_actor_id'), 'notice', ['actor_id'], unique=False)
    op.create_index(op.f('ix_notice_comment_id'), 'notice', ['comment_id'], unique=False)
    op.create_index(op.f('ix_notice_item_id'), 'notice', ['item_id'], unique=False)
    op.create_index(op.f('ix_notice_theme_id'), 'notice', ['theme_id'], unique=False)
    op.create_index('ix_notice_user_created', 'notice', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_notice_user_unread', 'notice', ['user_id', 'read_at'], unique=False)


def downgrade():
    op.drop_table('notice')
    op.drop_table('invitation')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_deleted_at'))
        batch_op.drop_column('deleted_at')
    op.drop_column('user', 'unread_notices')
