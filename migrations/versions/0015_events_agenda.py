"""Events on a theme's agenda: the event table (an item of kind "event" with its time, place,
link and attendee limit), the members' answers, and the personal calendar-feed tokens.

Revision ID: 0011_events
Revises: 0011_qbs
Create Date: 2026-11-23 19:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_events'
down_revision = '0011_qbs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('max_attendees', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_event_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_event'))
    )
    op.create_index('ix_event_starts', 'event', ['starts_at', 'item_id'], unique=False)
    op.create_index('ix_event_ends', 'event', ['ends_at', 'item_id'], unique=False)

    op.create_table('event_response',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('attending', 'maybe', 'declined', name='event_answer',
                                native_enum=False, length=20), nullable=False),
    sa.Column('waitlisted', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['event.item_id'], name=op.f('fk_event_response_item_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_event_response_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'user_id', name=op.f('pk_event_response'))
    )
    op.create_index('ix_event_response_user', 'event_response', ['user_id', 'item_id'], unique=False)
    op.create_index('ix_event_response_queue', 'event_response',
                    ['item_id', 'answer', 'waitlisted', 'answered_at'], unique=False)

    op.create_table('calendar_token',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_token_token_hash'))
    )


def downgrade():
    op.drop_table('calendar_token')
    op.drop_index('ix_event_response_queue', table_name='event_response')
    op.drop_index('ix_event_response_user', table_name='event_response')
    op.drop_table('event_response')
    op.drop_index('ix_event_ends', table_name='event')
    op.drop_index('ix_event_starts', table_name='event')
    op.drop_table('event')
