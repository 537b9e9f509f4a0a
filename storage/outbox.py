"""The outbox: Bot API calls written in the same transaction as the change that caused them.

The delivery worker claims due rows under a lease, sends them, and marks each one sent, to retry,
dropped or failed. Nothing committed is lost: a row whose worker died while holding it becomes
claimable again when its lease runs out (so the few rows in flight at a crash may go twice).

* ``enqueue`` is the one way to write a message to someone else. It refuses a resident who
  blocked the bot (returns None, records nothing). It marks the session, and the unit of work
  that commits it wakes the delivery worker (``Database.outbox_signal``): no message waits for
  the worker's poll, whoever wrote it (a handler, a job, the error handler).
* ``enqueue_card_edit`` coalesces edits of a suggestion's staff card: while an edit is still
  waiting and unclaimed its payload is replaced, so a burst of changes costs one edit. The edit's
  payload gets the card's ``chat_id``/``message_id`` when the card has been sent; if it has not
  yet, ``mark_sent`` of the card fills them in, and a worker that finds an edit without
  ``message_id`` should retry it later.
* ``claim_due`` uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two workers never claim one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from .db import affected_rows, mark_outbox_written
from .models import (
    Broadcast,
    OutboxMessage,
    OutboxPurpose,
    OutboxStatus,
    PublicityArea,
    Resident,
    Suggestion,
    utcnow,
)

__all__ = [
    "enqueue",
    "enqueue_card_edit",
    "claim_due",
    "mark_sent",
    "mark_retry",
    "mark_dropped",
    "mark_failed",
    "depth",
    "OutboxPurpose",
]

_ERROR_CHARS = 256

CLAIM_LOCK_KEY = 747_000_001  # advisory lock that serialises outbox claims on PostgreSQL


async def _chat_blocked(session: AsyncSession, chat_id: int, resident_id: int | None) -> bool:
    condition = Resident.chat_id == chat_id
    if resident_id is not None:
        condition = or_(condition, Resident.id == resident_id)
    query = select(Resident.id).where(condition, Resident.blocked_at.is_not(None)).limit(1)
    return await session.scalar(query) is not None


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    purpose: OutboxPurpose,
    suggestion_id: int | None = None,
    resident_id: int | None = None,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add one Bot API call to send after the caller's transaction commits.

    ``payload`` holds the method's parameters except ``chat_id`` (the worker adds it). Returns
    None, recording nothing, when the recipient is a resident who has blocked the bot.
    """
    if await _chat_blocked(session, chat_id, resident_id):
        return None
    created = now or utcnow()
    message = OutboxMessage(
        chat_id=chat_id,
        method=method,
        payload=dict(payload),
        purpose=OutboxPurpose(purpose).value,
        status=OutboxStatus.PENDING,
        attempts=0,
        not_before=not_before or created,
        created_at=created,
        suggestion_id=suggestion_id,
        resident_id=resident_id,
    )
    session.add(message)
    await session.flush()
    mark_outbox_written(session)
    return message


def _with_card_target(payload: dict[str, Any], suggestion: Suggestion | None) -> dict[str, Any]:
    out = dict(payload)
    if suggestion is not None and suggestion.card_message_id is not None:
        out["message_id"] = suggestion.card_message_id
    return out


async def enqueue_card_edit(
    session: AsyncSession,
    *,
    suggestion_id: int,
    chat_id: int,
    payload: dict[str, Any],
    method: str = "editMessageText",
    now: datetime | None = None,
) -> OutboxMessage:
    """Queue an edit of the suggestion's staff card, replacing a waiting unclaimed one."""
    suggestion = await session.get(Suggestion, suggestion_id)
    body = _with_card_target(payload, suggestion)
    waiting = await session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.suggestion_id == suggestion_id,
            OutboxMessage.purpose == OutboxPurpose.CARD_EDIT,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.lease_owner.is_(None),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if waiting is not None:
        waiting.payload = body
        waiting.method = method
        waiting.chat_id = chat_id
        await session.flush()
        mark_outbox_written(session)
        return waiting
    message = await enqueue(
        session, chat_id=chat_id, method=method, payload=body, purpose=OutboxPurpose.CARD_EDIT,
        suggestion_id=suggestion_id, now=now,
    )
    assert message is not None  # staff chats are never residents who blocked the bot
    return message


