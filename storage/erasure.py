"""What /forget erases beyond the resident's own row: the copies of their name, phone, Telegram
id and address that other rows hold.

``forget_resident`` detaches the suggestions and empties the resident's row; this module finds
the copies: outbox payloads (the staff card's text, a deputy's copy of the ticket, a message in
flight to the resident), timeline entries and audit details that quote the phone or name, and the
suggestion's own text where the resident typed their phone or name into it. Each copy of a value
becomes ``ERASED``; what the suggestion says otherwise stays (the privacy notice says so).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import outbox
from .models import (
    AuditEntry,
    OutboxMessage,
    OutboxPurpose,
    OutboxStatus,
    ProcessedUpdate,
    Resident,
    Suggestion,
    TimelineEntry,
)

__all__ = ["ERASED", "FORGET_EDIT", "PersonalValues", "personal_values", "erase_copies", "erase_in"]

ERASED = "***"
FORGET_EDIT = OutboxPurpose.FORGET_EDIT  # a delivered message edited to lose the person
_MIN_CHARS = 2  # a one-character "name" would erase that character from every text
_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class PersonalValues:
    """Every way the resident's personal data may be written in another row."""

    texts: tuple[str, ...]  # longest first, so "+8613800138000" goes before "13800138000"
    chat_id: int | None
    # Names and phones only: what is erased from what someone wrote (a suggestion, an answer);
    # the address the resident typed may be a village's name, which such texts legitimately use.
    in_content: tuple[str, ...] = ()

    def erase(self, text: str) -> str:
        for value in self.texts:
            text = text.replace(value, ERASED)
        return text

    def erase_content(self, text: str) -> str:
        for value in self.in_content:
            text = text.replace(value, ERASED)
        return text

    def found_in(self, text: str) -> bool:
        return any(value in text for value in self.texts)


def _phone_forms(phone: str) -> set[str]:
    """A phone as stored (+86 138 0013 8000), as digits, and without the country code."""
    forms = {phone.strip()}
    digits = _DIGITS.sub("", phone)
    if len(digits) >= 7:
        forms.add(digits)
        forms.add("+" + digits)
        if digits.startswith("86") and len(digits) > 11:
            forms.add(digits[2:])
        elif len(digits) == 11:
            forms.add("+86" + digits)
            forms.add("86" + digits)
    return forms


def personal_values(resident: Resident, suggestions: Iterable[Suggestion]) -> PersonalValues:
    """Read before the resident's row and the suggestions' contact fields are emptied."""
    content: set[str] = set()
    names = [resident.display_name]
    phones = [resident.phone]
    for suggestion in suggestions:
        names.append(suggestion.contact_name)
        phones.append(suggestion.contact_phone)
    for name in names:
        if name and len(name.strip()) >= _MIN_CHARS:
            content.add(name.strip())
    for phone in phones:
        if phone:
            content.update(_phone_forms(phone))
    values = set(content)
    if resident.address_text and len(resident.address_text.strip()) >= _MIN_CHARS:
        values.add(resident.address_text.strip())
    if resident.telegram_user_id is not None:
        values.add(str(resident.telegram_user_id))

    def ordered(found: set[str]) -> tuple[str, ...]:
        return tuple(sorted((v for v in found if len(v) >= _MIN_CHARS), key=len, reverse=True))

    return PersonalValues(ordered(values), resident.chat_id, ordered(content))


