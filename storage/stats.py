"""Counts and the three rates (响应率、解决率、满意率), overall and per station, town and deputy.

Everything is aggregate SQL (GROUP BY, conditional sums, window functions for medians), so the
cost does not grow with rows loaded into Python. Definitions (a duplicate is never counted, its
original is):

* response rate: suggestions first answered by their ``first_response_due`` / suggestions whose
  first response is due (deadline passed, or already answered);
* resolution rate: resolved or closed / all suggestions;
* satisfaction rate: rated 满意 or 基本满意 / rated;
* median hours to first response: over suggestions that have one.

A rate is ``None`` (JSON ``null``) while nothing is counted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal_column, or_, select
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
    Satisfaction,
    Station,
    StationCoverage,
    StationKind,
    Suggestion,
    SuggestionStatus,
    Town,
    utcnow,
)
from .stats_render import render_stats

__all__ = ["collect_stats", "rates_by_town", "render_stats", "OPEN_STATUSES"]

OPEN_STATUSES = (
    SuggestionStatus.NEW,
    SuggestionStatus.ASSIGNED,
    SuggestionStatus.ANSWERED,
    SuggestionStatus.ESCALATED,
    SuggestionStatus.REOPENED,
)
Joins = tuple[tuple[Any, Any], ...]
_S = Suggestion
_COUNTED = _S.status != SuggestionStatus.DUPLICATE


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(dialect: str, later: Any, earlier: Any) -> Any:
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _joined(stmt: Any, joins: Joins) -> Any:
    for target, onclause in joins:
        stmt = stmt.join(target, onclause)
    return stmt


def empty_rates() -> dict[str, Any]:
    return {
        "suggestions": 0, "open": 0, "response_rate": None, "resolution_rate": None,
        "satisfaction_rate": None, "median_first_response_hours": None,
    }


async def _rates(
    session: AsyncSession, now: datetime, key: Any | None = None, joins: Joins = ()
) -> dict[Any, dict[str, Any]]:
    """The three rates and the median per value of ``key`` (no key: one group under ``None``)."""
    due = and_(_COUNTED, or_(_S.first_response_due <= now, _S.first_response_at.is_not(None)))
    on_time = and_(_COUNTED, _S.first_response_at <= _S.first_response_due)
    resolved = _S.status.in_([SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED])
    rated = and_(_COUNTED, _S.satisfaction.is_not(None))
    good = _S.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])
    stmt = _joined(
        select(
            key if key is not None else literal_column("0"),
            _count_if(_COUNTED), _count_if(_S.status.in_(OPEN_STATUSES)), _count_if(due),
            _count_if(on_time), _count_if(resolved), _count_if(rated), _count_if(good),
        ).select_from(_S),
        joins,
    )
    if key is not None:
        stmt = stmt.where(key.is_not(None)).group_by(key)
    medians = await _medians(session, key, joins)
    out: dict[Any, dict[str, Any]] = {}
    for row in await session.execute(stmt):
        k, total, open_, n_due, n_on_time, n_resolved, n_rated, n_good = row
        k = k if key is not None else None
        out[k] = {
            "suggestions": int(total),
            "open": int(open_),
            "response_rate": _ratio(int(n_on_time), int(n_due)),
            "resolution_rate": _ratio(int(n_resolved), int(total)),
            "satisfaction_rate": _ratio(int(n_good), int(n_rated)),
            "median_first_response_hours": medians.get(k),
        }
    return out


async def _medians(session: AsyncSession, key: Any | None, joins: Joins) -> dict[Any, float]:
    """Median hours to first response per key: row_number() over the ordered hours, then the
    middle one or two rows of each group (portable across SQLite and PostgreSQL)."""
    hours = _hours(session.get_bind().dialect.name, _S.first_response_at, _S.created_at)
    window = {"partition_by": key} if key is not None else {}
    inner = _joined(
        select(
            (key if key is not None else literal_column("0")).label("k"),
            hours.label("h"),
            func.row_number().over(order_by=hours, **window).label("rn"),
            func.count().over(**window).label("n"),
        ).select_from(_S),
        joins,
    ).where(_S.first_response_at.is_not(None), _COUNTED)
    if key is not None:
        inner = inner.where(key.is_not(None))
    sub = inner.subquery()
    middle = or_(sub.c.rn == (sub.c.n + 1) // 2, sub.c.rn == (sub.c.n + 2) // 2)
    stmt = select(sub.c.k, func.avg(sub.c.h)).where(middle).group_by(sub.c.k)
    return {
        (k if key is not None else None): round(float(h), 2)
        for k, h in await session.execute(stmt)
    }


async def _pairs(session: AsyncSession, stmt: Any) -> dict[Any, int]:
    return {k: int(n) for k, n in await session.execute(stmt)}


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _upcoming(now: datetime) -> tuple[Any, ...]:
    return (Meeting.starts_at >= now, Meeting.status == MeetingStatus.PLANNED)


async def _headline(session: AsyncSession, now: datetime, month_start: datetime) -> dict[str, Any]:
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
        "rates": (await _rates(session, now)).get(None, empty_rates()),
    }


async def _per_station(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
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
    rates = await _rates(session, now, _S.station_id)
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


async def _per_town(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
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
    rates = await _rates(session, now, Station.town_code, ((Station, Station.id == _S.station_id),))
    rows = await session.execute(select(Town.code, Town.name).order_by(Town.code))
    return [
        {
            "code": code, "name": name, "communities": communities.get(code, 0),
            "homes": kinds.get((code, "home"), 0), "stations": kinds.get((code, "station"), 0),
            "meetings_upcoming": meetings.get(code, 0), **rates.get(code, empty_rates()),
        }
        for code, name in rows
    ]


async def _per_district(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Per district: towns, communities, stations and the three rates (a city deployment)."""
    towns = await _pairs(session, select(Town.district_code, func.count()).group_by(Town.district_code))
    communities = await _pairs(
        session, select(Town.district_code, func.count())
        .join(Community, Community.town_code == Town.code).group_by(Town.district_code))
    stations = await _pairs(
        session, select(Town.district_code, func.count())
        .join(Station, Station.town_code == Town.code).group_by(Town.district_code))
    rates = await _rates(session, now, Town.district_code, (
        (Station, Station.id == _S.station_id), (Town, Town.code == Station.town_code)))
    rows = await session.execute(select(District.code, District.name).order_by(District.code))
    return [
        {
            "code": code, "name": name, "towns": towns.get(code, 0),
            "communities": communities.get(code, 0), "stations": stations.get(code, 0),
            **rates.get(code, empty_rates()),
        }
        for code, name in rows
    ]


async def _per_deputy(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
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
    rates = await _rates(session, now, _S.assignee_deputy_id)
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
    session: AsyncSession, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The three rates over every station, and per town that has suggestions (by town code):
    what staff ask for with /stats, without the per-deputy and per-station lists."""
    overall = (await _rates(session, now)).get(None, empty_rates())
    rates = await _rates(session, now, Station.town_code, ((Station, Station.id == _S.station_id),))
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
    stats = await _headline(session, moment, month_start)
    stats["per_district"] = await _per_district(session, moment)
    stats["per_station"] = await _per_station(session, moment)
    stats["per_town"] = await _per_town(session, moment)
    stats["per_deputy"] = await _per_deputy(session, moment)
    return stats
