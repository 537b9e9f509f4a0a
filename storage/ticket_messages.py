"""Which ticket a bot message in a chat belongs to: its staff card, or anything else the bot
sent about that ticket through the outbox (a resident's follow-up notice, a rating, the rest of
a long text, its photos, a mirrored answer). A reply to any of them acts on that ticket."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import OutboxMessage, OutboxStatus, Suggestion

__all__ = ["ticket_of_message"]


async def ticket_of_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Suggestion | None:
    """The suggestion that bot message ``message_id`` in ``chat_id`` is about, if any."""
    card = await session.scalar(
        select(Suggestion).where(
            Suggestion.card_chat_id == chat_id, Suggestion.card_message_id == message_id
        )
    )
    if card is not None:
        return card
    about = await session.scalar(
        select(OutboxMessage.suggestion_id).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.result_message_id == message_id,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.suggestion_id.is_not(None),
        ).order_by(OutboxMessage.id.desc()).limit(1)
    )
    return await session.get(Suggestion, about) if about is not None else None
