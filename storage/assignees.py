"""Finding deputies: who a ticket can be given to (the station's own deputies first), and the
one way a deputy is found by what staff type (a number, a code, a name or part of it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .lifecycle.rules import OPEN
from .models import Deputy, DeputyStation, Station, StationKind, Suggestion

__all__ = ["station_deputies", "find_deputies", "deputies_at_work", "MAX_CHOICES"]

MAX_CHOICES = 8  # buttons on a card: more would bury the card under its keyboard


async def station_deputies(
    session: AsyncSession, station_id: int, *, limit: int = MAX_CHOICES
) -> Sequence[Deputy]:
    """Active deputies of the station, then of its town's 人大代表之家, by name."""
    station = await session.get(Station, station_id)
    if station is None:
        return ()
    homes = select(Station.id).where(
        Station.town_code == station.town_code, Station.kind == StationKind.HOME
    )
    own = (
        await session.scalars(
            select(Deputy)
            .join(DeputyStation, DeputyStation.deputy_id == Deputy.id)
            .where(DeputyStation.station_id == station_id, Deputy.active.is_(True))
            .order_by(Deputy.name, Deputy.id)
        )
    ).all()
    home = (
        await session.scalars(
            select(Deputy)
            .join(DeputyStation, DeputyStation.deputy_id == Deputy.id)
            .where(DeputyStation.station_id.in_(homes), Deputy.active.is_(True))
            .order_by(Deputy.name, Deputy.id)
        )
    ).all()
    seen: set[int] = set()
    result: list[Deputy] = []
    for deputy in (*own, *home):
        if deputy.id not in seen:
            seen.add(deputy.id)
            result.append(deputy)
    return result[:limit]


async def find_deputies(
    session: AsyncSession, ref: str, *, limit: int = MAX_CHOICES, active_only: bool = True
) -> Sequence[Deputy]:
    """The deputies someone means by ``ref`` — the one way a deputy is found everywhere (/assign,
    /invite, ``jiazhan invite deputy``): a row number, a code, an exact name, or any unique part
    of the name (``廖一`` finds ``示例代表·廖一``). An exact match wins over partial ones, so a
    single result means "this one"; several mean "which of these?"."""
    needle = ref.strip()
    if not needle:
        return ()
    active = (Deputy.active.is_(True),) if active_only else ()
    if needle.isdigit():
        by_id = await session.get(Deputy, int(needle))
        if by_id is not None and (by_id.active or not active_only):
            return (by_id,)
    exact = (await session.scalars(
        select(Deputy).where((Deputy.code == needle) | (Deputy.name == needle), *active)
        .order_by(Deputy.name, Deputy.id).limit(limit)
    )).all()
    if exact:
        return exact
    return (await session.scalars(
        select(Deputy).where(Deputy.name.contains(needle, autoescape=True), *active)
        .order_by(func.length(Deputy.name), Deputy.name, Deputy.id).limit(limit)
    )).all()


async def deputies_at_work(
    session: AsyncSession, *, station_id: int | None = None, limit: int = 12
) -> Sequence[Deputy]:
    """Deputies worth looking at first: those with open tickets assigned to them, then the
    deputies of ``station_id`` (and its town's home)."""
    busy = (
        await session.scalars(
            select(Deputy)
            .where(
                Deputy.active.is_(True),
                Deputy.id.in_(select(Suggestion.assignee_deputy_id)
                              .where(Suggestion.status.in_(OPEN))),
            )
            .order_by(Deputy.id)
            .limit(limit)
        )
    ).all()
    nearby = await station_deputies(session, station_id, limit=limit) if station_id else ()
    result: list[Deputy] = []
    for deputy in (*busy, *nearby):
        if deputy not in result:
            result.append(deputy)
    return result[:limit]