async def claim_due(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    limit: int,
    lease_seconds: float = 30,
) -> list[OutboxMessage]:
    """Lease up to ``limit`` due rows (oldest first) to ``owner`` until now + lease.

    Commit right after claiming so other workers see the lease; each claim counts an attempt.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Claims from several processes take turns (until commit): a claimer must see the
        # others' leases, or two workers could split one chat's rows and reorder them.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})
    earlier = aliased(OutboxMessage)
    # Per-chat FIFO: a row waits while an older row of the same chat is still pending (held back
    # by a retry_after or a backoff, or leased to a worker), so a chat never sees them reordered.
    blocked_by_older = (
        select(earlier.id)
        .where(
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.status == OutboxStatus.PENDING,
            earlier.id < OutboxMessage.id,
            or_(
                earlier.not_before > now,
                and_(earlier.lease_until.is_not(None), earlier.lease_until > now),
            ),
        )
        .exists()
    )
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
            ~blocked_by_older,
        )
        .order_by(OutboxMessage.id)  # oldest first: with the FIFO rule, each chat in order
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.scalars(query)).all())
    until = now + timedelta(seconds=lease_seconds)
    for row in rows:
        row.lease_owner = owner[:64]
        row.lease_until = until
        row.attempts += 1
    await session.flush()
    return rows


async def _row(session: AsyncSession, outbox_id: int) -> OutboxMessage:
    row = await session.get(OutboxMessage, outbox_id, with_for_update=True)
    if row is None:
        raise LookupError(f"no outbox row {outbox_id}")
    return row


def _release(row: OutboxMessage) -> None:
    row.lease_owner = None
    row.lease_until = None


async def mark_sent(
    session: AsyncSession, outbox_id: int, *, now: datetime, message_id: int | None
) -> OutboxMessage:
    """Sent; ``message_id`` is Telegram's id of the sent message. A staff card also records
    where it lives on its suggestion (and waiting edits of that card learn their target)."""
    row = await _row(session, outbox_id)
    row.status = OutboxStatus.SENT
    row.sent_at = now
    row.result_message_id = message_id
    row.last_error = None
    _release(row)
    if row.purpose == OutboxPurpose.STAFF_CARD and row.suggestion_id is not None and message_id is not None:
        await _remember_card(session, row, message_id)
    if row.purpose == OutboxPurpose.PUBLICITY_CARD and message_id is not None:
        await _remember_publicity_card(session, row, message_id)
    await session.flush()
    return row


async def _remember_publicity_card(session: AsyncSession, row: OutboxMessage, sent_id: int) -> None:
    """A monthly 公示's progress card is out: its broadcast learns where to edit it."""
    broadcast_id = await session.scalar(
        select(PublicityArea.last_broadcast_id).where(PublicityArea.last_card_outbox_id == row.id))
    if broadcast_id is not None:
        await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(
            chat_id=row.chat_id, card_message_id=sent_id))


async def _remember_card(session: AsyncSession, row: OutboxMessage, sent_id: int) -> None:
    suggestion = await session.get(Suggestion, row.suggestion_id)
    if suggestion is None:
        return
    suggestion.card_chat_id = row.chat_id
    suggestion.card_message_id = sent_id
    thread = row.payload.get("message_thread_id")
    suggestion.card_thread_id = thread if isinstance(thread, int) else None
    edits = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.suggestion_id == suggestion.id,
            OutboxMessage.purpose == OutboxPurpose.CARD_EDIT,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    for edit in edits:
        edit.payload = {**edit.payload, "message_id": sent_id}
        edit.chat_id = row.chat_id


async def mark_retry(
    session: AsyncSession,
    outbox_id: int,
    *,
    not_before: datetime,
    error: str | None,
    count_attempt: bool = True,
) -> OutboxMessage:
    """Try again from ``not_before`` (a 429's retry_after, a network error's backoff).

    ``count_attempt=False`` when the row was not really tried (held back by pacing, waiting for
    its card): the attempt its claim counted is given back. ``error=None`` keeps the last error.
    """
    row = await _row(session, outbox_id)
    row.status = OutboxStatus.PENDING
    row.not_before = not_before
    if error is not None:
        row.last_error = error[:_ERROR_CHARS]
    if not count_attempt and row.attempts > 0:
        row.attempts -= 1
    _release(row)
    await session.flush()
    return row


async def mark_dropped(
    session: AsyncSession, outbox_id: int, *, now: datetime, error: str
) -> int:
    """The chat refuses messages (403: the user blocked the bot, or the chat is gone).

    Marks residents of that chat as blocked (``enqueue`` then refuses them) and drops that chat's
    other pending rows. Returns how many rows were dropped, this one included.
    """
    row = await _row(session, outbox_id)
    row.status = OutboxStatus.DROPPED
    row.last_error = error[:_ERROR_CHARS]
    _release(row)
    await session.execute(
        update(Resident)
        .where(Resident.chat_id == row.chat_id, Resident.blocked_at.is_(None))
        .values(blocked_at=now)
    )
    others = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == row.chat_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.id != row.id,
        )
        .values(status=OutboxStatus.DROPPED, last_error="chat blocked", lease_owner=None,
                lease_until=None)
        .execution_options(synchronize_session="fetch")
    )
    await session.flush()
    return 1 + affected_rows(others)


async def mark_failed(
    session: AsyncSession, outbox_id: int, *, now: datetime, error: str
) -> OutboxMessage:
    """Given up (a permanent error, or too many attempts); kept for inspection."""
    row = await _row(session, outbox_id)
    row.status = OutboxStatus.FAILED
    row.last_error = error[:_ERROR_CHARS]
    row.sent_at = None
    _release(row)
    await session.flush()
    return row


async def depth(session: AsyncSession) -> int:
    """Rows still waiting to be sent (leased ones included)."""
    query = select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
    return int(await session.scalar(query) or 0)
