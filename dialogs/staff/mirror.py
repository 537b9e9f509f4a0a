"""The conversation beside the card: what a deputy answers (and a resident adds) is copied into
the staff group as a reply to the ticket's card — in the card's forum topic when there is one —
through the outbox, so the group's 20 messages a minute hold however busy it gets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.kernel.context import DialogConfig
from dialogs.kernel.turn import escape
from locales import t
from storage import outbox
from storage.models import Deputy, OutboxPurpose, Suggestion

__all__ = ["beside_card", "mirror_deputy_action", "MIRRORED"]

MIRRORED = ("reply", "request_info", "resolve", "hand_back")  # what a deputy does that staff see
QUOTE_CHARS = 3000


def beside_card(suggestion: Suggestion, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` (a sendMessage to the card's chat) as a reply to the card, in its topic."""
    if suggestion.card_message_id is not None:
        payload["reply_parameters"] = {"message_id": suggestion.card_message_id,
                                       "allow_sending_without_reply": True}
    if suggestion.card_thread_id is not None:
        payload["message_thread_id"] = suggestion.card_thread_id
    return payload


async def mirror_deputy_action(
    session: AsyncSession, config: DialogConfig, suggestion: Suggestion, deputy_id: int,
    action: str, text: str | None, now: datetime,
) -> bool:
    """Copy a deputy's answer (question, resolution, handing back) beside the card."""
    chat_id = suggestion.card_chat_id or config.staff_chat_id
    if chat_id is None or action not in MIRRORED:
        return False
    deputy = await session.get(Deputy, deputy_id)
    locale = config.default_locale
    body = t(locale, f"cards.mirror.{action}", ticket=suggestion.ticket,
             name=escape(deputy.name if deputy is not None else ""))
    if text:
        clipped = text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"
        body += "\n" + t(locale, "cards.mirror.quote", text=escape(clipped))
    payload = beside_card(suggestion, {"chat_id": chat_id, "text": body, "parse_mode": "HTML"})
    row = await outbox.enqueue(session, chat_id=chat_id, method="sendMessage", payload=payload,
                               purpose=OutboxPurpose.STAFF_NOTICE, suggestion_id=suggestion.id, now=now)
    return row is not None
