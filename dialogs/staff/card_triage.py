"""The triage part of the staff card: its state lines and its buttons, and keeping the card up to
date in place.

``dialogs.staff.cards.render_staff_card`` is the one renderer of the card; it appends
:func:`triage_section` and uses :func:`triage_keyboard`. Any change to a ticket calls
:func:`refresh_card`, which queues one coalesced ``editMessageText`` of the card (never a new
message) through ``storage.outbox.enqueue_card_edit``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import DialogConfig
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import escape
from locales import t
from storage import outbox
from storage.lifecycle import TRANSITIONS
from storage.models import OutboxMessage, Suggestion
from storage.outbox import OutboxPurpose
from storage.staff_chats import card_posted_to, staff_chat_for_suggestion
from storage.staff_topics import topic_for_station
from storage.ticket_view import (
    TicketView,
    current_deadline,
    is_overdue,
    load_ticket_view,
)

__all__ = [
    "FLOW",
    "triage_section",
    "triage_keyboard",
    "format_due",
    "card_payload",
    "refresh_card",
    "card_exists",
    "post_card",
]

FLOW = "tri"  # callback prefix of the card's buttons
# (button, callback action, the lifecycle action that must be allowed for it to show)
_MAIN_ROWS: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("assign", "as", "assign"), ("category", "ca", "set_category"),
     ("priority", "pr", "set_priority")),
    (("duplicate", "du", "mark_duplicate"), ("reject", "rj", "reject"),
     ("escalate", "es", "escalate")),
    (("hotline", "hl", "set_hotline"), ("resolve", "rs", "resolve"), ("close", "cl", "close")),
    (("reopen", "re", "reopen"),),
)


def format_due(moment: datetime, tz: ZoneInfo) -> str:
    """A deadline as people read it: ``2026-11-28 24:00`` rather than the next day's 00:00."""
    local = moment.astimezone(tz)
    if local.hour == 0 and local.minute == 0:
        from datetime import timedelta

        day = (local - timedelta(days=1)).date()
        return f"{day.isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def _deadline_line(
    suggestion: Suggestion, locale: str, tz: ZoneInfo, now: datetime | None
) -> str:
    kind, due = current_deadline(suggestion)
    line = t(locale, "triage.card.deadline", which=t(locale, f"triage.deadline.{kind}"),
             due=format_due(due, tz))
    if now is not None and is_overdue(suggestion, now):
        line += " " + t(locale, "triage.card.overdue")
    return line


def _assignee_line(suggestion: Suggestion, locale: str, view: TicketView | None) -> str:
    if suggestion.assignee_deputy_id is None:
        return t(locale, "triage.card.unassigned")
    if view is None or view.assignee_name is None:
        return t(locale, "triage.card.assigned_id", id=suggestion.assignee_deputy_id)
    key = "triage.card.assignee" if view.assignee_linked else "triage.card.assignee_unlinked"
    return t(locale, key, name=escape(view.assignee_name))


def _outcome_lines(suggestion: Suggestion, locale: str, view: TicketView | None) -> list[str]:
    lines = []
    if suggestion.hotline_ticket:
        lines.append(t(locale, "triage.card.hotline", number=escape(suggestion.hotline_ticket)))
    if view is not None and view.duplicate_of_ticket:
        lines.append(t(locale, "triage.card.duplicate", ticket=view.duplicate_of_ticket))
    if suggestion.reject_reason:
        lines.append(t(locale, "triage.card.rejected", reason=escape(suggestion.reject_reason)))
    if suggestion.satisfaction is not None:
        lines.append(t(locale, "triage.card.rating", rating=t(
            locale, f"lifecycle.satisfaction.{suggestion.satisfaction.value}")))
    return lines


def triage_section(
    suggestion: Suggestion,
    locale: str,
    tz: ZoneInfo,
    now: datetime | None = None,
    view: TicketView | None = None,
) -> str:
    """The lines under the card's body: status, priority and level, assignee, the current
    deadline (marked when overdue), 12345 number, duplicate, rejection, rating, timeline size."""
    lines = [
        t(locale, "triage.card.state",
          status=t(locale, f"lifecycle.status.{suggestion.status.value}"),
          priority=t(locale, f"lifecycle.priority.{suggestion.priority.value}"),
          level=t(locale, f"lifecycle.level.{suggestion.level.value}")),
        _assignee_line(suggestion, locale, view),
    ]
    if suggestion.status in TRANSITIONS["reply"].sources:
        lines.append(_deadline_line(suggestion, locale, tz, now))
    lines.extend(_outcome_lines(suggestion, locale, view))
    count = view.timeline_count if view is not None else 1
    lines.append(t(locale, "triage.card.timeline", count=count))
    return "\n\n" + "\n".join(lines)


