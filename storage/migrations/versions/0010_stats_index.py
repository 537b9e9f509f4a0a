"""stats index: the three rates are read from one covering index of suggestions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 03:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COLUMNS = ['station_id', 'assignee_deputy_id', 'status', 'first_response_due',
           'first_response_at', 'created_at', 'satisfaction']


def upgrade() -> None:
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestions_stats', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_stats')
