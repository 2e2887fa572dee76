"""Profiles with a visibility per field, the platform owner's profile fields, bookmarks.

Revision ID: 0011_people
Revises: 0010
Create Date: 2026-11-23 19:38:43.269560

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_people'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('profile_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label_nl', sa.String(length=80), nullable=False),
    sa.Column('label_en', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('text', 'url', name='profile_field_kind', native_enum=False, length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_field'))
    )
    op.create_table('profile',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('photo_name', sa.String(length=64), nullable=True),
    sa.Column('photo_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('organisation_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('function', sa.String(length=120), nullable=False),
    sa.Column('function_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('email_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('phone_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('about_html', sa.Text(), nullable=False),
    sa.Column('about_visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_profile_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_profile'))
    )
    op.create_table('profile_field_value',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('visibility', sa.Enum('private', 'themes', 'logged_in', 'public', name='profile_visibility', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['profile_field.id'], name=op.f('fk_profile_field_value_field_id_profile_field'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_profile_field_value_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'field_id', name=op.f('pk_profile_field_value'))
    )
    op.create_table('bookmark',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_bookmark_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_bookmark_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'item_id', name=op.f('pk_bookmark'))
    )
    with op.batch_alter_table('bookmark', schema=None) as batch_op:
        batch_op.create_index('ix_bookmark_user_created', ['user_id', 'created_at', 'item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('bookmark', schema=None) as batch_op:
        batch_op.drop_index('ix_bookmark_user_created')

    op.drop_table('bookmark')
    op.drop_table('profile_field_value')
    op.drop_table('profile')
    op.drop_table('profile_field')
