"""Sends whose answer was lost: the request went out, no answer came back, so the message may
or may not be in the chat. Repeats are bounded instead of blind.

* A staff card is never posted blindly a second time. It is marked sent-but-unconfirmed and
  remembers the newest message id known in its chat at that moment (``uncertain_after``). Then:
  - it is **found** when a staff member replies to it or presses one of its buttons: the update
    carries the message, its ticket number and its buttons (``adopt_card``); the card's waiting
    edits then go to that message;
  - it is **re-posted** when a later send proves it never arrived: in a supergroup every message
    takes the next id, so if the next message the bot sends there gets ``uncertain_after + 1``,
    nothing came in between (``after_sent``);
  - once, when nobody found it for ``CARD_WINDOW``, it is re-posted (``repost_unfound_cards``):
    a card staff never see is worse than a card they see twice.
* Any other message that creates something is repeated at most once: a second lost answer ends
  it as failed ("outcome unknown"). Edits are simply retried (an edit done twice is one edit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import OutboxMessage, OutboxPurpose, OutboxStatus, Suggestion
from .outbox import mark_sent

__all__ = ["lost_answer", "after_sent", "adopt_card", "repost_unfound_cards", "creates_message",
           "CARD_WINDOW"]

CARD_WINDOW = timedelta(minutes=15)
_TICKET = re.compile(r"\b\d{4}-\d{6}\b")
_CREATES = re.compile(r"^(send(?!ChatAction)|copyMessage|forwardMessage)")


def creates_message(method: str) -> bool:
    return bool(_CREATES.match(method))


def _unconfirmed_card() -> ColumnElement[bool]:
    return and_(OutboxMessage.purpose == OutboxPurpose.STAFF_CARD, OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.result_message_id.is_(None), OutboxMessage.uncertain > 0)


async def lost_answer(session: AsyncSession, outbox_id: int, *, now: datetime,
                      retry_at: datetime) -> bool:
    """Record a lost answer to the row's send. True: it is tried again at ``retry_at``."""
    row = await session.get(OutboxMessage, outbox_id, with_for_update=True)
    if row is None:
        return False
    row.uncertain += 1
    row.lease_owner = row.lease_until = None
    if row.purpose == OutboxPurpose.STAFF_CARD:
        row.status, row.sent_at = OutboxStatus.SENT, now
        row.last_error = "outcome unknown: waiting to be found"
        newest = await session.scalar(select(func.max(OutboxMessage.result_message_id)).where(
            OutboxMessage.chat_id == row.chat_id, OutboxMessage.status == OutboxStatus.SENT))
        row.uncertain_after = int(newest) if newest is not None else None
        await session.flush()
        return False
    if row.uncertain >= 2:
        row.status, row.last_error = OutboxStatus.FAILED, "outcome unknown after a repeat"
        await session.flush()
        return False
    row.status, row.not_before, row.last_error = OutboxStatus.PENDING, retry_at, "outcome unknown"
    await session.flush()
    return True


async def after_sent(session: AsyncSession, chat_id: int, message_id: int | None,
                     now: datetime) -> int:
    """A message the bot sent in ``chat_id`` got ``message_id``: re-post the lost cards this
    proves were never posted. Returns how many."""
    if message_id is None or not str(chat_id).startswith("-100"):  # ids are per chat: supergroups
        return 0
    rows = (await session.scalars(select(OutboxMessage).where(
        _unconfirmed_card(), OutboxMessage.chat_id == chat_id,
        OutboxMessage.uncertain_after == message_id - 1))).all()
    for row in rows:
        row.status, row.not_before, row.sent_at = OutboxStatus.PENDING, now, None
        row.uncertain -= 1  # that attempt certainly posted nothing
        row.last_error = "never arrived: posted again"
    await session.flush()
    return len(rows)


async def adopt_card(session: AsyncSession, *, chat_id: int, message_id: int, text: str,
                     buttons: Sequence[str], now: datetime) -> int | None:
    """A bot message seen in an update (a reply to it, a press of its button) that is the lost
    card of a suggestion (its ticket in the text, the suggestion's id in its buttons) becomes
    that suggestion's card. Returns the suggestion's id, or None."""
    for ticket in _TICKET.findall(text):
        suggestion = await session.scalar(select(Suggestion).where(
            Suggestion.ticket == ticket, Suggestion.card_message_id.is_(None)))
        if suggestion is None or not any(
                str(suggestion.id) in data.split(":")[2:] for data in buttons):
            continue
        row = await session.scalar(select(OutboxMessage).where(
            _unconfirmed_card(), OutboxMessage.suggestion_id == suggestion.id,
            OutboxMessage.chat_id == chat_id).limit(1))
        if row is None:
            continue
        await mark_sent(session, row.id, now=now, message_id=message_id)
        return suggestion.id
    return None


async def repost_unfound_cards(session: AsyncSession, now: datetime,
                               window: timedelta = CARD_WINDOW) -> int:
    """Cards unconfirmed for ``window`` after their first lost answer: posted once more."""
    rows = (await session.scalars(select(OutboxMessage).where(
        _unconfirmed_card(), OutboxMessage.uncertain == 1,
        OutboxMessage.sent_at < now - window))).all()
    for row in rows:
        row.status, row.not_before, row.sent_at = OutboxStatus.PENDING, now, None
        row.last_error = "not found: posted again"
    await session.flush()
    return len(rows)
