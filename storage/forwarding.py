"""Edits follow forwarded messages: a staff member's or deputy's answer that was passed on to a
resident is remembered by where it was written, so that editing it in Telegram edits the ticket's
timeline and the resident's copy instead of sending a second answer.

* ``forward_marks`` then ``record_forward``: around the operation that turned a message into a
  timeline entry (and perhaps an outbox row to the resident), in the same transaction.
* ``find_forward``: what an edited message was turned into, if anything.
* ``apply_edit``: the entry gets the new words; the copy is edited where it is — a copy still
  waiting in the outbox is rewritten, a sent one gets an ``editMessageText``, one being sent right
  now cannot be reached (the caller says so).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit, outbox
from .models import (
    ForwardedMessage,
    OutboxMessage,
    OutboxPurpose,
    OutboxStatus,
    Suggestion,
    TimelineEntry,
)
from .roles import Actor

__all__ = [
    "CopyState",
    "Forwarded",
    "ANSWER_EDIT",
    "forward_marks",
    "record_forward",
    "find_forward",
    "apply_edit",
]

ANSWER_EDIT = OutboxPurpose.ANSWER_EDIT  # an edit of the resident's copy of an answer


class CopyState(enum.Enum):
    NONE = "none"  # an internal note, or a resident who cannot be reached: no copy
    WAITING = "waiting"  # still in the outbox, not yet taken by the worker
    SENDING = "sending"  # leased by a worker right now
    SENT = "sent"  # in the resident's chat; Telegram's message id is known
    GONE = "gone"  # dropped or failed: the resident never got it


@dataclass(frozen=True, slots=True)
class Forwarded:
    link: ForwardedMessage
    suggestion: Suggestion
    entry: TimelineEntry
    copy: OutboxMessage | None

    def copy_state(self, now: datetime) -> CopyState:
        row = self.copy
        if row is None:
            return CopyState.NONE
        if row.status is OutboxStatus.SENT and row.result_message_id is not None:
            return CopyState.SENT
        if row.status is OutboxStatus.PENDING:
            leased = row.lease_until is not None and row.lease_until > now
            return CopyState.SENDING if leased else CopyState.WAITING
        return CopyState.GONE


async def forward_marks(session: AsyncSession) -> tuple[int, int]:
    """The newest timeline entry and outbox row ids, before an operation that adds some."""
    await session.flush()
    entry = await session.scalar(select(func.max(TimelineEntry.id)))
    row = await session.scalar(select(func.max(OutboxMessage.id)))
    return int(entry or 0), int(row or 0)


async def record_forward(
    session: AsyncSession,
    *,
    source_chat_id: int,
    source_message_id: int,
    suggestion_id: int,
    since: tuple[int, int],
    copy_purpose: str,
) -> ForwardedMessage | None:
    """Remember that the message became the suggestion's newest timeline entry (added after
    ``since``) and, when one was queued, the outbox row of purpose ``copy_purpose`` carrying it."""
    await session.flush()
    entry_id = await session.scalar(
        select(func.max(TimelineEntry.id)).where(
            TimelineEntry.suggestion_id == suggestion_id, TimelineEntry.id > since[0],
            TimelineEntry.text.is_not(None),
        )
    )
    if entry_id is None:
        return None
    copy_id = await session.scalar(
        select(func.max(OutboxMessage.id)).where(
            OutboxMessage.suggestion_id == suggestion_id, OutboxMessage.id > since[1],
            OutboxMessage.purpose == copy_purpose,
        )
    )
    link = ForwardedMessage(
        source_chat_id=source_chat_id, source_message_id=source_message_id,
        suggestion_id=suggestion_id, timeline_entry_id=entry_id, outbox_id=copy_id,
    )
    session.add(link)
    await session.flush()
    return link


async def find_forward(
    session: AsyncSession, chat_id: int, message_id: int
) -> Forwarded | None:
    """What the message (chat, id) became, if the bot passed it on."""
    link = await session.scalar(
        select(ForwardedMessage).where(
            ForwardedMessage.source_chat_id == chat_id,
            ForwardedMessage.source_message_id == message_id,
        )
    )
    if link is None or link.timeline_entry_id is None:
        return None
    suggestion = await session.get(Suggestion, link.suggestion_id)
    entry = await session.get(TimelineEntry, link.timeline_entry_id)
    if suggestion is None or entry is None:
        return None
    copy = await session.get(OutboxMessage, link.outbox_id) if link.outbox_id else None
    return Forwarded(link, suggestion, entry, copy)


async def apply_edit(
    session: AsyncSession,
    found: Forwarded,
    actor: Actor,
    *,
    text: str,
    copy_payload: dict[str, Any] | None,
    now: datetime,
) -> CopyState:
    """Give the timeline entry the edited words and bring the resident's copy in line.

    ``copy_payload`` is the copy as it should now read (``text``, ``parse_mode``,
    ``reply_markup``), rendered by the caller. Returns where the copy was: WAITING (rewritten
    before anyone saw it), SENT (an edit is queued), SENDING (nothing could be done to the copy).
    """
    before = found.entry.text
    found.entry.text = text
    state = found.copy_state(now)
    row = found.copy
    if row is not None and copy_payload is not None:
        if state is CopyState.WAITING:
            row.payload = {**row.payload, **copy_payload}
        elif state is CopyState.SENT and row.result_message_id is not None:
            await outbox.enqueue(
                session, chat_id=row.chat_id, method="editMessageText",
                payload={"chat_id": row.chat_id, "message_id": row.result_message_id,
                         **copy_payload},
                purpose=ANSWER_EDIT, suggestion_id=found.suggestion.id,
                resident_id=row.resident_id, now=now,
            )
    audit.record(
        session, actor, "suggestion.entry_edited", "suggestion", found.suggestion.id, now=now,
        ticket=found.suggestion.ticket, entry=found.entry.id, copy=state.value,
        chars_before=len(before or ""), chars_after=len(text),
    )
    await session.flush()
    return state
