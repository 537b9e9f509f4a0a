"""What a staff action does, whichever way it was asked for (a card button or a reply to the
card): the lifecycle operation, then everything that follows from it in the same unit of work —
the card edited in place, the resident told, the deputy given the ticket.

A refused operation raises :class:`storage.lifecycle.LifecycleError` before anything changed.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.deputy.ticket import push_to_deputy
from dialogs.kernel.context import DialogConfig
from dialogs.kernel.turn import Turn
from dialogs.staff.card_triage import refresh_card
from dialogs.staff.mirror import mirror_deputy_action
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import ActorKind, Deputy, Suggestion, Visibility
from storage.roles import Actor

__all__ = ["ActionArgs", "deadlines_of", "run_action", "after_change", "PUBLIC_NOTICE"]

# Actions after which the resident is told (the kind of timeline entry they are told about).
PUBLIC_NOTICE: dict[str, str | None] = {
    "reject": "rejected",
    "mark_duplicate": "duplicate",
    "escalate": "escalated",
    "set_hotline": "hotline",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
    "reply": "reply",
    "request_info": "request_info",
}


class ActionArgs(TypedDict, total=False):
    """What an action takes besides the suggestion: see :func:`run_action`."""

    deputy_id: int
    text: str | None
    code: str


def deadlines_of(config: DialogConfig) -> Deadlines:
    return Deadlines(config.first_response_days, config.resolution_days, config.tz)


async def run_action(
    turn: Turn,
    actor: Actor,
    suggestion_id: int,
    action: str,
    *,
    deputy_id: int | None = None,
    text: str | None = None,
    code: str | None = None,
) -> Suggestion:
    """Do ``action`` on the suggestion as ``actor`` and everything that follows from it."""
    session, now = turn.session, turn.now
    ref: int = suggestion_id
    if action == "assign":
        done = await lifecycle.assign(session, ref, actor, now=now, deputy_id=int(deputy_id or 0))
    elif action == "set_category":
        done = await lifecycle.set_category(session, ref, actor, now=now, category_code=code or "")
    elif action == "set_priority":
        done = await lifecycle.set_priority(session, ref, actor, now=now, priority=code or "")
    elif action == "reject":
        done = await lifecycle.reject(session, ref, actor, now=now, reason=text or "")
    elif action == "mark_duplicate":
        done = await lifecycle.mark_duplicate(session, ref, actor, now=now, of_ticket=text or "")
    elif action == "escalate":
        done = await lifecycle.escalate(session, ref, actor, now=now)
    elif action == "set_hotline":
        done = await lifecycle.set_hotline(session, ref, actor, now=now, number=text or "")
    elif action == "resolve":
        done = await lifecycle.resolve(session, ref, actor, now=now, text=text)
    elif action == "close":
        done = await lifecycle.close(session, ref, actor, now=now)
    elif action == "reopen":
        done = await lifecycle.reopen(session, ref, actor, now=now, deadlines=deadlines_of(turn.config))
    elif action == "reply":
        done = await lifecycle.reply(session, ref, actor, now=now, text=text or "")
    elif action == "note":
        done = await lifecycle.reply(session, ref, actor, now=now, text=text or "",
                                     visibility=Visibility.INTERNAL)
    elif action == "request_info":
        done = await lifecycle.request_info(session, ref, actor, now=now, text=text or "")
    elif action == "hand_back":
        done = await lifecycle.hand_back(session, ref, actor, now=now, reason=text or "")
    else:
        raise ValueError(f"unknown triage action {action!r}")
    await after_change(turn, done, action)
    if actor.kind is ActorKind.DEPUTY and actor.id is not None:  # staff see the conversation
        await mirror_deputy_action(turn.session, turn.config, done, actor.id, action, text,
                                   turn.now)
    return done


async def after_change(turn: Turn, suggestion: Suggestion, action: str) -> None:
    """The card edited in place, the resident told (public actions), the deputy given the
    ticket (assigned, or reopened while assigned)."""
    from dialogs.staff.cards import notify_resident

    await refresh_card(turn.session, turn.config, suggestion.id, turn.now)
    if action in PUBLIC_NOTICE:
        await notify_resident(turn, suggestion, PUBLIC_NOTICE[action])
    if action in ("assign", "reopen") and suggestion.assignee_deputy_id is not None:
        await push_to_deputy(turn, suggestion.id, "assigned" if action == "assign" else "reopened")


async def deputy_name(session: AsyncSession, deputy_id: int | None) -> tuple[str, bool]:
    """A deputy's public name and whether their Telegram account is linked."""
    deputy = await session.get(Deputy, deputy_id) if deputy_id else None
    if deputy is None:
        return "", False
    return deputy.name, deputy.telegram_user_id is not None
