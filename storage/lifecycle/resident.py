"""What the resident who wrote a suggestion does with it: add to it, and rate the result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ..deadlines import Deadlines
from ..models import Satisfaction, Suggestion, SuggestionStatus
from ..roles import Actor
from .apply import SuggestionRef, authorise, clean_text, load_locked, record_step
from .create import MAX_SUGGESTION_TEXT
from .errors import LifecycleError
from .rules import MAX_REOPENS_TO_HANDLER

__all__ = ["add_followup", "rate", "MAX_COMMENT_TEXT"]

MAX_COMMENT_TEXT = 1000
_DEFAULT_DEADLINES = Deadlines()


async def add_followup(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, text: str
) -> Suggestion:
    """The resident adds to their open suggestion. After an answer (or a request for more
    information) the ball is back with the handler: answered → assigned (→ new if unassigned)."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "add_followup")
    body = clean_text(text, limit=MAX_SUGGESTION_TEXT)
    target = None
    if suggestion.status is SuggestionStatus.ANSWERED:
        assigned = suggestion.assignee_deputy_id is not None
        target = SuggestionStatus.ASSIGNED if assigned else SuggestionStatus.NEW
    await record_step(
        session, suggestion, actor, "add_followup", now=now, kind="followup", to=target,
        text=body, chars=len(body or ""),
    )
    return suggestion


async def rate(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    satisfaction: Satisfaction | str,
    comment: str | None = None,
    deadlines: Deadlines = _DEFAULT_DEADLINES,
) -> Suggestion:
    """满意 / 基本满意 close the suggestion; 不满意 reopens it with a fresh resolution deadline —
    back to its handler the first two times, to staff (unassigned) from the third on."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "rate")
    try:
        verdict = Satisfaction(satisfaction)
    except ValueError:
        raise LifecycleError("bad_satisfaction") from None
    remark = clean_text(comment, limit=MAX_COMMENT_TEXT, required=False)
    suggestion.satisfaction = verdict
    suggestion.satisfaction_comment = remark
    if verdict is not Satisfaction.UNSATISFIED:
        suggestion.closed_at = now
        await record_step(
            session, suggestion, actor, "rate", now=now, kind="rating",
            to=SuggestionStatus.CLOSED, text=remark, satisfaction=verdict.value,
        )
        return suggestion
    suggestion.reopen_count += 1
    to_staff = suggestion.reopen_count > MAX_REOPENS_TO_HANDLER
    if to_staff:
        suggestion.assignee_deputy_id = None
    suggestion.resolved_at = None
    suggestion.reminded_at = None
    suggestion.resolution_due = deadlines.resolution_due(now)
    await record_step(
        session, suggestion, actor, "rate", now=now, kind="rating",
        to=SuggestionStatus.REOPENED, text=remark, satisfaction=verdict.value,
        reopen_count=suggestion.reopen_count, to_staff=to_staff,
    )
    return suggestion
