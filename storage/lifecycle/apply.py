"""The machinery every transition shares: lock and load, check who and from where, then record.

Every check happens before the first change, so a refused operation changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from .. import audit
from ..models import Suggestion, SuggestionStatus, TimelineEntry, Visibility
from ..roles import Actor
from .access import refusal
from .errors import LifecycleError
from .rules import TRANSITIONS

__all__ = ["SuggestionRef", "load_locked", "authorise", "record_step", "clean_text"]

SuggestionRef = int | Suggestion


async def load_locked(session: AsyncSession, ref: SuggestionRef) -> Suggestion:
    """The suggestion, freshly read and row-locked until the end of the caller's transaction
    (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's single writer needs no lock)."""
    suggestion_id = ref.id if isinstance(ref, Suggestion) else ref
    if not isinstance(suggestion_id, int):
        raise LifecycleError("not_found", ticket=str(suggestion_id))
    await session.flush()
    suggestion = await session.get(
        Suggestion, suggestion_id, with_for_update=True, populate_existing=True
    )
    if suggestion is None:
        raise LifecycleError("not_found", ticket=str(suggestion_id))
    return suggestion


def authorise(suggestion: Suggestion, actor: Actor, action: str) -> None:
    """Raise unless ``actor`` may do ``action`` on ``suggestion`` in its current status."""
    refused = refusal(suggestion, actor, action)
    if refused is not None:
        raise refused


def clean_text(text: str | None, *, limit: int, required: bool = True) -> str | None:
    """Stripped text within ``limit`` characters; empty text is refused when required."""
    cleaned = (text or "").strip()
    if not cleaned:
        if required:
            raise LifecycleError("empty_text")
        return None
    if len(cleaned) > limit:
        raise LifecycleError("text_too_long", limit=limit, length=len(cleaned))
    return cleaned


async def record_step(
    session: AsyncSession,
    suggestion: Suggestion,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    kind: str,
    to: SuggestionStatus | None = None,
    text: str | None = None,
    public: bool | None = None,
    **details: str | int | bool | None,
) -> TimelineEntry:
    """Move to ``to`` (if given), stamp ``updated_at``, append the timeline and audit entries."""
    before = suggestion.status
    if to is not None:
        suggestion.status = to
    suggestion.updated_at = now
    visible = TRANSITIONS[action].public if public is None else public
    entry = TimelineEntry(
        suggestion_id=suggestion.id,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        kind=kind,
        visibility=Visibility.PUBLIC if visible else Visibility.INTERNAL,
        from_status=before.value,
        to_status=suggestion.status.value,
        text=text,
    )
    session.add(entry)
    audit.record(
        session,
        actor,
        f"suggestion.{action}",
        "suggestion",
        suggestion.id,
        now=now,
        ticket=suggestion.ticket,
        from_status=before.value,
        to_status=suggestion.status.value,
        **details,
    )
    await session.flush()
    return entry
