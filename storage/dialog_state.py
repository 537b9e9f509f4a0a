"""The dialog state of each Telegram user (which flow, which step, its data), kept in the
database so a dialog survives a restart; and the one read that loads a person with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import dialect_name
from .models import DialogState, Resident

__all__ = ["load_person", "load_state", "save_state", "clear_state"]


async def load_person(
    session: AsyncSession, user_id: int
) -> tuple[Resident | None, DialogState | None]:
    """The resident (if they consented) and the dialog state of a Telegram user.

    One round trip on SQLite (handling an update is dominated by such round trips); on
    PostgreSQL the state row is locked for the transaction, which an outer join cannot do.
    """
    if dialect_name(session) == "postgresql":
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
