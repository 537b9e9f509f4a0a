"""delivery queue index: a broadcast's next pending recipients in resident order, from the index

The broadcast lane leases "the next pending recipients of broadcast B, by resident" every second.
With (broadcast_id, status) alone the database sorts all pending rows for each lease (10,000 at
the start of a district-wide broadcast); with resident_id in the index it reads them in order.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 03:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_queue', ['broadcast_id', 'status', 'resident_id'],
                              unique=False)
        batch_op.drop_index('ix_deliveries_due')


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['broadcast_id', 'status'], unique=False)
        batch_op.drop_index('ix_deliveries_queue')
