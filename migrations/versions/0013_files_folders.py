"""Files and folders: the rows only folders and files have (next to their item rows of kind
"folder" and "file"), a file's versions, and each theme's file quota with its bytes used.

Revision ID: 0011_files
Revises: 0011_roles
Create Date: 2026-11-23 19:42:08.912140

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_files'
down_revision = '0011_roles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme_storage',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('quota_mb', sa.Integer(), nullable=True),
    sa.Column('bytes_used', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_storage_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('theme_id', name=op.f('pk_theme_storage'))
    )
    op.create_table('folder',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('inherits_access', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_with_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['user.id'], name=op.f('fk_folder_deleted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_folder_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['folder.item_id'], name=op.f('fk_folder_parent_id_folder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_folder'))
    )
    with op.batch_alter_table('folder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_folder_parent_id'), ['parent_id'], unique=False)

    op.create_table('file',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('folder_id', sa.Integer(), nullable=True),
    sa.Column('inherits_access', sa.Boolean(), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('version_count', sa.Integer(), nullable=False),
    sa.Column('thumbnail_name', sa.String(length=80), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('text_state', sa.Enum('pending', 'done', 'none', 'failed', name='file_text_state', native_enum=False, length=20), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_with_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['user.id'], name=op.f('fk_file_deleted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['folder_id'], ['folder.item_id'], name=op.f('fk_file_folder_id_folder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_file_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_file'))
    )
    with op.batch_alter_table('file', schema=None) as batch_op:
        batch_op.create_index('ix_file_folder_name', ['folder_id', 'name_key'], unique=False)
        batch_op.create_index('ix_file_text_state', ['text_state'], unique=False)

    op.create_table('file_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['file.item_id'], name=op.f('fk_file_version_file_id_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['user.id'], name=op.f('fk_file_version_uploader_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_version')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_file_version_stored_name'))
    )
    with op.batch_alter_table('file_version', schema=None) as batch_op:
        batch_op.create_index('ix_file_version_file', ['file_id', 'number'], unique=True)



def downgrade():
    with op.batch_alter_table('file_version', schema=None) as batch_op:
        batch_op.drop_index('ix_file_version_file')

    op.drop_table('file_version')
    with op.batch_alter_table('file', schema=None) as batch_op:
        batch_op.drop_index('ix_file_text_state')
        batch_op.drop_index('ix_file_folder_name')

    op.drop_table('file')
    with op.batch_alter_table('folder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_folder_parent_id'))

    op.drop_table('folder')
    op.drop_table('theme_storage')
