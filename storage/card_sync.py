"""Staff cards that are behind their ticket: something happened (a rating, a follow-up, a CLI
change) after the card was last written. A job re-renders those, so a card is right whoever
changed the ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import OutboxMessage, TimelineEntry
from .outbox import CARD_EDIT, STAFF_CARD

__all__ = ["stale_cards", "SYNC_WINDOW"]

SYNC_WINDOW = timedelta(days=2)  # older changes were certainly seen by an earlier run


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
                    OutboxMessage.purpose.in_([STAFF_CARD, CARD_EDIT]),
                )
                .group_by(OutboxMessage.suggestion_id)
            )
        ).all()
    )
    behind = [sid for sid, at in changed.items() if sid in written and at > written[sid]]
    return sorted(behind)[:limit]
