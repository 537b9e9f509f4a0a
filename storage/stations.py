"""Read models for the station card and the deputy card: a station, its deputies, its next meetings.

Everything here only reads. A community's station is the liaison station covering it, else its
town's 人大代表之家 (the same rule as routing, see ``storage.routing.loading``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .deputies import station_deputies
from .models import (
    Community,
    Deputy,
    DeputyStation,
    District,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    Station,
    StationCoverage,
    StationKind,
    Town,
)

__all__ = [
    "PUBLIC_KINDS",
    "MeetingView",
    "StationCard",
    "DeputyCard",
    "station_for_community",
    "home_of_town",
    "get_station",
    "load_station_card",
    "load_deputy_card",
    "load_meeting",
    "upcoming_meetings",
]

# Meetings residents may come to; inspections (调研) are not open to the public.
PUBLIC_KINDS = (MeetingKind.RECEPTION, MeetingKind.FORUM, MeetingKind.REPORT)


@dataclass(frozen=True, slots=True)
class MeetingView:
    meeting: Meeting
    station: Station
    deputies: tuple[Deputy, ...]


@dataclass(frozen=True, slots=True)
class StationCard:
    station: Station
    town: Town | None
    home: Station | None  # the town's 人大代表之家 when ``station`` is a liaison station
    deputies: tuple[Deputy, ...]
    meetings: tuple[MeetingView, ...]


@dataclass(frozen=True, slots=True)
class DeputyCard:
    deputy: Deputy
    stations: tuple[Station, ...]
    meetings: tuple[MeetingView, ...] = field(default_factory=tuple)
    district: str = ""  # the district of the deputy's first station (区人大代表 of which district)


async def get_station(session: AsyncSession, station_id: int | None) -> Station | None:
    return await session.get(Station, station_id) if station_id is not None else None


async def home_of_town(session: AsyncSession, town_code: str) -> Station | None:
    query = (
        select(Station)
        .where(Station.town_code == town_code, Station.kind == StationKind.HOME)
        .order_by(Station.id)
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def station_for_community(session: AsyncSession, community_code: str) -> Station | None:
    """The liaison station covering the community, else its town's home; None if neither."""
    covering = await session.scalar(
        select(Station)
        .join(StationCoverage, StationCoverage.station_id == Station.id)
        .where(StationCoverage.community_code == community_code)
    )
    if covering is not None:
        return covering
    community = await session.get(Community, community_code)
    if community is None:
        return None
    return await home_of_town(session, community.town_code)


async def _views(session: AsyncSession, meetings: list[Meeting]) -> tuple[MeetingView, ...]:
    if not meetings:
        return ()
    ids = [m.id for m in meetings]
    attending: dict[int, list[Deputy]] = defaultdict(list)
    rows = await session.execute(
        select(MeetingDeputy.meeting_id, Deputy)
        .join(Deputy, Deputy.id == MeetingDeputy.deputy_id)
        .where(MeetingDeputy.meeting_id.in_(ids))
        .order_by(Deputy.name, Deputy.id)
    )
    for meeting_id, deputy in rows.all():
        attending[meeting_id].append(deputy)
    station_ids = {m.station_id for m in meetings}
    stations = {
        s.id: s for s in await session.scalars(select(Station).where(Station.id.in_(station_ids)))
    }
    return tuple(
        MeetingView(m, stations[m.station_id], tuple(attending.get(m.id, []))) for m in meetings
    )


async def upcoming_meetings(
    session: AsyncSession, station_id: int, now: datetime, *, limit: int = 3
) -> tuple[MeetingView, ...]:
    """The station's next planned public meetings that have not ended yet, soonest first."""
    meetings = (
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.station_id == station_id,
                Meeting.status == MeetingStatus.PLANNED,
                Meeting.kind.in_(PUBLIC_KINDS),
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
    ).all()
    return await _views(session, list(meetings))


async def load_station_card(
    session: AsyncSession, station_id: int, now: datetime, *, meetings: int = 3
) -> StationCard | None:
    station = await session.get(Station, station_id)
    if station is None:
        return None
    home = None
    if station.kind == StationKind.STATION:
        home = await home_of_town(session, station.town_code)
    return StationCard(
        station=station,
        town=await session.get(Town, station.town_code),
        home=home,
        deputies=await station_deputies(session, station.id),
        meetings=await upcoming_meetings(session, station.id, now, limit=meetings),
    )


async def load_deputy_card(
    session: AsyncSession, deputy_id: int, now: datetime, *, meetings: int = 3
) -> DeputyCard | None:
    """A deputy's public card: profile, stations, next public meetings they attend."""
    deputy = await session.get(Deputy, deputy_id)
    if deputy is None or not deputy.active:
        return None
    stations = (
        await session.scalars(
            select(Station)
            .join(DeputyStation, DeputyStation.station_id == Station.id)
            .where(DeputyStation.deputy_id == deputy_id)
            .order_by(Station.kind, Station.name, Station.id)
        )
    ).all()
    upcoming = (
        await session.scalars(
            select(Meeting)
            .join(MeetingDeputy, MeetingDeputy.meeting_id == Meeting.id)
            .where(
                MeetingDeputy.deputy_id == deputy_id,
                Meeting.status == MeetingStatus.PLANNED,
                Meeting.kind.in_(PUBLIC_KINDS),
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(meetings)
        )
    ).all()
    district = ""
    if stations:
        district = await session.scalar(
            select(District.name).join(Town, Town.district_code == District.code)
            .where(Town.code == stations[0].town_code)
        ) or ""
    return DeputyCard(deputy, tuple(stations), await _views(session, list(upcoming)), district)


async def load_meeting(session: AsyncSession, meeting_id: int) -> MeetingView | None:
    """One public meeting with its station and deputies (for a calendar file)."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.kind not in PUBLIC_KINDS:
        return None
    views = await _views(session, [meeting])
    return views[0]
