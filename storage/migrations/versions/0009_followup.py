"""followup: "was it really fixed?" on suggestions, and 公示 settings per staff group

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup_asked_at', storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('followup_answer', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('followup_answered_at', storage.models.base.UTCDateTime(), nullable=True))
    op.create_table(
        'publicity_areas',
        sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('district_code', sa.String(length=6), nullable=True),
        sa.Column('town_code', sa.String(length=9), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('changed_by', sa.BigInteger(), nullable=True),
        sa.Column('changed_at', storage.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_month', sa.String(length=7), nullable=True),
        sa.Column('last_broadcast_id', sa.Integer(), nullable=True),
        sa.Column('last_card_outbox_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_publicity_areas_district_code_districts')),
        sa.ForeignKeyConstraint(['town_code'], ['towns.code'], name=op.f('fk_publicity_areas_town_code_towns')),
        sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_publicity_areas')),
    )
    with op.batch_alter_table('publicity_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_areas_last_card_outbox_id'), ['last_card_outbox_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('publicity_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_areas_last_card_outbox_id'))
    op.drop_table('publicity_areas')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        for column in ('followup_answered_at', 'followup_answer', 'followup_asked_at'):
            batch_op.drop_column(column)
