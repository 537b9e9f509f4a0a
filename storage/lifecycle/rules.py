"""The suggestion status graph as data: which action, from which status, by whom, to where.

Statuses (``SuggestionStatus``)::

    new ──assign──▶ assigned ──reply──▶ answered ──resolve──▶ resolved ──rate 满意/基本满意──▶ closed
     ▲                 ▲  │                │  ▲                   │
     │ hand_back       │  └── followup ◀─┘  │                   └─rate 不满意──▶ reopened ─▶ (handler)
     └─────────────────┴── escalate ▶ escalated (next level, unassigned until assigned)
    any open status ──reject──▶ rejected · ──mark_duplicate──▶ duplicate · ──close──▶ closed

*Open* statuses are the ones somebody still has to act on. Staff (and the system, for scheduled
jobs) may do every staff action; a deputy only the handling actions, and only on suggestions
assigned to them; a resident only the resident actions, and only on their own suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..models import ActorKind, SuggestionStatus

__all__ = [
    "Rule",
    "TRANSITIONS",
    "OPEN",
    "FINISHED",
    "DEPUTY_ACTIONS",
    "RESIDENT_ACTIONS",
    "MAX_REOPENS_TO_HANDLER",
]

S = SuggestionStatus
OPEN = frozenset({S.NEW, S.ASSIGNED, S.ANSWERED, S.ESCALATED, S.REOPENED})
FINISHED = frozenset({S.CLOSED, S.REJECTED, S.DUPLICATE})
EVERY = frozenset(SuggestionStatus)

_STAFF = frozenset({ActorKind.STAFF, ActorKind.SYSTEM})
_HANDLERS = _STAFF | {ActorKind.DEPUTY}
_RESIDENT = frozenset({ActorKind.RESIDENT})


@dataclass(frozen=True, slots=True)
class Rule:
    """``sources``: statuses the action is allowed from; ``targets``: where it may lead;
    ``keeps_status``: whether it may also leave the status as it is; ``actors``: who may do it;
    ``public``: whether its timeline entry is shown to the resident."""

    sources: frozenset[SuggestionStatus]
    actors: frozenset[ActorKind]
    targets: frozenset[SuggestionStatus]
    keeps_status: bool
    public: bool


def _rule(
    sources: Iterable[SuggestionStatus],
    actors: Iterable[ActorKind],
    targets: Iterable[SuggestionStatus] = (),
    *,
    keeps_status: bool = False,
    public: bool = True,
) -> Rule:
    target_set = frozenset(targets)
    return Rule(
        frozenset(sources), frozenset(actors), target_set, keeps_status or not target_set, public
    )


TRANSITIONS: dict[str, Rule] = {
    # Triage (staff)
    "assign": _rule(OPEN, _STAFF, {S.ASSIGNED}),
    "escalate": _rule(OPEN, _STAFF, {S.ESCALATED}),
    "reject": _rule(OPEN, _STAFF, {S.REJECTED}),
    "mark_duplicate": _rule(OPEN, _STAFF, {S.DUPLICATE}),
    "close": _rule(OPEN | {S.RESOLVED}, _STAFF, {S.CLOSED}),
    "reopen": _rule(FINISHED | {S.RESOLVED}, _STAFF, {S.REOPENED}),
    "set_hotline": _rule(OPEN | {S.RESOLVED}, _STAFF),
    "set_category": _rule(OPEN, _STAFF, public=False),
    "set_priority": _rule(OPEN, _STAFF, public=False),
    # Handling (staff, or the deputy it is assigned to)
    "reply": _rule(OPEN, _HANDLERS, {S.ANSWERED}),
    "note": _rule(EVERY, _HANDLERS, public=False),
    "request_info": _rule(OPEN, _HANDLERS, {S.ANSWERED}),
    "hand_back": _rule({S.ASSIGNED, S.ANSWERED, S.REOPENED}, _HANDLERS, {S.NEW}, public=False),
    "resolve": _rule(OPEN, _HANDLERS, {S.RESOLVED}),
    # The resident who wrote it
    # answered → assigned (new when nobody is assigned); other statuses stay as they are
    "add_followup": _rule(OPEN, _RESIDENT, {S.ASSIGNED, S.NEW}, keeps_status=True),
    "rate": _rule({S.RESOLVED}, _RESIDENT, {S.CLOSED, S.REOPENED}),
    # 回访, some days after it was resolved: still fixed (recorded) or came back (reopened)
    "followup_fixed": _rule({S.RESOLVED, S.CLOSED}, _RESIDENT),
    "followup_came_back": _rule({S.RESOLVED, S.CLOSED}, _RESIDENT, {S.REOPENED}),
}

DEPUTY_ACTIONS = frozenset(a for a, r in TRANSITIONS.items() if ActorKind.DEPUTY in r.actors)
RESIDENT_ACTIONS = frozenset(a for a, r in TRANSITIONS.items() if ActorKind.RESIDENT in r.actors)

# Unsatisfied ratings that send a suggestion back to its handler; the next one goes to staff.
MAX_REOPENS_TO_HANDLER = 2
