"""Shared fixtures: a fresh database on SQLite, and on PostgreSQL when one is configured."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import Database
from storage.models import Base

PG_URL = os.environ.get("JIAZHAN_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, migrated with Alembic."""
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set JIAZHAN_TEST_POSTGRES_URL to run these")
    base = make_url(PG_URL)
    name = f"jiazhan_test_{uuid.uuid4().hex[:10]}"
    admin = Database(base.render_as_string(hide_password=False))

    async def create() -> None:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        db = Database(base.set(database=name).render_as_string(hide_password=False))
        await db.upgrade()
        await db.dispose()

    async def drop() -> None:
        admin2 = Database(base.render_as_string(hide_password=False))
        async with admin2.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin2.dispose()

    # Session fixtures may be first requested from inside a running loop: use a worker thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
        yield base.set(database=name).render_as_string(hide_password=False)
        pool.submit(asyncio.run, drop()).result()


async def _sqlite_db(tmp_path) -> Database:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
    await db.create_all()
    return db


@pytest.fixture
async def sqlite_db(tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    db = await _sqlite_db(tmp_path)
    yield db
    await db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request, tmp_path) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """Storage tests run on both backends (PostgreSQL skips with a reason when absent)."""
    if request.param == "sqlite":
        database = await _sqlite_db(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
        database = Database(url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()
