"""Forum topics of the staff group: one per town, so each town's cards stay together."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import StaffTopic, Station, Town
from .staff_chats import StaffArea

__all__ = ["topic_for_station", "towns_without_topic", "save_topic"]


async def topic_for_station(session: AsyncSession, chat_id: int, station_id: int) -> int | None:
    """The thread id of the station's town in the staff group, if that topic exists."""
    query = (
        select(StaffTopic.thread_id)
        .join(Station, Station.town_code == StaffTopic.town_code)
        .where(StaffTopic.chat_id == chat_id, Station.id == station_id)
    )
    return await session.scalar(query)


async def towns_without_topic(
    session: AsyncSession, chat_id: int, area: StaffArea | None = None
) -> list[Town]:
    """Towns with no topic in this group yet (of the group's ``area`` only, when given)."""
    have = select(StaffTopic.town_code).where(StaffTopic.chat_id == chat_id)
    query = select(Town).where(Town.code.not_in(have)).order_by(Town.code)
    if area is not None and area.town_code is not None:
        query = query.where(Town.code == area.town_code)
    elif area is not None and area.district_code is not None:
        query = query.where(Town.district_code == area.district_code)
    return list((await session.scalars(query)).all())


async def save_topic(session: AsyncSession, chat_id: int, town_code: str, thread_id: int) -> None:
    existing = await session.get(StaffTopic, (chat_id, town_code))
    if existing is None:
        session.add(StaffTopic(chat_id=chat_id, town_code=town_code, thread_id=thread_id))
    else:
        existing.thread_id = thread_id
