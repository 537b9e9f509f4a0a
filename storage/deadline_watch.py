"""Which tickets need a deadline reminder now, stamped so each reminder happens once.

Two reminders per deadline: one ``lead`` ahead of it ("soon") and one when it falls due ("due").
``Suggestion.reminded_at`` is the stamp: a "soon" reminder is owed while the stamp is older than
``due - lead``, a "due" reminder while it is older than ``due``. Assigning, escalating, handing
back and reopening clear the stamp (the new handler starts afresh), and once the first response
is given the next deadline is the resolution one, whose window the old stamp predates. Running
the job twice, or on two processes one after the other, reminds nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .lifecycle import OPEN, next_deadline
from .models import Suggestion
from .roles import Actor
from .ticket_view import current_deadline

__all__ = ["DueNotice", "collect_due_notices", "REMINDER_LEAD"]

REMINDER_LEAD = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DueNotice:
    suggestion_id: int
    ticket: str
    stage: str  # soon | due
    deadline: str  # first_response | resolution
    due_at: datetime
    assignee_deputy_id: int | None


def _owed(suggestion: Suggestion, now: datetime, lead: timedelta) -> DueNotice | None:
    kind, due = current_deadline(suggestion)
    stamp = suggestion.reminded_at
    if now >= due:
        stage, threshold = "due", due
    elif now >= due - lead:
        stage, threshold = "soon", due - lead
    else:
        return None
    if stamp is not None and stamp >= threshold:
        return None
    return DueNotice(suggestion.id, suggestion.ticket, stage, kind, due,
                     suggestion.assignee_deputy_id)


async def collect_due_notices(
    session: AsyncSession, now: datetime, *, lead: timedelta = REMINDER_LEAD, limit: int = 200
) -> list[DueNotice]:
    """The reminders owed now, each stamped (``reminded_at = now``) and audited in the caller's
    transaction; the caller sends them (through the outbox) in the same transaction."""
    deadline = next_deadline()
    query = (
        select(Suggestion)
        .where(
            Suggestion.status.in_(OPEN),
            deadline <= now + lead,
            or_(Suggestion.reminded_at.is_(None), Suggestion.reminded_at < deadline),
        )
        .order_by(deadline, Suggestion.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    notices = []
    for suggestion in (await session.scalars(query)).all():
        notice = _owed(suggestion, now, lead)
        if notice is None:
            continue
        suggestion.reminded_at = now
        audit.record(
            session, Actor.system(), f"deadline.{notice.stage}", "suggestion", suggestion.id,
            now=now, ticket=suggestion.ticket, deadline=notice.deadline,
            deputy_id=suggestion.assignee_deputy_id,
        )
        notices.append(notice)
    await session.flush()
    return notices
