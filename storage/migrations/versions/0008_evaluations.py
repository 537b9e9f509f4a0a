"""evaluations: voters' 评议 of a deputy's annual report, and one ballot per resident asked

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evaluations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('period_from', sa.Date(), nullable=False),
        sa.Column('period_to', sa.Date(), nullable=False),
        sa.Column('station_ids', sa.JSON(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('summary_en', sa.Text(), nullable=True),
        sa.Column('opened_by', sa.BigInteger(), nullable=True),
        sa.Column('opened_at', storage.models.base.UTCDateTime(), nullable=False),
        sa.Column('closes_at', storage.models.base.UTCDateTime(), nullable=False),
        sa.Column('closed_at', storage.models.base.UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=True),
        sa.Column('broadcast_id', sa.Integer(), nullable=True),
        sa.Column('asked', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'],
                                name=op.f('fk_evaluations_broadcast_id_broadcasts')),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'],
                                name=op.f('fk_evaluations_deputy_id_deputies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index('ix_evaluations_due', ['status', 'closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_deputy_id'), ['deputy_id'], unique=False)
    op.create_table(
        'evaluation_ballots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evaluation_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.Enum('satisfied', 'basic', 'unsatisfied', name='satisfaction',
                                    native_enum=False, create_constraint=True, length=16),
                  nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('cast_at', storage.models.base.UTCDateTime(), nullable=False),
        sa.Column('commented_at', storage.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], ondelete='CASCADE',
                                name=op.f('fk_evaluation_ballots_evaluation_id_evaluations')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], ondelete='CASCADE',
                                name=op.f('fk_evaluation_ballots_resident_id_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_ballots')),
        sa.UniqueConstraint('evaluation_id', 'resident_id',
                            name=op.f('uq_evaluation_ballots_evaluation_id_resident_id')),
    )
    with op.batch_alter_table('evaluation_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_ballots_evaluation_id'), ['evaluation_id'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('evaluation_ballots')
    op.drop_table('evaluations')
