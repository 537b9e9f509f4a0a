"""Staff cards that are behind their ticket: something happened (a rating, a follow-up, a CLI
change) after the card was last written. A job re-renders those, so a card is right whoever
changed the ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from .lifecycle.rules import OPEN
from .models import OutboxMessage, OutboxPurpose, Suggestion, TimelineEntry

__all__ = ["stale_cards", "card_queued", "card_chat", "without_card", "SYNC_WINDOW"]

SYNC_WINDOW = timedelta(days=2)  # older changes were certainly seen by an earlier run


async def card_queued(session: AsyncSession, suggestion_id: int) -> bool:
    """Whether a card was ever queued for this suggestion (there is something to edit)."""
    found = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.suggestion_id == suggestion_id,
            OutboxMessage.purpose == OutboxPurpose.STAFF_CARD,
        ).limit(1)
    )
    return found is not None


async def card_chat(session: AsyncSession, suggestion_id: int) -> int | None:
    """The staff group this suggestion's first card was queued for (None: no card yet)."""
    return await session.scalar(
        select(OutboxMessage.chat_id).where(
            OutboxMessage.suggestion_id == suggestion_id,
            OutboxMessage.purpose == OutboxPurpose.STAFF_CARD,
        ).order_by(OutboxMessage.id).limit(1)
    )


async def stale_cards(
    session: AsyncSession, now: datetime, *, window: timedelta = SYNC_WINDOW, limit: int = 200
) -> Sequence[int]:
    """Ids of suggestions with a card whose newest timeline entry is newer than the newest card
    message (send or edit) written for them."""
    changed = dict(
        (
            await session.execute(
                select(TimelineEntry.suggestion_id, func.max(TimelineEntry.at))
                .where(TimelineEntry.at >= now - window)
                .group_by(TimelineEntry.suggestion_id)
            )
        ).all()
    )
    if not changed:
        return ()
    written = dict(
        (
            await session.execute(
                select(OutboxMessage.suggestion_id, func.max(OutboxMessage.created_at))
                .where(
                    OutboxMessage.suggestion_id.in_(list(changed)),
                    OutboxMessage.purpose.in_([OutboxPurpose.STAFF_CARD, OutboxPurpose.CARD_EDIT]),
                )
                .group_by(OutboxMessage.suggestion_id)
            )
        ).all()
    )
    behind = [sid for sid, at in changed.items() if sid in written and at > written[sid]]
    return sorted(behind)[:limit]


async def without_card(
    session: AsyncSession, *, limit: int = 100, stations: Any = None
) -> Sequence[int]:
    """Ids of open suggestions that never had a staff card (sent while no staff group was
    configured), oldest first; ``stations``: only those of these stations (a ``SELECT`` of
    station ids: the ones some group serves now)."""
    carded = select(OutboxMessage.suggestion_id).where(
        OutboxMessage.purpose == OutboxPurpose.STAFF_CARD, OutboxMessage.suggestion_id.is_not(None)
    )
    query = (
        select(Suggestion.id)
        .where(Suggestion.status.in_(OPEN), Suggestion.id.not_in(carded),
               true() if stations is None else Suggestion.station_id.in_(stations))
        .order_by(Suggestion.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()