def triage_keyboard(suggestion: Suggestion, locale: str) -> InlineKeyboardMarkup | None:
    """The buttons that can work in the ticket's current status (the handler checks again),
    and 📜 the timeline, always."""
    from dialogs.staff.timeline import timeline_button

    rows = []
    for row in _MAIN_ROWS:
        buttons = [
            (t(locale, f"triage.button.{label}"), encode(FLOW, action, suggestion.id))
            for label, action, needs in row
            if suggestion.status in TRANSITIONS[needs].sources
        ]
        if buttons:
            rows.append(buttons)
    rows.append([timeline_button(locale, suggestion.id)])
    return inline(rows)


async def card_payload(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, now: datetime
) -> dict[str, Any] | None:
    """The card's current text and buttons as Bot API parameters (None: no such suggestion)."""
    from dialogs.staff.cards import load_card_context, render_staff_card

    view = await load_ticket_view(session, suggestion_id)
    if view is None:
        return None
    context = await load_card_context(session, view.suggestion)
    text, markup = render_staff_card(
        view.suggestion, context, config.default_locale, config.tz, now=now, view=view
    )
    payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    payload["reply_markup"] = (markup or InlineKeyboardMarkup([])).to_dict()
    return payload


async def card_exists(session: AsyncSession, suggestion_id: int) -> bool:
    """Whether a card was ever queued for this suggestion (there is something to edit)."""
    found = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.suggestion_id == suggestion_id,
            OutboxMessage.purpose == OutboxPurpose.STAFF_CARD,
        ).limit(1)
    )
    return found is not None


async def refresh_card(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, now: datetime
) -> bool:
    """Queue an in-place edit of the suggestion's card with its current state; a burst of
    changes costs one edit. False when there is no card to edit."""
    chat_id = config.staff_chat_id
    if chat_id is None or not await card_exists(session, suggestion_id):
        return False
    payload = await card_payload(session, config, suggestion_id, now)
    if payload is None:
        return False
    suggestion = await session.get(Suggestion, suggestion_id)
    target = suggestion.card_chat_id if suggestion and suggestion.card_chat_id else chat_id
    row = await outbox.enqueue_card_edit(
        session, suggestion_id=suggestion_id, chat_id=target,
        payload={"chat_id": target, **payload}, now=now,
    )
    # The card now shows the ticket as of ``now``: the card sync job compares against this.
    if row.created_at < now:
        row.created_at = now
    if suggestion is not None and suggestion.card_chat_id is not None:
        # Escalated to the district level: the district's own group gets the card too.
        serving = await staff_chat_for_suggestion(session, suggestion, chat_id)
        if serving is not None and serving != suggestion.card_chat_id and not await card_posted_to(
                session, suggestion_id, serving):
            await _post(session, config, suggestion, serving, now)
    return True



async def post_card(
    session: AsyncSession, config: DialogConfig, suggestion_id: int, now: datetime
) -> bool:
    """Queue a new suggestion's card for the staff group (what ``cards.enqueue_staff_card`` does
    from a resident's turn, for callers without one: imports, scripts, tests)."""
    suggestion = await session.get(Suggestion, suggestion_id)
    if suggestion is None:
        return False
    chat_id = await staff_chat_for_suggestion(session, suggestion, config.staff_chat_id)
    if chat_id is None:
        return False
    return await _post(session, config, suggestion, chat_id, now)


async def _post(
    session: AsyncSession, config: DialogConfig, suggestion: Suggestion, chat_id: int, now: datetime
) -> bool:
    suggestion_id = suggestion.id
    payload = await card_payload(session, config, suggestion_id, now)
    if payload is None:
        return False
    thread = await topic_for_station(session, chat_id, suggestion.station_id)
    if thread is not None:
        payload = {**payload, "message_thread_id": thread}
    row = await outbox.enqueue(
        session, chat_id=chat_id, method="sendMessage", payload={"chat_id": chat_id, **payload},
        purpose=OutboxPurpose.STAFF_CARD, suggestion_id=suggestion_id, now=now,
    )
    return row is not None
