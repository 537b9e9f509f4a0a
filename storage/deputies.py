"""What dialogs need to know about deputies: a station's deputies (one query, for the station
card, the suggestion dialog and the staff's assign menu, see also :mod:`.assignees`), a deputy's
language, name and Telegram chat."""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Deputy, DeputyLevel, DeputyStation, Resident, Station, StationKind

__all__ = [
    "DeputyOrder",
    "LEVEL_ORDER",
    "station_deputies",
    "deputy_locale",
    "deputy_name",
    "deputy_chat",
    "deputy_names",
    "get_deputy",
]

# The order residents see deputies in: national first, then municipal, district, town.
LEVEL_ORDER = {
    DeputyLevel.NATIONAL: 0,
    DeputyLevel.MUNICIPAL: 1,
    DeputyLevel.DISTRICT: 2,
    DeputyLevel.TOWN: 3,
}


class DeputyOrder(enum.StrEnum):
    LEVEL = "level"  # national first, then by name (what residents see)
    NAME = "name"  # by name (the staff's assign menu)


async def station_deputies(
    session: AsyncSession,
    station_id: int,
    *,
    order: DeputyOrder = DeputyOrder.LEVEL,
    with_town_home: bool = False,
    limit: int | None = None,
) -> tuple[Deputy, ...]:
    """The active deputies of a station, in ``order``; with ``with_town_home``, followed by
    those of its town's 人大代表之家 (each deputy once, the station's own first)."""
    stations = [station_id]
    if with_town_home:
        town = select(Station.town_code).where(Station.id == station_id).scalar_subquery()
        homes = await session.scalars(
            select(Station.id).where(Station.town_code == town, Station.kind == StationKind.HOME)
        )
        stations.extend(homes)
    rows = (
        await session.execute(
            select(DeputyStation.station_id, Deputy)
            .join(Deputy, Deputy.id == DeputyStation.deputy_id)
            .where(DeputyStation.station_id.in_(stations), Deputy.active.is_(True))
        )
    ).all()

    def rank(row: tuple[int, Deputy]) -> tuple[bool, int, str, int]:
        where, deputy = row
        level = LEVEL_ORDER.get(deputy.level, 9) if order is DeputyOrder.LEVEL else 0
        return (where != station_id, level, deputy.name, deputy.id)

    seen: set[int] = set()
    result: list[Deputy] = []
    for _, deputy in sorted(((w, d) for w, d in rows), key=rank):
        if deputy.id not in seen:
            seen.add(deputy.id)
            result.append(deputy)
    return tuple(result[:limit] if limit is not None else result)


async def deputy_locale(session: AsyncSession, telegram_user_id: int | None, default: str) -> str:
    """The language a deputy (by their Telegram account) chose as a resident of the bot, else
    the district's."""
    if telegram_user_id is None:
        return default
    locale = await session.scalar(
        select(Resident.locale).where(Resident.telegram_user_id == telegram_user_id)
    )
    return locale or default


async def deputy_chat(session: AsyncSession, deputy_id: int | None) -> int | None:
    """The deputy's private chat with the bot (their linked Telegram account), if any."""
    deputy = await session.get(Deputy, deputy_id) if deputy_id else None
    return deputy.telegram_user_id if deputy is not None else None


async def get_deputy(session: AsyncSession, deputy_id: int | None) -> Deputy | None:
    return await session.get(Deputy, deputy_id) if deputy_id else None


async def deputy_names(session: AsyncSession, deputy_ids: set[int]) -> dict[int, str]:
    """Deputies' public names by id."""
    if not deputy_ids:
        return {}
    rows = await session.execute(select(Deputy.id, Deputy.name).where(Deputy.id.in_(deputy_ids)))
    return {deputy_id: name for deputy_id, name in rows.tuples()}


async def deputy_name(session: AsyncSession, deputy_id: int | None) -> tuple[str, bool]:
    """A deputy's public name and whether their Telegram account is linked."""
    deputy = await session.get(Deputy, deputy_id) if deputy_id else None
    if deputy is None:
        return "", False
    return deputy.name, deputy.telegram_user_id is not None