def erase_in(value: Any, values: PersonalValues) -> Any:
    """``value`` (text, or JSON of lists and objects) with every personal value erased."""
    if isinstance(value, str):
        return values.erase(value)
    if isinstance(value, dict):
        return {key: erase_in(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [erase_in(item, values) for item in value]
    return value


def _mentions(column: Any, values: PersonalValues) -> Any:
    """SQL: the column's text contains one of the values. JSON columns are read as text, where
    Chinese is written as \\u escapes: both spellings are looked for."""
    text = cast(column, String)
    spellings = set(values.texts) | {json.dumps(v)[1:-1] for v in values.texts}
    return or_(*(text.contains(value, autoescape=True) for value in sorted(spellings)))


async def _erase_outbox(
    session: AsyncSession, values: PersonalValues, suggestion_ids: Sequence[int], now: datetime
) -> None:
    linked = [_mentions(OutboxMessage.payload, values)] if values.texts else []
    if suggestion_ids:
        linked.append(OutboxMessage.suggestion_id.in_(suggestion_ids))
    if values.chat_id is not None:
        linked.append(OutboxMessage.chat_id == values.chat_id)
    if not linked:
        return
    for row in list(await session.scalars(select(OutboxMessage).where(or_(*linked)))):
        if values.chat_id is not None and row.chat_id == values.chat_id:
            # In flight to the resident (the rest was deleted): the worker sends from memory; a
            # retry after a crash would find nothing to send, which is what /forget asked for.
            row.payload, row.chat_id = {}, 0
        else:
            erased = erase_in(row.payload, values)
            if erased != row.payload:
                await _edit_delivered_copy(session, row, erased, now)
            row.payload = erased
        if row.last_error:
            row.last_error = values.erase(row.last_error)


_RENDERED_AGAIN = (OutboxPurpose.STAFF_CARD, OutboxPurpose.CARD_EDIT)  # staff cards are re-rendered by the caller


async def _edit_delivered_copy(
    session: AsyncSession, row: OutboxMessage, erased: dict[str, Any], now: datetime
) -> None:
    """A message already in someone's chat (a deputy's copy of the ticket, a notice in the staff
    group) that quoted the person: edit it there to read as its erased payload."""
    text = erased.get("text")
    if (row.status is not OutboxStatus.SENT or row.result_message_id is None
            or row.method != "sendMessage" or row.purpose in _RENDERED_AGAIN
            or not isinstance(text, str)):
        return
    payload: dict[str, Any] = {"chat_id": row.chat_id, "message_id": row.result_message_id,
                               "text": text}
    for key in ("parse_mode", "reply_markup"):
        if key in erased:
            payload[key] = erased[key]
    await outbox.enqueue(session, chat_id=row.chat_id, method="editMessageText", payload=payload,
                         purpose=FORGET_EDIT, suggestion_id=row.suggestion_id, now=now)


async def _erase_texts(
    session: AsyncSession, values: PersonalValues, suggestion_ids: Sequence[int]
) -> None:
    if suggestion_ids:
        for suggestion in await session.scalars(
            select(Suggestion).where(Suggestion.id.in_(suggestion_ids))
        ):
            suggestion.text = values.erase_content(suggestion.text)
            for name in ("satisfaction_comment", "reject_reason"):
                old = getattr(suggestion, name)
                if old:
                    setattr(suggestion, name, values.erase_content(old))
        for entry in await session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.suggestion_id.in_(suggestion_ids), TimelineEntry.text.is_not(None)
            )
        ):
            entry.text = values.erase_content(entry.text or "")
    for audit in await session.scalars(
        select(AuditEntry).where(_mentions(AuditEntry.details, values))
    ):
        audit.details = erase_in(audit.details, values)
    for update in await session.scalars(
        select(ProcessedUpdate).where(
            ProcessedUpdate.note.is_not(None), _mentions(ProcessedUpdate.note, values)
        )
    ):
        update.note = values.erase(update.note or "")


async def erase_copies(
    session: AsyncSession, values: PersonalValues, suggestion_ids: Sequence[int], now: datetime
) -> None:
    """Erase every copy of ``values`` in the outbox, the suggestions' texts, their timelines,
    the audit log and saved notes. Call after the resident's own outbox rows were deleted."""
    if not values.texts and values.chat_id is None:
        return
    if values.texts:
        await _erase_texts(session, values, suggestion_ids)
    await _erase_outbox(session, values, suggestion_ids, now)
    await session.flush()
