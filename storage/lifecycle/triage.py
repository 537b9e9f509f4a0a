"""Triage (分层分类处理): what only staff (or the system) do with a suggestion.

Assign to a deputy, escalate a level, reject, merge as a duplicate, close, reopen, and the
metadata: 12345 hotline number, category, priority.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..deadlines import Deadlines
from ..models import Category, Deputy, HandlingLevel, Priority, Suggestion, SuggestionStatus
from ..roles import Actor
from ..tickets import normalise_ticket
from .apply import SuggestionRef, authorise, clean_text, load_locked, record_step
from .errors import LifecycleError
from .handling import MAX_REASON_TEXT

__all__ = [
    "assign",
    "escalate",
    "reject",
    "mark_duplicate",
    "close",
    "reopen",
    "set_hotline",
    "set_category",
    "set_priority",
    "LEVEL_ORDER",
]

LEVEL_ORDER = (HandlingLevel.STATION, HandlingLevel.HOME, HandlingLevel.DISTRICT)
_DEFAULT_DEADLINES = Deadlines()
_HOTLINE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{2,31}$")


async def assign(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, deputy_id: int
) -> Suggestion:
    """Give the suggestion to a deputy (status → assigned); reminders start afresh."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "assign")
    deputy = await session.get(Deputy, deputy_id)
    if deputy is None or not deputy.active:
        raise LifecycleError("unknown_deputy", ref=str(deputy_id))
    if (
        suggestion.assignee_deputy_id == deputy_id
        and suggestion.status is SuggestionStatus.ASSIGNED
    ):
        raise LifecycleError("unchanged", ticket=suggestion.ticket)
    previous = suggestion.assignee_deputy_id
    suggestion.assignee_deputy_id = deputy_id
    suggestion.reminded_at = None
    await record_step(
        session, suggestion, actor, "assign", now=now, kind="assigned",
        to=SuggestionStatus.ASSIGNED, deputy_id=deputy_id, previous_deputy_id=previous,
    )
    return suggestion


async def escalate(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    to_level: HandlingLevel | str | None = None,
) -> Suggestion:
    """Move up a level (station → home → district; default: the next one). The suggestion waits
    unassigned at the new level until staff assign it."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "escalate")
    current = LEVEL_ORDER.index(suggestion.level)
    if to_level is None:
        if current + 1 >= len(LEVEL_ORDER):
            raise LifecycleError("top_level", ticket=suggestion.ticket, level=suggestion.level)
        target = LEVEL_ORDER[current + 1]
    else:
        try:
            target = HandlingLevel(to_level)
        except ValueError:
            raise LifecycleError("bad_level", level_code=str(to_level)) from None
        if LEVEL_ORDER.index(target) <= current:
            raise LifecycleError("not_higher", ticket=suggestion.ticket, level=suggestion.level)
    suggestion.level = target
    suggestion.assignee_deputy_id = None
    suggestion.reminded_at = None
    await record_step(
        session, suggestion, actor, "escalate", now=now, kind="escalated",
        to=SuggestionStatus.ESCALATED, text=target.value, level=target.value,
    )
    return suggestion


async def reject(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, reason: str
) -> Suggestion:
    """Refuse the suggestion with a reason the resident is shown (kindly, by the dialog)."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "reject")
    body = clean_text(reason, limit=MAX_REASON_TEXT)
    suggestion.reject_reason = body
    await record_step(
        session, suggestion, actor, "reject", now=now, kind="rejected",
        to=SuggestionStatus.REJECTED, text=body,
    )
    return suggestion


async def _duplicate_root(session: AsyncSession, ticket: str) -> Suggestion:
    normalised = normalise_ticket(ticket)
    target = None
    if normalised is not None:
        target = await session.scalar(select(Suggestion).where(Suggestion.ticket == normalised))
    if target is None:
        raise LifecycleError("unknown_ticket", ticket=ticket.strip()[:32])
    seen = {target.id}
    while target.duplicate_of_id is not None:  # point at the original, not at another copy
        parent = await session.get(Suggestion, target.duplicate_of_id)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        target = parent
    return target


async def mark_duplicate(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, of_ticket: str
) -> Suggestion:
    """Merge into another ticket (its original, if that one is itself a duplicate)."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "mark_duplicate")
    original = await _duplicate_root(session, of_ticket)
    if original.id == suggestion.id:
        raise LifecycleError("duplicate_of_self", ticket=suggestion.ticket)
    suggestion.duplicate_of_id = original.id
    await record_step(
        session, suggestion, actor, "mark_duplicate", now=now, kind="duplicate",
        to=SuggestionStatus.DUPLICATE, text=original.ticket, of_ticket=original.ticket,
    )
    return suggestion


async def close(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime
) -> Suggestion:
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "close")
    suggestion.closed_at = now
    await record_step(
        session, suggestion, actor, "close", now=now, kind="closed", to=SuggestionStatus.CLOSED
    )
    return suggestion


async def reopen(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    deadlines: Deadlines = _DEFAULT_DEADLINES,
) -> Suggestion:
    """Staff take a finished suggestion up again: back to its handler with a fresh resolution
    deadline. (Residents reopen by rating 不满意; that is counted in ``reopen_count``.)"""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "reopen")
    suggestion.closed_at = None
    suggestion.resolved_at = None
    suggestion.duplicate_of_id = None
    suggestion.reject_reason = None
    suggestion.reminded_at = None
    suggestion.resolution_due = deadlines.resolution_due(now)
    await record_step(
        session, suggestion, actor, "reopen", now=now, kind="reopened",
        to=SuggestionStatus.REOPENED,
    )
    return suggestion


async def set_hotline(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, number: str
) -> Suggestion:
    """Record the 12345 接诉即办 ticket number the suggestion was passed on under."""
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "set_hotline")
    cleaned = number.strip()
    if not _HOTLINE.match(cleaned):
        raise LifecycleError("bad_hotline")
    if cleaned == suggestion.hotline_ticket:
        raise LifecycleError("unchanged", ticket=suggestion.ticket)
    suggestion.hotline_ticket = cleaned
    await record_step(
        session, suggestion, actor, "set_hotline", now=now, kind="hotline", text=cleaned,
        hotline=cleaned,
    )
    return suggestion


async def set_category(
    session: AsyncSession, ref: SuggestionRef, actor: Actor, *, now: datetime, category_code: str
) -> Suggestion:
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "set_category")
    if await session.get(Category, category_code) is None:
        raise LifecycleError("unknown_category", code=category_code[:32])
    if category_code == suggestion.category_code:
        raise LifecycleError("unchanged", ticket=suggestion.ticket)
    previous = suggestion.category_code
    suggestion.category_code = category_code
    await record_step(
        session, suggestion, actor, "set_category", now=now, kind="category",
        text=category_code, category=category_code, previous_category=previous,
    )
    return suggestion


async def set_priority(
    session: AsyncSession,
    ref: SuggestionRef,
    actor: Actor,
    *,
    now: datetime,
    priority: Priority | str,
) -> Suggestion:
    suggestion = await load_locked(session, ref)
    authorise(suggestion, actor, "set_priority")
    try:
        wanted = Priority(priority)
    except ValueError:
        raise LifecycleError("bad_priority") from None
    if wanted is suggestion.priority:
        raise LifecycleError("unchanged", ticket=suggestion.ticket)
    suggestion.priority = wanted
    await record_step(
        session, suggestion, actor, "set_priority", now=now, kind="priority",
        text=wanted.value, priority=wanted.value,
    )
    return suggestion
