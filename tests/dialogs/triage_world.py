"""What the triage and inbox e2e tests share: a resident with a ticket whose card is in the staff
group, deputies of that station (linked to Telegram accounts or not), and reading back the card,
the stored ticket and the audit log."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.emulator import SimUser
from dialogs.staff.card import queue_card
from locales import t
from storage import lifecycle
from storage.deadlines import Deadlines
from storage.models import (
    AuditEntry,
    Deputy,
    DeputyStation,
    OutboxMessage,
    Resident,
    StationCoverage,
    Suggestion,
    TimelineEntry,
)

STAFF_A, STAFF_B = 9001, 9002  # administrators of env.staff_group
OUTSIDER = 9100  # a member of the staff group who is not staff
DEPUTY_A, DEPUTY_B = 7001, 7002  # Telegram accounts of two deputies


def shown(lang: str, key: str, **fields: object) -> str:
    """A catalogue text as a user sees it (HTML tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", t(lang, key, **fields)))


@dataclass
class Ticket:
    id: int
    ticket: str
    station_id: int
    resident: SimUser
    resident_id: int


async def station_with_two_deputies(env: Any) -> tuple[str, int, list[Deputy]]:
    """A community whose liaison station has at least two deputies."""
    async with env.db.reading() as s:
        rows = (await s.execute(
            select(StationCoverage.community_code, StationCoverage.station_id)
            .order_by(StationCoverage.community_code)
        )).all()
        for community, station_id in rows:
            deputies = list((await s.scalars(
                select(Deputy).join(DeputyStation, DeputyStation.deputy_id == Deputy.id)
                .where(DeputyStation.station_id == station_id, Deputy.active.is_(True))
                .order_by(Deputy.name, Deputy.id))).all())
            if len(deputies) >= 2:
                return community, station_id, deputies
    raise AssertionError("the demo district has no station with two deputies")


async def link_deputies(env: Any, deputies: list[Deputy]) -> list[Deputy]:
    """The first two deputies get Telegram accounts DEPUTY_A and DEPUTY_B."""
    async with env.db.unit_of_work() as s:
        for deputy, account in zip(deputies, (DEPUTY_A, DEPUTY_B), strict=False):
            row = await s.get(Deputy, deputy.id)
            assert row is not None
            row.telegram_user_id = account
    return deputies[:2]


async def new_ticket(env: Any, user_id: int = 1001, lang: str = "zh", *, share: bool = True,
                     text: str = "村口的路灯坏了三盏，晚上很黑。", wait: bool = True) -> Ticket:
    """A consented resident writes a suggestion; its card goes to the staff group."""
    community, station_id, _ = await station_with_two_deputies(env)
    user = env.user(user_id, "zh-hans" if lang == "zh" else "en")
    services = env.service.services
    async with env.db.unit_of_work() as s:
        resident = await s.scalar(select(Resident).where(Resident.telegram_user_id == user_id))
        if resident is None:
            resident = Resident(telegram_user_id=user_id, chat_id=user_id, locale=lang,
                                community_code=community, station_id=station_id,
                                consent_at=env.clock.now())
            s.add(resident)
            await s.flush()
        suggestion = await lifecycle.create_suggestion(
            s, resident_id=resident.id, station_id=station_id, category_code="urban", text=text,
            now=env.clock.now(), deadlines=Deadlines(), community_code=community,
            share_identity=share, contact_name="王小明" if share else None,
            contact_phone="13800138000" if share else None,
        )
        assert await queue_card(s, services.config, suggestion.id, env.clock.now())
        ticket = Ticket(suggestion.id, suggestion.ticket, station_id, user, resident.id)
    services.outbox_signal.set()
    if wait:
        await env.staff_group.wait_until(lambda msgs: any(ticket.ticket in m.text for m in msgs))
        await env.settle()  # the card's message id is stored once its send is recorded
    return ticket


async def card_of(env: Any, ticket: Ticket) -> Any:
    """The staff group's card of this ticket, as it looks now (edits applied)."""
    async with env.db.reading() as s:
        row = await s.get(Suggestion, ticket.id)
        assert row is not None and row.card_message_id is not None, "the card is not out"
        card_id = row.card_message_id
    (card,) = [m for m in env.staff_group.messages() if m.message_id == card_id]
    return card


async def card_shows(env: Any, ticket: Ticket, *texts: str, timeout: float = 5.0) -> Any:
    """Wait until the card shows every one of ``texts``; returns it."""
    await env.settle()
    async with env.db.reading() as s:
        row = await s.get(Suggestion, ticket.id)
        assert row is not None
        card_id = row.card_message_id
    await env.staff_group.wait_until(
        lambda msgs: any(m.message_id == card_id and all(x in (m.text or "") for x in texts)
                         for m in msgs), timeout)
    return await card_of(env, ticket)


def button_data(message: Any, label: str) -> str:
    for row in message.raw.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise LookupError(f"no button {label!r} on the message: {message.labels}")


async def press_on(member: Any, message: Any, label: str) -> None:
    """Press a button of this very message (not the newest one with that label)."""
    await member.press_data(button_data(message, label), message.message_id)


async def stored(env: Any, suggestion_id: int) -> tuple[Suggestion, list[TimelineEntry]]:
    async with env.db.reading() as s:
        row = await s.get(Suggestion, suggestion_id)
        assert row is not None
        return row, list(await lifecycle.full_timeline(s, suggestion_id))


async def audit_actions(env: Any, suggestion_id: int) -> list[tuple[str, str]]:
    async with env.db.reading() as s:
        rows = await s.execute(
            select(AuditEntry.actor_kind, AuditEntry.action)
            .where(AuditEntry.object_kind == "suggestion",
                   AuditEntry.object_id == str(suggestion_id))
            .order_by(AuditEntry.id))
        return [(str(kind), action) for kind, action in rows]


async def outbox_texts(env: Any, chat_id: int) -> list[str]:
    """Everything ever queued for one chat (sent or not)."""
    async with env.db.reading() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
                               .order_by(OutboxMessage.id))
        return [str(r.payload.get("text", "")) for r in rows]
