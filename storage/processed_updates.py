"""Exactly-once handling of Telegram updates: the update ids already handled, and what a user
wrote when handling failed (so it is never lost)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .db import affected_rows, dialect_name
from .models import ProcessedUpdate

__all__ = [
    "NOTE_KEEP", "claim_update", "record_unhandled", "prune_processed", "last_update_id",
]


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Mark an update as handled inside the caller's transaction.

    Returns False when another transaction already handled it (a duplicate delivery). On
    PostgreSQL a concurrent claimer waits for the first to commit or roll back, so of two
    processes exactly one goes on.
    """
    insert = pg_insert if dialect_name(session) == "postgresql" else sqlite_insert
    stmt = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    result = await session.execute(stmt)
    return bool(affected_rows(result))


NOTE_KEEP = timedelta(days=7)  # how long what someone wrote into a failed update is kept
NOTE_CHARS = 4096  # a Telegram message's longest text


async def record_unhandled(session: AsyncSession, update_id: int, now: datetime, note: str) -> None:
    """Keep what a user wrote when handling failed, so nothing they wrote is lost: for
    ``NOTE_KEEP`` (an operator recovers it after a fault; the user was told at once), then
    :func:`prune_processed` erases it. /forget erases a note quoting the person sooner."""
    note = note[:NOTE_CHARS]
    existing = await session.get(ProcessedUpdate, update_id)
    if existing is None:
        session.add(ProcessedUpdate(update_id=update_id, processed_at=now, note=note))
    else:
        existing.note = note


async def last_update_id(session: AsyncSession) -> int:
    """The highest update id handled (0: none); Telegram's next updates have higher ids."""
    return int(await session.scalar(select(func.max(ProcessedUpdate.update_id))) or 0)


async def prune_processed(
    session: AsyncSession, now: datetime, keep: timedelta, *, note_keep: timedelta = NOTE_KEEP
) -> int:
    """Forget update ids older than ``keep``, and failed updates' notes older than
    ``note_keep`` (what someone wrote is never kept longer than needed to recover it)."""
    expired = or_(
        and_(ProcessedUpdate.note.is_(None), ProcessedUpdate.processed_at < now - keep),
        ProcessedUpdate.processed_at < now - max(keep, note_keep),
    )
    result = await session.execute(delete(ProcessedUpdate).where(expired))
    return affected_rows(result)
