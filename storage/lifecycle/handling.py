"""Handling a suggestion: what staff, or the deputy it is assigned to, do with it.

``reply``, ``request_info``, ``hand_back`` and ``resolve``. The first public word from staff or a
deputy (a reply, a request for information, a resolution) stamps ``first_response_at``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ..models import ActorKind, Suggestion, SuggestionStatus, Visibility
from ..roles import Actor
from .apply import SuggestionRef, authorise, clean_text, load_locked, record_step
from .errors import LifecycleError

__all__ = ["reply", "request_info", "hand_back", "resolve", "MAX_REPLY_TEXT", "MAX_REASON_TEXT"]

# A reply is pushed to the resident under a header: it must fit one Telegram message (4096).
MAX_REPLY_TEXT = 3500
MAX_REASON_TEXT = 256


def _stamp_first_response(suggestion: Suggestion, actor: Actor, now: datetime) -> None:
    if suggestion.first_response_at is None and actor.kind in (
        ActorKind.STAFF,
        ActorKind.DEPUTY,
        ActorKind.SYSTEM,
    ):
        suggestion.first_response_at = now


async def reply(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    text: str,
    visibility: Visibility = Visibility.PUBLIC,
) -> Suggestion:
    """A public reply (status → answered) or an internal note (status unchanged, any status)."""
    visibility = Visibility(visibility)
    action = "reply" if visibility is Visibility.PUBLIC else "note"
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, action)
    body = clean_text(text, limit=MAX_REPLY_TEXT)
    if visibility is Visibility.PUBLIC:
        _stamp_first_response(suggestion, actor, now)
        await record_step(
            session, suggestion, actor, action, now=now, kind="reply",
            to=SuggestionStatus.ANSWERED, text=body, chars=len(body or ""),
        )
    else:
        await record_step(
            session, suggestion, actor, action, now=now, kind="note", text=body,
            chars=len(body or ""),
        )
    return suggestion


async def request_info(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, text: str
) -> Suggestion:
    """Ask the resident for more information (public; status → answered until they write back)."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "request_info")
    body = clean_text(text, limit=MAX_REPLY_TEXT)
    _stamp_first_response(suggestion, actor, now)
    await record_step(
        session, suggestion, actor, "request_info", now=now, kind="request_info",
        to=SuggestionStatus.ANSWERED, text=body,
    )
    return suggestion


async def hand_back(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, reason: str
) -> Suggestion:
    """The deputy gives the suggestion back to staff (unassigned, status → new; internal)."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "hand_back")
    if suggestion.assignee_deputy_id is None:
        raise LifecycleError("nobody_assigned", ticket=suggestion.ticket)
    body = clean_text(reason, limit=MAX_REASON_TEXT)
    previous = suggestion.assignee_deputy_id
    suggestion.assignee_deputy_id = None
    suggestion.reminded_at = None
    await record_step(
        session, suggestion, actor, "hand_back", now=now, kind="handed_back",
        to=SuggestionStatus.NEW, text=body, deputy_id=previous,
    )
    return suggestion


async def resolve(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    text: str | None = None,
) -> Suggestion:
    """Mark resolved (办结), optionally with a closing word to the resident; they are then asked
    to rate it."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "resolve")
    body = clean_text(text, limit=MAX_REPLY_TEXT, required=False)
    _stamp_first_response(suggestion, actor, now)
    suggestion.resolved_at = now
    await record_step(
        session, suggestion, actor, "resolve", now=now, kind="resolved",
        to=SuggestionStatus.RESOLVED, text=body,
    )
    return suggestion
