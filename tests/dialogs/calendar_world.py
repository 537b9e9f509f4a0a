"""What the calendar e2e tests share: a station with deputies (one linked to Telegram), a
subscriber, and the steps staff take in the group (answer a 🗓 prompt by replying to it)."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select
from triage_world import DEPUTY_A, STAFF_A, link_deputies, station_with_two_deputies

from locales import t
from storage.models import Deputy, Meeting, Resident, Station, Subscription

SUBSCRIBER = 5101


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def calendar_station(env: Any) -> tuple[Station, list[Deputy], str]:
    """A liaison station with two deputies, the first linked as DEPUTY_A; and a community."""
    community, station_id, deputies = await station_with_two_deputies(env)
    await link_deputies(env, deputies[:1])
    async with env.db.reading() as s:
        station = await s.get(Station, station_id)
    assert station is not None
    return station, deputies, community


async def subscriber(env: Any, station_id: int, community: str, user_id: int = SUBSCRIBER) -> Any:
    async with env.db.unit_of_work() as s:
        resident = Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh",
                            community_code=community, station_id=station_id,
                            consent_at=env.clock.now(), display_name=f"居民{user_id}")
        s.add(resident)
        await s.flush()
        s.add(Subscription(resident_id=resident.id, station_id=station_id, remind=True))
    return env.user(user_id)


async def answer_prompt(env: Any, member: Any, text: str) -> None:
    """Reply to the newest 🗓 prompt in the group."""
    prompts = [m for m in env.staff_group.messages() if (m.text or "").startswith("🗓 ")
               and not m.buttons]
    await member.reply_to(prompts[-1].message_id, text)
    await env.settle()


async def group_shows(env: Any, *texts: str, timeout: float = 5.0) -> Any:
    await env.settle()
    messages = await env.staff_group.wait_until(
        lambda ms: any(all(x in plain(m.text or "") for x in texts) for m in ms), timeout)
    return [m for m in messages if all(x in plain(m.text or "") for x in texts)][-1]


async def meeting_by_topic(env: Any, topic: str) -> Meeting:
    async with env.db.reading() as s:
        meeting = await s.scalar(select(Meeting).where(Meeting.topic == topic))
    assert meeting is not None
    return meeting


def shown(key: str, **fields: object) -> str:
    return plain(t("zh", key, **fields))


__all__ = ["DEPUTY_A", "STAFF_A", "SUBSCRIBER", "answer_prompt", "calendar_station",
           "group_shows", "meeting_by_topic", "plain", "shown", "subscriber"]
