"""回访 "was it really fixed?": which residents are asked, when, and once.

A suggestion is due for the question ``days`` (``JIAZHAN_FOLLOWUP_DAYS``, 30) after it was
resolved — status resolved, or closed after being resolved or by staff; never rejected or
merged — when it was never asked before and its resident can be reached (has a chat, has not
blocked the bot, has not used /forget; a suggestion recorded on behalf of a walk-in has no chat).
Suggestions resolved more than ``GRACE`` before they became due are not asked (a service that
was off for a long time, or history from before this feature, does not flood residents).

``claim`` stamps ``followup_asked_at`` with a conditional update in the caller's transaction,
which also queues the question: two processes (or a crash and a restart) ask at most once.
The answer is a lifecycle step (``storage.lifecycle.confirm_fixed`` / ``came_back``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .db import affected_rows
from .models import Resident, Suggestion, SuggestionStatus

__all__ = ["DEFAULT_DAYS", "GRACE", "Due", "due_followups", "claim"]

DEFAULT_DAYS = 30
GRACE = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Due:
    suggestion_id: int
    ticket: str
    resident_id: int
    chat_id: int
    locale: str


async def due_followups(
    session: AsyncSession, now: datetime, *, days: int = DEFAULT_DAYS, limit: int = 100
) -> list[Due]:
    """Suggestions whose resident should be asked now, oldest resolution first."""
    done_at = func.coalesce(Suggestion.resolved_at, Suggestion.closed_at)
    due_before = now - timedelta(days=days)
    rows = await session.execute(
        select(Suggestion.id, Suggestion.ticket, Resident.id, Resident.chat_id, Resident.locale)
        .join(Resident, Resident.id == Suggestion.resident_id)
        .where(
            Suggestion.status.in_([SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED]),
            Suggestion.followup_asked_at.is_(None),
            done_at.is_not(None),
            done_at <= due_before,
            done_at > due_before - GRACE,
            Resident.chat_id.is_not(None),
            Resident.blocked_at.is_(None),
            Resident.forgotten_at.is_(None),
        )
        .order_by(done_at, Suggestion.id)
        .limit(limit)
    )
    return [Due(sid, ticket, rid, chat, locale or "zh")
            for sid, ticket, rid, chat, locale in rows if chat is not None]


async def claim(session: AsyncSession, suggestion_id: int, now: datetime) -> bool:
    """Stamp the question as asked; False when another process (or an earlier run) did."""
    result = await session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion_id, Suggestion.followup_asked_at.is_(None))
        .values(followup_asked_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result) > 0
