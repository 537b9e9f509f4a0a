"""Alembic environment: uses the connection handed over by storage.db.Database.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:  # `alembic` on the command line with a synchronous URL (autogenerate during development)
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("alembic: set sqlalchemy.url (a synchronous URL) to run migrations from the command line")
    with create_engine(url).connect() as conn:
        _configure(conn)
        conn.commit()
