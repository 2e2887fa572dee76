"""An organisation's branding: logo, colours and own host name of a top-level theme.

Revision ID: 0011_outward
Revises: 0011_events
Create Date: 2026-11-23 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_outward'
down_revision = '0011_events'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme_branding',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=253), nullable=True),
    sa.Column('primary_color', sa.String(length=7), nullable=True),
    sa.Column('accent_color', sa.String(length=7), nullable=True),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('logo_width', sa.Integer(), nullable=True),
    sa.Column('logo_height', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_branding_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('theme_id', name=op.f('pk_theme_branding')),
    sa.UniqueConstraint('host', name=op.f('uq_theme_branding_host'))
    )


def downgrade():
    op.drop_table('theme_branding')
