"""Every action staff or a deputy can take on a ticket, in one table: its name, who may take it
(the lifecycle's rule, :data:`storage.lifecycle.TRANSITIONS`), the storage operation it calls,
and what follows in the same unit of work — the staff card edited in place, the resident told
(public actions), the deputy given the ticket (assigned, or reopened while assigned).

Whichever way an action is asked for (a card button, a reply to the card, the deputy's inbox),
it goes through :func:`run_action`. A refused operation raises
:class:`storage.lifecycle.LifecycleError` before anything changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.deputy.ticket import push_to_deputy
from dialogs.kernel.context import DialogConfig
from dialogs.resident.notices import notify_resident
from dialogs.staff.card import refresh_card
from dialogs.staff.mirror import mirror_deputy_action
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import ActorKind, Suggestion, Visibility
from storage.roles import Actor

__all__ = ["Inputs", "TicketAction", "ACTIONS", "run_action", "deadlines_of"]


@dataclass(frozen=True, slots=True)
class Inputs:
    """What an action was given: a deputy, words, or a code (category, priority)."""

    deputy_id: int | None = None
    text: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """The storage operation behind an action, with what it needs from the running service."""

    session: AsyncSession
    suggestion_id: int
    actor: Actor
    now: datetime
    config: DialogConfig
    inputs: Inputs


Operation = Callable[[Call], Awaitable[Suggestion]]


@dataclass(frozen=True, slots=True)
class TicketAction:
    name: str  # the lifecycle action (its rule says from which statuses, and who may)
    operation: Operation
    tells_resident: str | None = None  # the timeline kind the resident is told about
    gives_deputy: str | None = None  # the headline of the ticket pushed to its deputy

    def may(self, actor: Actor) -> bool:
        """Whether this kind of actor may take the action at all (the operation also checks
        the ticket's status and, for a deputy, that the ticket is theirs)."""
        return actor.kind in lifecycle.TRANSITIONS[self.name].actors


def deadlines_of(config: DialogConfig) -> Deadlines:
    return Deadlines(config.first_response_days, config.resolution_days, config.tz)


def _text(c: Call) -> str:
    return c.inputs.text or ""


ACTIONS: dict[str, TicketAction] = {a.name: a for a in (
    TicketAction("assign", lambda c: lifecycle.assign(
        c.session, c.suggestion_id, c.actor, now=c.now, deputy_id=int(c.inputs.deputy_id or 0)),
        gives_deputy="assigned"),
    TicketAction("set_category", lambda c: lifecycle.set_category(
        c.session, c.suggestion_id, c.actor, now=c.now, category_code=c.inputs.code or "")),
    TicketAction("set_priority", lambda c: lifecycle.set_priority(
        c.session, c.suggestion_id, c.actor, now=c.now, priority=c.inputs.code or "")),
    TicketAction("reject", lambda c: lifecycle.reject(
        c.session, c.suggestion_id, c.actor, now=c.now, reason=_text(c)),
        tells_resident="rejected"),
    TicketAction("mark_duplicate", lambda c: lifecycle.mark_duplicate(
        c.session, c.suggestion_id, c.actor, now=c.now, of_ticket=_text(c)),
        tells_resident="duplicate"),
    TicketAction("escalate", lambda c: lifecycle.escalate(
        c.session, c.suggestion_id, c.actor, now=c.now), tells_resident="escalated"),
    TicketAction("set_hotline", lambda c: lifecycle.set_hotline(
        c.session, c.suggestion_id, c.actor, now=c.now, number=_text(c)),
        tells_resident="hotline"),
    TicketAction("resolve", lambda c: lifecycle.resolve(
        c.session, c.suggestion_id, c.actor, now=c.now, text=c.inputs.text),
        tells_resident="resolved"),
    TicketAction("close", lambda c: lifecycle.close(
        c.session, c.suggestion_id, c.actor, now=c.now), tells_resident="closed"),
    TicketAction("reopen", lambda c: lifecycle.reopen(
        c.session, c.suggestion_id, c.actor, now=c.now, deadlines=deadlines_of(c.config)),
        tells_resident="reopened", gives_deputy="reopened"),
    TicketAction("reply", lambda c: lifecycle.reply(
        c.session, c.suggestion_id, c.actor, now=c.now, text=_text(c)),
        tells_resident="reply"),
    TicketAction("note", lambda c: lifecycle.reply(
        c.session, c.suggestion_id, c.actor, now=c.now, text=_text(c),
        visibility=Visibility.INTERNAL)),
    TicketAction("request_info", lambda c: lifecycle.request_info(
        c.session, c.suggestion_id, c.actor, now=c.now, text=_text(c)),
        tells_resident="request_info"),
    TicketAction("hand_back", lambda c: lifecycle.hand_back(
        c.session, c.suggestion_id, c.actor, now=c.now, reason=_text(c))),
)}


async def run_action(
    session: AsyncSession,
    config: DialogConfig,
    actor: Actor,
    suggestion_id: int,
    name: str,
    inputs: Inputs,
    now: datetime,
) -> Suggestion:
    """Do action ``name`` on the suggestion as ``actor``, and everything that follows from it,
    in the caller's unit of work."""
    action = ACTIONS.get(name)
    if action is None:
        raise ValueError(f"unknown ticket action {name!r}")
    done = await action.operation(Call(session, suggestion_id, actor, now, config, inputs))
    await refresh_card(session, config, done.id, now)
    if action.tells_resident is not None:
        await notify_resident(session, done, action.tells_resident, now=now)
    if action.gives_deputy is not None and done.assignee_deputy_id is not None:
        await push_to_deputy(session, config, done.id, action.gives_deputy, now)
    if actor.kind is ActorKind.DEPUTY and actor.id is not None:  # staff see the conversation
        await mirror_deputy_action(session, config, done, actor.id, name, inputs.text, now)
    return done
