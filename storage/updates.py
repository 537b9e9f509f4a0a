"""Exactly-once handling of Telegram updates and the dialog state that survives restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .db import affected_rows
from .models import DialogState, ProcessedUpdate, Resident

__all__ = ["NOTE_KEEP", "claim_update", "record_unhandled", "prune_processed", "last_update_id",
           "load_person", "load_state", "save_state", "clear_state"]


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Mark an update as handled inside the caller's transaction.

    Returns False when another transaction already handled it (a duplicate delivery). On
    PostgreSQL a concurrent claimer waits for the first to commit or roll back, so of two
    processes exactly one goes on.
    """
    insert = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
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


async def load_person(
    session: AsyncSession, user_id: int
) -> tuple[Resident | None, DialogState | None]:
    """The resident (if they consented) and the dialog state of a Telegram user.

    One round trip on SQLite (handling an update is dominated by such round trips); on
    PostgreSQL the state row is locked for the transaction, which an outer join cannot do.
    """
    if _dialect(session) == "postgresql":
        resident = (
            await session.execute(select(Resident).where(Resident.telegram_user_id == user_id))
        ).scalar_one_or_none()
        return resident, await load_state(session, user_id)
    me = select(literal(user_id).label("uid")).subquery()
    query = (
        select(Resident, DialogState)
        .select_from(me)
        .outerjoin(Resident, Resident.telegram_user_id == me.c.uid)
        .outerjoin(DialogState, DialogState.user_id == me.c.uid)
    )
    resident, state = (await session.execute(query)).one()
    return resident, state


async def load_state(session: AsyncSession, user_id: int) -> DialogState | None:
    """The user's dialog state, locked for this transaction where the backend can."""
    stmt = select(DialogState).where(DialogState.user_id == user_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def save_state(
    session: AsyncSession,
    user_id: int,
    chat_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> DialogState:
    state = await session.get(DialogState, user_id)
    if state is None:
        state = DialogState(user_id=user_id, chat_id=chat_id, flow=flow, step=step, data=data)
        session.add(state)
    else:
        state.chat_id, state.flow, state.step = chat_id, flow, step
        state.data = dict(data)  # a new object so the JSON column is seen as changed
    state.updated_at = now
    return state


async def clear_state(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(DialogState).where(DialogState.user_id == user_id))
