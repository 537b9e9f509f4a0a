"""broadcasts: one engine for announcements to any audience (deliveries fixed at confirmation)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 01:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_en', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('media_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('media_file_id', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('audience', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('payloads', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('send_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='done'))
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('card_message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('finished_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_broadcasts_status'), ['status'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='sent'))
        batch_op.add_column(sa.Column('not_before', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_deliveries_due', ['broadcast_id', 'status'], unique=False)
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcements_off_at', storage.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('announcements_off_at')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_due')
        for column in ('sent_at', 'lease_until', 'not_before', 'status'):
            batch_op.drop_column(column)
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_status'))
        for column in ('finished_at', 'confirmed_at', 'card_message_id', 'chat_id', 'total',
                       'status', 'send_at', 'urgent', 'payloads', 'audience', 'media_file_id',
                       'media_kind', 'text_en'):
            batch_op.drop_column(column)
