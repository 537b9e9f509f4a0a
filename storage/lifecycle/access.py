"""Who may see a suggestion and what they may do with it now, without touching the database.

Dialogs use :func:`allowed_actions` to offer only buttons that will work and :func:`may_view`
before showing a ticket; every operation checks again with :func:`refusal` (a stale or forged
button is refused all the same).
"""

from __future__ import annotations

from ..models import ActorKind, Suggestion
from ..roles import Actor
from .errors import LifecycleError
from .rules import TRANSITIONS

__all__ = ["refusal", "may_view", "allowed_actions"]


def refusal(suggestion: Suggestion, actor: Actor, action: str) -> LifecycleError | None:
    """Why ``actor`` may not do ``action`` on ``suggestion`` now, or None when they may.

    Who comes before where: a deputy asking about someone else's ticket learns nothing about it.
    """
    rule = TRANSITIONS[action]
    ticket = suggestion.ticket
    if actor.kind not in rule.actors:
        return LifecycleError("forbidden", ticket=ticket, action=action)
    if actor.kind is ActorKind.DEPUTY and suggestion.assignee_deputy_id != actor.id:
        return LifecycleError("not_assigned_to_you", ticket=ticket)
    if actor.kind is ActorKind.RESIDENT and suggestion.resident_id != actor.id:
        return LifecycleError("not_your_ticket", ticket=ticket)
    if suggestion.status not in rule.sources:
        return LifecycleError("not_allowed", ticket=ticket, action=action, status=suggestion.status)
    return None


def may_view(suggestion: Suggestion, actor: Actor) -> bool:
    """Staff see everything; a deputy what is assigned to them; a resident their own."""
    if actor.is_staff_like:
        return True
    if actor.kind is ActorKind.DEPUTY:
        return suggestion.assignee_deputy_id == actor.id
    return suggestion.resident_id == actor.id


def allowed_actions(suggestion: Suggestion, actor: Actor) -> list[str]:
    """The actions of the transition table this actor may take on this suggestion now."""
    return [action for action in TRANSITIONS if refusal(suggestion, actor, action) is None]
