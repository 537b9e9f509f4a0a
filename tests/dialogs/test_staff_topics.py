"""A staff group with forum topics: one topic per town, and each card in its town's topic."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from triage_world import new_ticket

from storage.models import StaffTopic, Station, Suggestion, Town


@pytest.mark.parametrize("env", [{"forum": True}], indirect=True)
async def test_cards_go_to_their_towns_topic(env) -> None:
    for _ in range(100):  # the service creates the topics in the background
        async with env.db.reading() as s:
            made = await s.scalar(select(func.count()).select_from(StaffTopic))
            towns = await s.scalar(select(func.count()).select_from(Town))
        if made == towns:
            break
        await asyncio.sleep(0.05)
    assert made == towns == 21
    chat = env.emulator.world.chats[env.settings.staff_chat_id]
    assert len(chat.topics) == 21

    ticket = await new_ticket(env)
    async with env.db.reading() as s:
        suggestion = await s.get(Suggestion, ticket.id)
        town = await s.scalar(select(Station.town_code).where(Station.id == ticket.station_id))
        topic = await s.get(StaffTopic, (env.settings.staff_chat_id, town))
    assert suggestion is not None and topic is not None
    assert suggestion.card_thread_id == topic.thread_id
    (card,) = env.staff_group.messages(thread_id=topic.thread_id)
    assert ticket.ticket in card.text

    await env.restart()  # topics are made once: a restart creates none again
    await env.settle()
    assert len(chat.topics) == 21
    assert env.emulator.violations == []


async def test_a_group_without_topics_gets_none(env) -> None:
    await env.settle()
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(StaffTopic)) == 0
    assert env.emulator.violations == []
