"""Counts and the three rates (响应率、解决率、满意率), overall and per station, town, district
and deputy.

Counts are aggregate SQL (GROUP BY); the rates come from one :class:`storage.stats_rates.RateTable`
read once and summed per grouping (see that module for the definitions and the cost).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Community,
    Deputy,
    DeputyLevel,
    DeputyStation,
    District,
    Meeting,
    MeetingDeputy,
    MeetingStatus,
    Station,
    StationCoverage,
    StationKind,
    Suggestion,
    SuggestionStatus,
    Town,
    utcnow,
)
from .staff_chats import StaffArea, area_station_ids
from .stats_rates import OPEN_STATUSES, RateTable, empty_rates, load_rate_table
from .stats_render import render_stats

__all__ = ["collect_stats", "rates_by_town", "render_stats", "OPEN_STATUSES"]

_S = Suggestion


async def _pairs(session: AsyncSession, stmt: Any) -> dict[Any, int]:
    return {k: int(n) for k, n in await session.execute(stmt)}


async def _town_of_station(session: AsyncSession) -> dict[int, str]:
    return {id_: town for id_, town in await session.execute(select(Station.id, Station.town_code))}


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _upcoming(now: datetime) -> tuple[Any, ...]:
    return (Meeting.starts_at >= now, Meeting.status == MeetingStatus.PLANNED)


async def _headline(
    session: AsyncSession, now: datetime, month_start: datetime, table: RateTable
) -> dict[str, Any]:
    kinds = await _pairs(session, select(Station.kind, func.count()).group_by(Station.kind))
    levels = await _pairs(session, select(Deputy.level, func.count()).group_by(Deputy.level))
    statuses = await _pairs(session, select(_S.status, func.count()).group_by(_S.status))
    return {
        "districts": await _count(session, District),
        "towns": await _count(session, Town),
        "communities": await _count(session, Community),
        "communities_covered": int(await session.scalar(
            select(func.count(func.distinct(StationCoverage.community_code)))) or 0),
        "stations": {
            "total": sum(kinds.values()),
            "homes": kinds.get(StationKind.HOME, 0),
            "stations": kinds.get(StationKind.STATION, 0),
            "model": await _count(session, Station, Station.is_model.is_(True)),
        },
        "deputies": {level.value: levels.get(level, 0) for level in DeputyLevel},
        "meetings_upcoming": await _count(session, Meeting, *_upcoming(now)),
        "suggestions": {status.value: statuses.get(status, 0) for status in SuggestionStatus},
        "suggestions_this_month": await _count(session, _S, _S.created_at >= month_start),
        "rates": table.overall(),
    }


async def _per_station(session: AsyncSession, now: datetime, table: RateTable) -> list[dict[str, Any]]:
    communities = await _pairs(
        session, select(StationCoverage.station_id, func.count()).group_by(StationCoverage.station_id)
    )
    deputies = await _pairs(
        session, select(DeputyStation.station_id, func.count()).group_by(DeputyStation.station_id)
    )
    meetings = await _pairs(
        session,
        select(Meeting.station_id, func.count()).where(*_upcoming(now)).group_by(Meeting.station_id),
    )
    rates = table.by(lambda station, _deputy: station)
    rows = await session.execute(
        select(Station.id, Station.code, Station.name, Station.kind, Station.town_code,
               Station.is_model).order_by(Station.code)
    )
    return [
        {
            "code": code, "name": name, "kind": kind.value, "town_code": town, "model": model,
            "communities": communities.get(id_, 0), "deputies": deputies.get(id_, 0),
            "meetings_upcoming": meetings.get(id_, 0), **rates.get(id_, empty_rates()),
        }
        for id_, code, name, kind, town, model in rows
    ]


async def _per_town(session: AsyncSession, now: datetime, table: RateTable) -> list[dict[str, Any]]:
    communities = await _pairs(
        session, select(Community.town_code, func.count()).group_by(Community.town_code)
    )
    kinds: dict[tuple[str, str], int] = {}
    for town, kind, n in await session.execute(
        select(Station.town_code, Station.kind, func.count()).group_by(Station.town_code, Station.kind)
    ):
        kinds[(town, kind.value)] = int(n)
    meetings = await _pairs(
        session,
        select(Station.town_code, func.count())
        .join(Meeting, Meeting.station_id == Station.id)
        .where(*_upcoming(now))
        .group_by(Station.town_code),
    )
    town_of = await _town_of_station(session)
    rates = table.by(lambda station, _deputy: town_of.get(station))
    rows = await session.execute(select(Town.code, Town.name).order_by(Town.code))
    return [
        {
            "code": code, "name": name, "communities": communities.get(code, 0),
            "homes": kinds.get((code, "home"), 0), "stations": kinds.get((code, "station"), 0),
            "meetings_upcoming": meetings.get(code, 0), **rates.get(code, empty_rates()),
        }
        for code, name in rows
    ]


async def _per_district(session: AsyncSession, table: RateTable) -> list[dict[str, Any]]:
    """Per district: towns, communities, stations and the three rates (a city deployment)."""
    towns = await _pairs(session, select(Town.district_code, func.count()).group_by(Town.district_code))
    communities = await _pairs(
        session, select(Town.district_code, func.count())
        .join(Community, Community.town_code == Town.code).group_by(Town.district_code))
    stations = await _pairs(
        session, select(Town.district_code, func.count())
        .join(Station, Station.town_code == Town.code).group_by(Town.district_code))
    town_of = await _town_of_station(session)
    district_of = {code: district for code, district
                   in await session.execute(select(Town.code, Town.district_code))}
    rates = table.by(lambda station, _deputy: district_of.get(town_of.get(station, "")))
    rows = await session.execute(select(District.code, District.name).order_by(District.code))
    return [
        {
            "code": code, "name": name, "towns": towns.get(code, 0),
            "communities": communities.get(code, 0), "stations": stations.get(code, 0),
            **rates.get(code, empty_rates()),
        }
        for code, name in rows
    ]


async def _per_deputy(session: AsyncSession, now: datetime, table: RateTable) -> list[dict[str, Any]]:
    stations = await _pairs(
        session, select(DeputyStation.deputy_id, func.count()).group_by(DeputyStation.deputy_id)
    )
    meetings = await _pairs(
        session,
        select(MeetingDeputy.deputy_id, func.count())
        .join(Meeting, Meeting.id == MeetingDeputy.meeting_id)
        .where(*_upcoming(now))
        .group_by(MeetingDeputy.deputy_id),
    )
    rates = table.by(lambda _station, deputy: deputy)
    rows = await session.execute(
        select(Deputy.id, Deputy.code, Deputy.name, Deputy.level, Deputy.active).order_by(Deputy.code)
    )
    return [
        {
            "code": code, "name": name, "level": level.value, "active": active,
            "stations": stations.get(id_, 0), "meetings_upcoming": meetings.get(id_, 0),
            **rates.get(id_, empty_rates()),
        }
        for id_, code, name, level, active in rows
    ]


async def rates_by_town(
    session: AsyncSession, now: datetime, area: StaffArea | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The three rates over every station, and per town that has suggestions (by town code):
    what staff ask for with /stats, without the per-deputy and per-station lists. ``area``: only
    the suggestions of a staff group's area (``storage.staff_chats``; None: everything)."""
    table = await load_rate_table(session, now)
    town_of = await _town_of_station(session)
    inside = await area_station_ids(session, area) if area is not None else None

    def town(station: int, _deputy: int | None) -> str | None:
        return town_of.get(station) if inside is None or station in inside else None

    overall = table.by(lambda station, _deputy: 0 if inside is None or station in inside
                       else None).get(0, empty_rates())
    rates = table.by(town)
    names = {code: name for code, name in await session.execute(select(Town.code, Town.name))}
    towns = [{"code": code, "name": names.get(code, code), **rates[code]}
             for code in sorted(rates) if rates[code]["suggestions"]]
    return overall, towns


async def collect_stats(
    session: AsyncSession, *, tz: ZoneInfo, now: datetime | None = None
) -> dict[str, Any]:
    """One JSON-ready object: headline counts, suggestions by status, rates, and per_* lists.

    ``suggestions_this_month`` counts from the first day of the month in ``tz``.
    """
    moment = now or utcnow()
    local = moment.astimezone(tz)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    table = await load_rate_table(session, moment)
    stats = await _headline(session, moment, month_start, table)
    stats["per_district"] = await _per_district(session, table)
    stats["per_station"] = await _per_station(session, moment, table)
    stats["per_town"] = await _per_town(session, moment, table)
    stats["per_deputy"] = await _per_deputy(session, moment, table)
    return stats
