"""The calendar: station rhythm, deputies' answers, bookings, check-ins, minutes, 代录

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 23:37:04.455310
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'waiting', 'cancelled', name='bookingstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(), nullable=False),
    sa.Column('promoted_at', storage.models.base.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', storage.models.base.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', storage.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_bookings_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_bookings_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('meeting_id', 'resident_id', name=op.f('uq_bookings_meeting_id_resident_id'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_resident_id'), ['resident_id'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('at', storage.models.base.UTCDateTime(), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_check_ins_deputy_id_deputies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_check_ins_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_check_ins_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('meeting_id', 'deputy_id', name=op.f('uq_check_ins_meeting_id_deputy_id')),
    sa.UniqueConstraint('meeting_id', 'resident_id', name=op.f('uq_check_ins_meeting_id_resident_id'))
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.String(length=256), nullable=False),
    sa.Column('file_unique_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_photos_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_photos'))
    )
    with op.batch_alter_table('meeting_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_photos_meeting_id'), ['meeting_id'], unique=False)

    with op.batch_alter_table('meeting_deputies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response', sa.Enum('attending', 'declined', name='deputyresponse', native_enum=False, create_constraint=True, length=16), nullable=True))
        batch_op.add_column(sa.Column('responded_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('notified_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', storage.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=False, server_default='20'))
        batch_op.add_column(sa.Column('person_in_charge', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('edited_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('checkin_token', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('walk_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('minutes', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('closed_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('close_reminders', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('card_chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('card_thread_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('card_message_id', sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_meetings_checkin_token'), ['checkin_token'])

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rhythm', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rhythm_minutes', sa.Integer(), nullable=False, server_default='150'))
        batch_op.add_column(sa.Column('person_in_charge', sa.String(length=64), nullable=False, server_default=''))

    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('recorded_by_kind', sa.Enum('resident', 'staff', 'deputy', 'system', name='actorkind', native_enum=False, create_constraint=True, length=16), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_channel', sa.Enum('telegram', 'phone', 'in_person', name='answerchannel', native_enum=False, create_constraint=True, length=16), nullable=False, server_default='telegram'))
        batch_op.create_index(batch_op.f('ix_suggestions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_suggestions_meeting_id_meetings'), 'meetings', ['meeting_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_suggestions_meeting_id_meetings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_suggestions_meeting_id'))
        batch_op.drop_column('answer_channel')
        batch_op.drop_column('meeting_id')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('recorded_by_kind')
        batch_op.drop_column('on_behalf')

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_column('person_in_charge')
        batch_op.drop_column('rhythm_minutes')
        batch_op.drop_column('rhythm')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_meetings_checkin_token'), type_='unique')
        batch_op.drop_column('card_message_id')
        batch_op.drop_column('card_thread_id')
        batch_op.drop_column('card_chat_id')
        batch_op.drop_column('close_reminders')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('minutes')
        batch_op.drop_column('walk_ins')
        batch_op.drop_column('checkin_token')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('person_in_charge')
        batch_op.drop_column('capacity')

    with op.batch_alter_table('meeting_deputies', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('notified_at')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('response')

    with op.batch_alter_table('meeting_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_photos_meeting_id'))

    op.drop_table('meeting_photos')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_ins_meeting_id'))

    op.drop_table('check_ins')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_resident_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_meeting_id'))

    op.drop_table('bookings')
