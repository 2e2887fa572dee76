"""Replies by state: the moderation queue finds waiting replies without reading them all.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 20:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_reply_status_created', 'reply', ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_reply_status_created', table_name='reply')
