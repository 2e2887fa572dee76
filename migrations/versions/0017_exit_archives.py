"""Archive jobs: a top-level theme's complete archive, asked for by its owner and built by the
scheduler (at most one being built per theme).

Revision ID: 0011_exit
Revises: 0011_outward
Create Date: 2026-11-23 19:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_exit'
down_revision = '0011_outward'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archive_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('building', 'ready', 'failed', 'expired', name='archive_status',
                                native_enum=False, length=20), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_archive_job_requested_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_archive_job_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_job'))
    )
    with op.batch_alter_table('archive_job', schema=None) as batch_op:
        batch_op.create_index('ix_archive_job_theme_created', ['theme_id', 'created_at'], unique=False)
        batch_op.create_index('uq_archive_job_building', ['theme_id'], unique=True, sqlite_where=sa.text("status = 'building'"), postgresql_where=sa.text("status = 'building'"))


def downgrade():
    with op.batch_alter_table('archive_job', schema=None) as batch_op:
        batch_op.drop_index('uq_archive_job_building', sqlite_where=sa.text("status = 'building'"), postgresql_where=sa.text("status = 'building'"))
        batch_op.drop_index('ix_archive_job_theme_created')

    op.drop_table('archive_job')
