"""When a staff group is a forum, each town of its area gets a topic and its cards go there."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter, TelegramError

from dialogs.kernel.context import Services
from storage.staff_chats import StaffArea, staff_areas
from storage.staff_topics import save_topic, towns_without_topic

__all__ = ["ensure_town_topics"]

log = logging.getLogger("jiazhan.topics")


async def ensure_town_topics(services: Services, bot: Any) -> int:
    """Create the missing town topics in every staff group that is a forum — the default
    group's for every town, a bound group's for its area's towns — paced by Telegram's answers;
    returns how many."""
    async with services.db.reading() as session:
        areas = await staff_areas(session, services.config.staff_chat_id)
    made = 0
    for area in areas:
        try:
            made += await _topics_of(services, bot, area)
        except TelegramError as exc:  # a group the bot left, …: the others still get theirs
            log.warning("town topics not created in a staff group: %s", type(exc).__name__)
    return made


async def _topics_of(services: Services, bot: Any, area: StaffArea) -> int:
    chat_id = area.chat_id
    chat = await bot.get_chat(chat_id)
    if not getattr(chat, "is_forum", False):
        return 0
    async with services.db.reading() as session:
        towns = [(town.code, town.name)
                 for town in await towns_without_topic(session, chat_id, None if area.whole else area)]
    made = 0
    for code, name in towns:
        thread_id = await _create(bot, chat_id, name[:128])
        if thread_id is None:
            continue
        async with services.db.unit_of_work() as session:
            await save_topic(session, chat_id, code, thread_id)
        made += 1
    return made


async def _create(bot: Any, chat_id: int, name: str) -> int | None:
    for _ in range(5):
        try:
            topic = await bot.create_forum_topic(chat_id, name)
            return int(topic.message_thread_id)
        except RetryAfter as exc:
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
        except TelegramError as exc:  # no right to manage topics, …: cards stay in General
            log.warning("could not create a town topic: %s", type(exc).__name__)
            return None
    return None
