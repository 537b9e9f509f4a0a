"""After an import: stations that serve residents but have no active deputy to answer them.

A community is served by the liaison station covering it, else by its town's 人大代表之家 (the
rule of :func:`storage.stations.station_for_community`). If that station has no active deputy, a
suggestion from there can be assigned to nobody; the import still succeeds, with a warning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    Community,
    Deputy,
    DeputyStation,
    Station,
    StationCoverage,
    StationKind,
)
from .problems import Problem

__all__ = ["UnservedStation", "stations_without_deputies"]


@dataclass(frozen=True, slots=True)
class UnservedStation:
    code: str
    name: str
    communities: int  # how many villages and communities it serves

    def as_problem(self) -> Problem:
        """As an import warning (``notes`` of :func:`storage.transfer.import_path`)."""
        return Problem(
            "no_active_deputy", sheet="stations",
            fields={"name": self.name, "code": self.code, "count": self.communities},
        )

    def describe(self, locale: str) -> str:
        return self.as_problem().describe(locale)


async def stations_without_deputies(session: AsyncSession) -> list[UnservedStation]:
    """Every station that serves at least one community and has no active deputy, by code."""
    covered: dict[str, int] = {
        code: station_id
        for code, station_id in await session.execute(
            select(StationCoverage.community_code, StationCoverage.station_id)
        )
    }
    homes: dict[str, int] = {}
    for town, station_id in await session.execute(
        select(Station.town_code, Station.id)
        .where(Station.kind == StationKind.HOME)
        .order_by(Station.id.desc())  # the lowest id wins, as in home_of_town
    ):
        homes[town] = station_id
    served: Counter[int] = Counter()
    for code, town in await session.execute(select(Community.code, Community.town_code)):
        serving = covered.get(code, homes.get(town))
        if serving is not None:
            served[serving] += 1
    staffed = set(await session.scalars(
        select(DeputyStation.station_id)
        .join(Deputy, Deputy.id == DeputyStation.deputy_id)
        .where(Deputy.active.is_(True))
    ))
    empty = [station_id for station_id in served if station_id not in staffed]
    if not empty:
        return []
    rows = await session.execute(
        select(Station.id, Station.code, Station.name).where(Station.id.in_(empty))
    )
    return sorted(
        (UnservedStation(code, name, served[id_]) for id_, code, name in rows),
        key=lambda s: s.code,
    )
