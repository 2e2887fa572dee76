"""Wiki pages (a tree per theme, with revisions) and tasks (state, due date, assignees): the
tables of the item kinds "wiki_page" and "task".

Revision ID: 0011_wikitasks
Revises: 0011_exit
Create Date: 2026-11-23 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_wikitasks'
down_revision = '0011_exit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wiki_page',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_wiki_page_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['wiki_page.item_id'], name=op.f('fk_wiki_page_parent_id_wiki_page'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_wiki_page'))
    )
    op.create_index(op.f('ix_wiki_page_parent_id'), 'wiki_page', ['parent_id'], unique=False)
    op.create_table('wiki_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_wiki_revision_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_wiki_revision_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wiki_revision')),
    sa.UniqueConstraint('item_id', 'number', name='uq_wiki_revision_number')
    )
    op.create_index(op.f('ix_wiki_revision_author_id'), 'wiki_revision', ['author_id'], unique=False)
    op.create_table('task',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('new', 'in_progress', 'done', name='task_state', native_enum=False, length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_task_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_task'))
    )
    op.create_index('ix_task_state', 'task', ['state'], unique=False)
    op.create_table('task_assignee',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['task.item_id'], name=op.f('fk_task_assignee_item_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_task_assignee_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'user_id', name=op.f('pk_task_assignee'))
    )
    op.create_index('ix_task_assignee_user', 'task_assignee', ['user_id', 'item_id'], unique=False)


def downgrade():
    op.drop_index('ix_task_assignee_user', table_name='task_assignee')
    op.drop_table('task_assignee')
    op.drop_index('ix_task_state', table_name='task')
    op.drop_table('task')
    op.drop_index(op.f('ix_wiki_revision_author_id'), table_name='wiki_revision')
    op.drop_table('wiki_revision')
    op.drop_index(op.f('ix_wiki_page_parent_id'), table_name='wiki_page')
    op.drop_table('wiki_page')
