"""forwarded messages: an edit of a staff or deputy answer follows its copy to the resident

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('forwarded_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_chat_id', sa.BigInteger(), nullable=False),
    sa.Column('source_message_id', sa.BigInteger(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('timeline_entry_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_forwarded_messages_outbox_id_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_forwarded_messages_suggestion_id_suggestions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['timeline_entry_id'], ['timeline_entries.id'], name=op.f('fk_forwarded_messages_timeline_entry_id_timeline_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forwarded_messages')),
    sa.UniqueConstraint('source_chat_id', 'source_message_id', name=op.f('uq_forwarded_messages_source_chat_id_source_message_id'))
    )
    with op.batch_alter_table('forwarded_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forwarded_messages_suggestion_id'), ['suggestion_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('forwarded_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forwarded_messages_suggestion_id'))
    op.drop_table('forwarded_messages')
