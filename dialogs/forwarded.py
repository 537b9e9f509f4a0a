"""Remembering which typed message became which answer, so that an edit can follow it
(see :mod:`dialogs.edits`). Called by the staff replies and the deputy's inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from storage.forwarding import forward_marks, record_forward
from storage.models import OutboxPurpose

__all__ = ["forward_marks", "remember_forward"]


async def remember_forward(
    session: AsyncSession, update: Update, suggestion_id: int, since: tuple[int, int]
) -> None:
    """Right after the message of ``update`` became part of the ticket (an answer, a note), with
    ``since`` taken by :func:`forward_marks` before: remember where it was written, the timeline
    entry it became and the outbox row carrying it to the resident."""
    message = update.message  # an edit is never a new source
    if message is None:
        return
    await record_forward(
        session, source_chat_id=message.chat.id, source_message_id=message.message_id,
        suggestion_id=suggestion_id, since=since, copy_purpose=OutboxPurpose.TO_RESIDENT,
    )
