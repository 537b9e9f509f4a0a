"""Which ticket a bot message in a chat belongs to: its staff card, or anything else the bot
sent about that ticket through the outbox (a resident's follow-up notice, a rating, the rest of
a long text, its photos, a mirrored answer), or — for the bot's direct answers, which are not
kept — the one ticket its text names. A reply to any of them acts on that ticket."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import OutboxMessage, OutboxStatus, Suggestion

__all__ = ["ticket_of_message", "ticket_named_in"]

_TICKET = re.compile(r"(?<!\d)(\d{4}-\d{6})(?!\d)")


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


async def ticket_named_in(session: AsyncSession, text: str) -> Suggestion | None:
    """The ticket a bot message names, when it names exactly one (a direct answer such as
    「✅ 已以…答复工单 2026-000012 的居民」, which the outbox does not keep)."""
    named = set(_TICKET.findall(text or ""))
    if len(named) != 1:
        return None
    return await session.scalar(select(Suggestion).where(Suggestion.ticket == named.pop()))
