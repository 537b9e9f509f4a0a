"""districts: towns belong to a district; staff groups bound to an area

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 23:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _district_names() -> dict[str, str]:
    from storage.divisions import district_names

    return district_names()


def upgrade() -> None:
    op.create_table('districts',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    # Existing towns get the district their code names (the first six digits).
    conn = op.get_bind()
    prefixes = sorted({code[:6] for (code,) in conn.execute(sa.text("SELECT code FROM towns"))})
    names = _district_names()
    districts = sa.table('districts', sa.column('code', sa.String), sa.column('name', sa.String))
    if prefixes:
        op.bulk_insert(districts, [{'code': p, 'name': names.get(p, p)} for p in prefixes])
    with op.batch_alter_table('towns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_code', sa.String(length=6), nullable=True))
    conn.execute(sa.text("UPDATE towns SET district_code = substr(code, 1, 6)"))
    with op.batch_alter_table('towns', schema=None) as batch_op:
        batch_op.alter_column('district_code', existing_type=sa.String(length=6), nullable=False)
        batch_op.create_index(batch_op.f('ix_towns_district_code'), ['district_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_towns_district_code_districts'), 'districts', ['district_code'], ['code'])

    op.create_table('staff_chats',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('town_code', sa.String(length=9), nullable=True),
    sa.Column('bound_by', sa.BigInteger(), nullable=True),
    sa.Column('bound_at', storage.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_staff_chats_district_code_districts')),
    sa.ForeignKeyConstraint(['town_code'], ['towns.code'], name=op.f('fk_staff_chats_town_code_towns')),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_staff_chats'))
    )
    with op.batch_alter_table('staff_chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_chats_district_code'), ['district_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_chats_town_code'), ['town_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_chats_town_code'))
        batch_op.drop_index(batch_op.f('ix_staff_chats_district_code'))
    op.drop_table('staff_chats')
    with op.batch_alter_table('towns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_towns_district_code_districts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_towns_district_code'))
        batch_op.drop_column('district_code')
    op.drop_table('districts')
