"""Per-theme switches for the kinds of content a theme uses.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 17:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme_feature',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_feature_theme_id_theme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_theme_feature_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('theme_id', 'kind', name=op.f('pk_theme_feature'))
    )


def downgrade():
    op.drop_table('theme_feature')
