"""Engine, units of work and migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from .sqlite_file import SqliteFileGuard

__all__ = [
    "Database", "DatabaseFileReplaced", "affected_rows", "alembic_config", "needs_initial_data",
    "mark_outbox_written", "dialect_name", "WriteLock",
]

_HERE = Path(__file__).resolve().parent
_OUTBOX_WRITTEN = "jiazhan.outbox_written"  # a Session.info key


def dialect_name(session: AsyncSession) -> str:
    """``postgresql`` or ``sqlite``: the backend a session talks to."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def mark_outbox_written(session: AsyncSession) -> None:
    """This transaction wrote to the outbox: its commit wakes the delivery worker."""
    session.info[_OUTBOX_WRITTEN] = True


def affected_rows(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched, as the driver reports it."""
    if not isinstance(result, CursorResult):
        raise TypeError("affected_rows needs the result of an INSERT, UPDATE or DELETE")
    return result.rowcount


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / "migrations"))
    return cfg


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class WriteLock:
    """SQLite's single writer within this process, with two lanes: a foreground unit of work
    (an update being handled, the outbox) always goes before a background one (a broadcast's
    bookkeeping). Foreground writers queue in order among themselves; a background writer only
    takes the lock when no foreground writer is waiting, so a reply waits for at most the one
    background transaction already under way (kept short by its owner)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._foreground = 0  # foreground writers waiting for the lock
        self._clear = asyncio.Event()
        self._clear.set()

    async def acquire(self, *, background: bool = False) -> None:
        if not background:
            self._foreground += 1
            self._clear.clear()
            try:
                await self._lock.acquire()
            finally:
                self._foreground -= 1
                if not self._foreground:
                    self._clear.set()
            return
        while True:
            await self._clear.wait()
            await self._lock.acquire()
            if not self._foreground:
                return
            self._lock.release()  # a foreground writer came while we queued: it goes first

    def release(self) -> None:
        self._lock.release()

    @property
    def foreground_waiting(self) -> int:
        return self._foreground


class DatabaseFileReplaced(RuntimeError):
    """The SQLite file was deleted or replaced under the running service: writing is refused,
    since nothing written to the old file would ever be read again."""


class Database:
    """One engine and session factory; units of work are transactions.

    On SQLite every writing unit of work holds a process-wide lock, so the single writer never
    trips over itself (SQLite allows one writer at a time anyway); readers go in parallel.
    ``background=True`` marks a unit of work that yields that lock to every foreground one
    waiting (see ``WriteLock``); on PostgreSQL it changes nothing.

    A unit of work that wrote to the outbox sets ``outbox_signal`` once it has committed: the
    delivery worker waits on it, so a message goes out at once, never before its commit.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # The file a service owns (lock beside it, replaced-file check); None when not a file.
        self.file_guard: SqliteFileGuard | None = None
        # hide_parameters: SQL errors must never carry what a resident wrote into the logs
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            database = self.url.database or ""
            kwargs["connect_args"] = {"timeout": 10}
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                self.file_guard = SqliteFileGuard(database)
                # handlers (up to 16 at once), the delivery worker, jobs and readers hold one each
                kwargs["pool_size"], kwargs["max_overflow"] = 24, 16
                # Units of work always end in commit or rollback, and reads open no transaction
                # on SQLite: the pool's extra rollback per checkin would be a wasted round trip.
                kwargs["pool_reset_on_return"] = None
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = WriteLock() if self.is_sqlite else None
        self.outbox_signal = asyncio.Event()

    def _committed(self, session: AsyncSession) -> None:
        if session.info.pop(_OUTBOX_WRITTEN, False):
            self.outbox_signal.set()

    def check_file(self) -> None:
        """Raise ``DatabaseFileReplaced`` when the SQLite file is no longer the one we opened."""
        if self.file_guard is not None and not self.file_guard.intact():
            raise DatabaseFileReplaced(str(self.file_guard.path))

    @contextlib.asynccontextmanager
    async def unit_of_work(self, *, background: bool = False) -> AsyncIterator[AsyncSession]:
        """A writing transaction: commits on success, rolls back on error."""
        self.check_file()
        lock = self._write_lock
        if lock is not None:
            # Connection first, then the lock, in every unit of work (lazy ones too): a lock
            # holder never waits for a pooled connection that a lock waiter holds.
            async with self.sessions() as session:
                await session.connection()
                await lock.acquire(background=background)
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
                finally:
                    lock.release()
        else:
            async with self.sessions.begin() as session:
                yield session
        self._committed(session)

    @contextlib.asynccontextmanager
    async def lazy_unit_of_work(
        self, *, background: bool = False,
    ) -> AsyncIterator[tuple[AsyncSession, Callable[[], Awaitable[None]]]]:
        """A writing transaction that reads first and takes SQLite's write lock only when
        ``await writing()`` is called, right before its first write.

        SQLite begins a transaction only at the first write, so the reads before it do not hold
        up other writers; handling an update spends most of its time there. On PostgreSQL
        ``writing()`` does nothing.
        """
        lock = self._write_lock
        held = False

        async def writing() -> None:
            nonlocal held
            self.check_file()
            if lock is not None and not held:
                await lock.acquire(background=background)
                held = True

        try:
            async with self.sessions.begin() as session:
                yield session, writing
        finally:
            if held and lock is not None:
                lock.release()
        self._committed(session)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (never committed)."""
        async with self.sessions() as session:
            yield session

    async def upgrade(self) -> None:
        """Migrate the schema to the newest revision (idempotent)."""

        def run(connection: Connection) -> None:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

        async with self.engine.begin() as conn:
            await conn.run_sync(run)

    async def create_all(self) -> None:
        """Tests only: create tables straight from the models."""
        from .models import Base

        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - health check reports, never raises
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


async def needs_initial_data(db: Database) -> bool:
    """True when the database has no towns (a fresh install)."""
    from sqlalchemy import func, select

    from .models import Town

    async with db.engine.connect() as conn:
        has_table = await conn.run_sync(lambda c: inspect(c).has_table("towns"))
        if not has_table:
            return True
    async with db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(Town))
    return not count
