"""The suggestion lifecycle: creation, every transition, and the queries around them.

Each transition is ``async def x(session, suggestion_id_or_obj, actor, *, now, ...) ->
Suggestion``. It locks the row, checks who may do it (:mod:`.rules`), checks the status graph,
stamps times, appends a timeline entry (public or internal) and an audit entry, and flushes.
It never commits: the caller's unit of work does. A refused operation raises
:class:`LifecycleError` and changes nothing.
"""

from __future__ import annotations

from .access import allowed_actions, may_view, refusal
from .create import ATTACHMENT_KINDS, MAX_ATTACHMENTS, MAX_SUGGESTION_TEXT, create_suggestion
from .errors import LifecycleError
from .followup import CAME_BACK, STILL_FIXED, came_back, confirm_fixed
from .handling import MAX_REASON_TEXT, MAX_REPLY_TEXT, hand_back, reply, request_info, resolve
from .queries import (
    count_today,
    due_by,
    full_timeline,
    get_by_ticket,
    list_for_deputy,
    list_for_resident,
    next_deadline,
    overdue,
    public_timeline,
)
from .resident import MAX_COMMENT_TEXT, add_followup, rate
from .rules import (
    DEPUTY_ACTIONS,
    FINISHED,
    MAX_REOPENS_TO_HANDLER,
    OPEN,
    RESIDENT_ACTIONS,
    TRANSITIONS,
    Rule,
)
from .triage import (
    LEVEL_ORDER,
    assign,
    close,
    escalate,
    mark_duplicate,
    reject,
    reopen,
    set_category,
    set_hotline,
    set_priority,
)

__all__ = [
    "ATTACHMENT_KINDS", "CAME_BACK", "DEPUTY_ACTIONS", "STILL_FIXED", "came_back", "confirm_fixed", "FINISHED", "LEVEL_ORDER", "LifecycleError",
    "MAX_ATTACHMENTS", "MAX_COMMENT_TEXT", "MAX_REASON_TEXT", "MAX_REOPENS_TO_HANDLER",
    "MAX_REPLY_TEXT", "MAX_SUGGESTION_TEXT", "OPEN", "RESIDENT_ACTIONS", "Rule", "TRANSITIONS",
    "add_followup", "allowed_actions", "assign", "may_view", "refusal",
    "close", "count_today", "create_suggestion", "due_by",
    "escalate", "full_timeline", "get_by_ticket", "hand_back", "list_for_deputy",
    "list_for_resident", "mark_duplicate", "next_deadline", "overdue", "public_timeline",
    "rate", "reject", "reopen", "reply", "request_info", "resolve", "set_category",
    "set_hotline", "set_priority",
]
