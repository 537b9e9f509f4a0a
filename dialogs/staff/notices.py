"""Telling staff (and the ticket's deputy) what a resident did to a ticket: a follow-up message
or a rating. The notice goes beside the card (its forum topic) and the card is refreshed."""

from __future__ import annotations

from typing import Any

from dialogs.kernel.turn import Turn, escape
from dialogs.staff.card import PART_CHARS, refresh_card
from dialogs.staff.mirror import beside_card
from locales import t
from storage.models import OutboxPurpose, Suggestion
from storage.staff_chats import staff_chat_for_suggestion
from storage.ticket_view import load_ticket_view

__all__ = ["render_staff_notice", "tell_staff"]


def render_staff_notice(
    suggestion: Suggestion, kind: str, locale: str = "zh", *, text: str | None = None,
    verdict: str | None = None,
) -> str:
    """A short line for staff (and the assigned deputy) when the resident adds to a ticket
    (``followup``) or rates it (``rating``)."""
    shown = t(locale, f"lifecycle.satisfaction.{verdict}") if verdict else ""
    notice = t(locale, f"cards.notice.{kind}", ticket=suggestion.ticket, verdict=shown,
               status=t(locale, f"lifecycle.status.{suggestion.status.value}"))
    if text:
        notice += "\n" + escape(text[:PART_CHARS - len(notice)])
    return notice


async def tell_staff(
    turn: Turn, suggestion: Suggestion, kind: str, *, text: str | None = None,
    verdict: str | None = None,
) -> int:
    """Tell the staff group, and the deputy the ticket is assigned to (if they use the bot),
    what the resident did. Returns how many messages were queued."""
    chats: list[int] = []
    group = suggestion.card_chat_id or await staff_chat_for_suggestion(
        turn.session, suggestion, turn.config.staff_chat_id)
    if group is not None:
        chats.append(group)
    view = await load_ticket_view(turn.session, suggestion.id)
    if view is not None and view.assignee_active and view.assignee_chat_id:
        chats.append(view.assignee_chat_id)
    locale = turn.config.default_locale
    for chat_id in chats:
        body = render_staff_notice(suggestion, kind, locale, text=text, verdict=verdict)
        notice: dict[str, Any] = {"chat_id": chat_id, "text": body, "parse_mode": "HTML"}
        if chat_id == suggestion.card_chat_id:
            beside_card(suggestion, notice)  # a reply to the card, in its topic
        await turn.enqueue(chat_id, "sendMessage", notice, purpose=OutboxPurpose.STAFF_NOTICE,
                           suggestion_id=suggestion.id)
    await refresh_card(turn.session, turn.config, suggestion.id, turn.now)
    return len(chats)
