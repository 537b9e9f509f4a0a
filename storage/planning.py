"""计划表: the year's meetings from every station's rhythm (``jiazhan plan --year``).

Idempotent: a meeting is found again by its plan code (``storage.rhythm``). A meeting that staff
moved, edited or cancelled (``edited_at``), or that was already held, is left as it is; an
untouched planned one follows the rhythm's time. Occurrences already past, and ones that would
overlap another meeting at the station, are skipped. New meetings get the station's deputies,
its address as the place, and the topic given for their kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .meeting_rules import ensure_checkin_token, find_overlap
from .models import (
    DEFAULT_CAPACITY,
    Deputy,
    DeputyStation,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    Station,
)
from .rhythm import KIND_OF_STATION, Occurrence, occurrences

__all__ = ["PlanResult", "StationPlan", "plan_year", "year_bounds"]


@dataclass(frozen=True, slots=True)
class StationPlan:
    code: str
    kind: str
    meetings: int  # the station's planned meetings in the year after planning


@dataclass(slots=True)
class PlanResult:
    year: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    stations: list[StationPlan] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "year": self.year, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "skipped": self.skipped,
            "stations": [{"code": s.code, "kind": s.kind, "meetings": s.meetings}
                         for s in self.stations],
        }


def year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


async def _deputies(session: AsyncSession, station_id: int) -> list[int]:
    rows = await session.scalars(
        select(Deputy.id)
        .join(DeputyStation, DeputyStation.deputy_id == Deputy.id)
        .where(DeputyStation.station_id == station_id, Deputy.active.is_(True))
        .order_by(Deputy.id)
    )
    return list(rows)


async def _apply(
    session: AsyncSession, station: Station, occurrence: Occurrence, kind: MeetingKind,
    topic: str, known: Meeting | None, now: datetime, result: PlanResult,
) -> None:
    if known is not None:
        same = (known.starts_at, known.ends_at) == (occurrence.starts_at, occurrence.ends_at)
        if same or known.edited_at is not None or known.status != MeetingStatus.PLANNED:
            result.unchanged += 1
            return
        if occurrence.starts_at <= now or await find_overlap(
            session, station.id, occurrence.starts_at, occurrence.ends_at, ignore_id=known.id
        ):
            result.skipped += 1
            return
        known.starts_at, known.ends_at = occurrence.starts_at, occurrence.ends_at
        known.announced_at = known.reminded_at = None
        result.updated += 1
        return
    if occurrence.starts_at <= now or await find_overlap(
        session, station.id, occurrence.starts_at, occurrence.ends_at
    ):
        result.skipped += 1
        return
    meeting = Meeting(
        code=occurrence.code, station_id=station.id, kind=kind,
        starts_at=occurrence.starts_at, ends_at=occurrence.ends_at, place=station.address,
        topic=topic, status=MeetingStatus.PLANNED, capacity=DEFAULT_CAPACITY,
        person_in_charge=station.person_in_charge, walk_ins=0, minutes="", notes="",
        close_reminders=0, is_demo=station.is_demo,
    )
    ensure_checkin_token(meeting)
    session.add(meeting)
    await session.flush()
    session.add_all(MeetingDeputy(meeting_id=meeting.id, deputy_id=d)
                    for d in await _deputies(session, station.id))
    result.created += 1


async def plan_year(
    session: AsyncSession, year: int, tz: ZoneInfo, now: datetime,
    topics: Mapping[MeetingKind, str], *, station_codes: list[str] | None = None,
) -> PlanResult:
    """Create or update the year's meetings of every station that has a rhythm."""
    result = PlanResult(year)
    query = select(Station).where(Station.rhythm != "").order_by(Station.code)
    if station_codes is not None:
        query = query.where(Station.code.in_(station_codes))
    start, end = year_bounds(year, tz)
    for station in list(await session.scalars(query)):
        kind = KIND_OF_STATION[station.kind]
        found = occurrences(station.rhythm, station.rhythm_minutes, year, tz,
                            station_code=station.code, kind=kind)
        codes = [o.code for o in found]
        known = {m.code: m for m in await session.scalars(
            select(Meeting).where(Meeting.code.in_(codes)))} if codes else {}
        for occurrence in found:
            await _apply(session, station, occurrence, kind, topics.get(kind, ""),
                         known.get(occurrence.code), now, result)
        await session.flush()
        count = await session.scalar(select(func.count()).select_from(Meeting).where(
            Meeting.station_id == station.id, Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_at >= start, Meeting.starts_at < end,
        ))
        result.stations.append(StationPlan(station.code, station.kind.value, int(count or 0)))
    return result
