"""Reading what a router needs from the database, and which station serves each community.

A community's station is the liaison station covering it (``station_coverage``); where none does,
the town's 人大代表之家 (a ``Station`` of kind ``home`` with the same ``town_code``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import AddressAlias, Community, District, Station, StationCoverage, StationKind, Town
from .entries import AliasEntry, CommunityEntry, DistrictEntry, StationPoint, TownEntry
from .result import StationRef

__all__ = ["RoutingRows", "read_routing_rows", "assign_stations"]


@dataclass(frozen=True, slots=True)
class RoutingRows:
    towns: list[TownEntry]
    communities: list[CommunityEntry]
    aliases: list[AliasEntry]
    stations_by_community: dict[str, StationRef]
    station_points: list[StationPoint]
    districts: list[DistrictEntry]


def assign_stations(
    communities: Iterable[CommunityEntry],
    coverage: Mapping[str, StationRef],
    homes: Mapping[str, StationRef],
) -> dict[str, StationRef]:
    """Covering liaison station first, else the home of the community's town."""
    out: dict[str, StationRef] = {}
    for community in communities:
        station = coverage.get(community.code) or homes.get(community.town_code)
        if station is not None:
            out[community.code] = station
    return out


async def read_routing_rows(session: AsyncSession) -> RoutingRows:
    towns = [
        TownEntry(t.code, t.name, t.short_name)
        for t in (await session.scalars(select(Town).order_by(Town.code))).all()
    ]
    communities = [
        CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
        for c in (await session.scalars(select(Community).order_by(Community.code))).all()
    ]
    aliases = [
        AliasEntry(a.alias, a.community_code, a.kind)
        for a in (await session.scalars(select(AddressAlias).order_by(AddressAlias.id))).all()
    ]
    stations = (await session.scalars(select(Station).order_by(Station.id))).all()
    refs = {s.id: StationRef(s.id, s.name, str(s.kind)) for s in stations}
    homes: dict[str, StationRef] = {}
    for s in stations:
        if s.kind == StationKind.HOME:
            homes.setdefault(s.town_code, refs[s.id])
    rows = (await session.execute(select(StationCoverage.community_code, StationCoverage.station_id))).all()
    coverage = {code: refs[station_id] for code, station_id in rows}
    points = [
        StationPoint(s.id, s.name, str(s.kind), s.latitude, s.longitude)
        for s in stations
        if s.latitude is not None and s.longitude is not None
    ]
    districts = [
        DistrictEntry(d.code, d.name)
        for d in (await session.scalars(select(District).order_by(District.code))).all()
    ]
    return RoutingRows(
        districts=districts,
        towns=towns,
        communities=communities,
        aliases=aliases,
        stations_by_community=assign_stations(communities, coverage, homes),
        station_points=points,
    )
