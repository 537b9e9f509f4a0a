"""回访 "was it really fixed?": the resident's answer to the question asked some days after their
suggestion was resolved (storage.followup asks it). ``still_fixed`` is recorded; ``came_back``
reopens the suggestion for its handler with a fresh resolution deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ..deadlines import Deadlines
from ..models import Suggestion, SuggestionStatus
from ..roles import Actor
from .apply import SuggestionRef, authorise, clean_text, load_locked, record_step
from .errors import LifecycleError
from .resident import MAX_COMMENT_TEXT

__all__ = ["STILL_FIXED", "CAME_BACK", "confirm_fixed", "came_back"]

STILL_FIXED, CAME_BACK = "still_fixed", "came_back"
_DEFAULT_DEADLINES = Deadlines()


def _open_question(suggestion: Suggestion) -> None:
    if suggestion.followup_asked_at is None:
        raise LifecycleError("followup_not_asked", ticket=suggestion.ticket)
    if suggestion.followup_answer is not None:
        raise LifecycleError("followup_answered", ticket=suggestion.ticket)


async def confirm_fixed(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime
) -> Suggestion:
    """The resident says the problem stayed solved: recorded, the status stays."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "followup_fixed")
    _open_question(suggestion)
    suggestion.followup_answer = STILL_FIXED
    suggestion.followup_answered_at = now
    await record_step(session, suggestion, actor, "followup_fixed", now=now,
                      kind="followup_fixed", answer=STILL_FIXED)
    return suggestion


async def came_back(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    comment: str | None = None,
    deadlines: Deadlines = _DEFAULT_DEADLINES,
) -> Suggestion:
    """The resident says the problem came back: reopened for its handler (staff when nobody is
    assigned), with a fresh resolution deadline and the resident's optional words."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "followup_came_back")
    _open_question(suggestion)
    remark = clean_text(comment, limit=MAX_COMMENT_TEXT, required=False)
    suggestion.followup_answer = CAME_BACK
    suggestion.followup_answered_at = now
    suggestion.closed_at = None
    suggestion.resolved_at = None
    suggestion.reminded_at = None
    suggestion.resolution_due = deadlines.resolution_due(now)
    await record_step(session, suggestion, actor, "followup_came_back", now=now,
                      kind="followup_came_back", to=SuggestionStatus.REOPENED, text=remark,
                      answer=CAME_BACK)
    return suggestion
