"""A staff card whose answer from Telegram was lost is found and edited, never posted blindly
again; one that provably never arrived is posted again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from triage_world import STAFF_A, new_ticket, press_on

from locales import t
from storage.lost_answers import CARD_WINDOW, repost_unfound_cards
from storage.models import OutboxMessage, OutboxStatus, Suggestion


def _cards(env: Any, ticket: str) -> list[Any]:
    return [m for m in env.staff_group.messages() if ticket in (m.text or "")]


async def _card_row(env: Any, suggestion_id: int) -> OutboxMessage:
    async with env.db.reading() as s:
        row = await s.scalar(select(OutboxMessage).where(
            OutboxMessage.suggestion_id == suggestion_id, OutboxMessage.purpose == "staff_card"))
        assert row is not None
        return row


async def test_a_card_whose_answer_was_lost_is_found_and_edited(env: Any) -> None:
    env.emulator.fail_next(1, "lost_response", methods=["sendMessage"], chat_id=env.settings.staff_chat_id)
    ticket = await new_ticket(env, wait=False)
    await env.staff_group.wait_until(lambda msgs: any(ticket.ticket in (m.text or "") for m in msgs),
                                     timeout=15)
    await env.settle()
    await asyncio.sleep(2.5)  # a blind retry (2 s backoff) would have posted it again by now
    (card,) = _cards(env, ticket.ticket)
    row = await _card_row(env, ticket.id)
    assert row.status == OutboxStatus.SENT and row.result_message_id is None and row.uncertain == 1

    # A staff member presses a button on it: the update carries the card, so it is found.
    await press_on(env.staff_group.member(STAFF_A), card, t("zh", "triage.button.priority"))
    await env.settle()
    async with env.db.reading() as s:
        suggestion = await s.get(Suggestion, ticket.id)
        assert suggestion is not None and suggestion.card_message_id == card.message_id
    (card_now,) = _cards(env, ticket.ticket)
    assert card_now.message_id == card.message_id
    assert card_now.labels != card.labels  # the priority menu opened on the found card
    assert env.emulator.violations == []


async def test_a_card_that_never_arrived_is_posted_again_once_proven(env: Any) -> None:
    await new_ticket(env, user_id=1003, text="垃圾桶满了。")  # a card whose message id is known
    # The connection drops before Telegram does anything: to the bot it looks like a lost answer.
    env.emulator.fail_next(1, "disconnect", methods=["sendMessage"], chat_id=env.settings.staff_chat_id)
    first = await new_ticket(env, wait=False)
    await env.settle()  # not in the group (unless another message already proved it missing)
    # The next message in the supergroup takes the very next id: nothing came in between, so
    # the first card never arrived and is posted now.
    second = await new_ticket(env, user_id=1002, wait=False, text="河道里有垃圾，很久没人清理。")
    await env.staff_group.wait_until(
        lambda msgs: any(first.ticket in (m.text or "") for m in msgs), timeout=20)
    await env.settle()
    assert len(_cards(env, first.ticket)) == 1 and len(_cards(env, second.ticket)) == 1
    assert (await _card_row(env, first.id)).result_message_id is not None
    assert env.emulator.violations == []


async def test_a_card_nobody_found_is_posted_once_more_after_the_window(env: Any) -> None:
    env.emulator.fail_next(1, "lost_response", methods=["sendMessage"], chat_id=env.settings.staff_chat_id)
    ticket = await new_ticket(env, wait=False)
    await env.staff_group.wait_until(lambda msgs: any(ticket.ticket in (m.text or "") for m in msgs),
                                     timeout=15)
    await env.settle()
    async with env.db.unit_of_work() as s:
        assert await repost_unfound_cards(s, env.clock.now()) == 0  # not yet
    env.emulator.fail_next(1, "lost_response", methods=["sendMessage"], chat_id=env.settings.staff_chat_id)
    env.clock.advance(CARD_WINDOW + timedelta(seconds=1))
    async with env.db.unit_of_work() as s:
        assert await repost_unfound_cards(s, env.clock.now()) == 1
    env.service.services.outbox_signal.set()
    await env.staff_group.wait_until(lambda msgs: len(_cards(env, ticket.ticket)) == 2, timeout=15)
    await env.settle()
    async with env.db.unit_of_work() as s:  # its answer was lost again: no third copy, ever
        assert await repost_unfound_cards(s, env.clock.now() + 2 * CARD_WINDOW) == 0
    await asyncio.sleep(2.5)
    assert len(_cards(env, ticket.ticket)) == 2
    assert env.emulator.violations == []

