"""resident chat index: deliveries find a resident by chat without scanning them all

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 03:50:00
"""
from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residents_chat_id'), ['chat_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residents_chat_id'))
