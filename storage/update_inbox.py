"""The transactional inbox: every Telegram update is committed here before Telegram is told it
arrived, so a crash never loses what Telegram already handed over.

The life of a row:
1. ``store`` — the raw update, committed before the next ``getUpdates`` offset (or the webhook's
   200) acknowledges it. Updates already handled (``processed_updates``) or already waiting here
   are not stored again, and ``store`` says which ones are new.
2. ``settle`` — in the handling transaction itself, beside ``claim_update``: the payload goes, and
   the replies due in the chat stay until they are sent (or the row goes when there are none).
3. ``forget`` — once the replies are out.

After a crash, ``waiting`` gives the updates to handle again (oldest first, so each chat keeps its
order) and ``requeue_replies`` moves replies that may not have been sent into the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import InboxUpdate, ProcessedUpdate
from .outbox import OutboxPurpose, enqueue

__all__ = ["store", "settle", "forget", "waiting", "requeue_replies", "count"]

DEFERRED_REPLY = OutboxPurpose.DEFERRED_REPLY


async def store(session: AsyncSession, updates: Sequence[dict[str, Any]], now: datetime) -> set[int]:
    """Add raw updates; returns the ids that were new (neither handled nor already waiting)."""
    by_id = {int(u["update_id"]): u for u in updates}
    if not by_id:
        return set()
    ids = list(by_id)
    known = set(
        (await session.scalars(select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.update_id.in_(ids)))).all()
    ) | set(
        (await session.scalars(select(InboxUpdate.update_id).where(
            InboxUpdate.update_id.in_(ids)))).all()
    )
    new = [i for i in ids if i not in known]
    session.add_all(InboxUpdate(update_id=i, received_at=now, payload=by_id[i]) for i in new)
    await session.flush()
    return set(new)


async def settle(session: AsyncSession, update_id: int, replies: list[dict[str, Any]]) -> None:
    """The update is handled (inside the handling transaction): keep only the replies to send."""
    if replies:
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id == update_id)
            .values(payload=null(), replies=replies)
            .execution_options(synchronize_session=False)
        )
    else:
        await forget(session, [update_id])


async def forget(session: AsyncSession, update_ids: Iterable[int]) -> None:
    ids = list(update_ids)
    if ids:
        await session.execute(
            delete(InboxUpdate).where(InboxUpdate.update_id.in_(ids))
            .execution_options(synchronize_session=False)
        )


async def waiting(session: AsyncSession) -> list[dict[str, Any]]:
    """Raw updates stored but not handled, oldest first."""
    rows = await session.scalars(
        select(InboxUpdate.payload).where(InboxUpdate.payload.is_not(None))
        .order_by(InboxUpdate.update_id)
    )
    return [dict(p) for p in rows.all() if p is not None]


async def requeue_replies(session: AsyncSession, now: datetime) -> int:
    """Replies of handled updates that may not have gone out before a crash: into the outbox
    (a resident may get one of them twice, never none). Returns how many were queued."""
    rows = (await session.scalars(
        select(InboxUpdate).where(InboxUpdate.payload.is_(None)).order_by(InboxUpdate.update_id)
    )).all()
    queued = 0
    for row in rows:
        for reply in row.replies or []:
            chat_id = int(reply["payload"]["chat_id"])
            sent = await enqueue(session, chat_id=chat_id, method=str(reply["method"]),
                                 payload=dict(reply["payload"]), purpose=DEFERRED_REPLY, now=now)
            if sent is not None:
                sent.uncertain = 1  # it may have been sent: no further repeat after this one
                queued += 1
    await forget(session, [row.update_id for row in rows])
    return queued


async def count(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)
