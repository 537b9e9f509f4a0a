"""履职档案: a year's meetings of a station, a town or everything, as a workbook ready to print.

Sheet 1 lists every meeting of the year (planned, held and cancelled) with its deputies (and who
signed in), attendance (residents signed in + walk-ins), bookings, minutes, photos and the
suggestions recorded at it; sheet 2 holds the totals (``storage.meeting_counts``). Labels come
from the caller (they are user-facing text).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from .meeting_counts import CalendarCounts, calendar_counts
from .models import (
    Booking,
    BookingStatus,
    CheckIn,
    Deputy,
    Meeting,
    MeetingDeputy,
    MeetingPhoto,
    Station,
    Suggestion,
)
from .planning import year_bounds

__all__ = ["ARCHIVE_COLUMNS", "ArchiveRow", "archive_counts", "archive_rows", "archive_scope",
           "write_archive_xlsx"]

ARCHIVE_COLUMNS = ("code", "station", "date", "time", "kind", "topic", "status", "deputies",
                   "deputies_present", "residents", "walk_ins", "attendance", "bookings",
                   "minutes", "photos", "suggestions")
_WIDTHS = (26, 30, 12, 13, 10, 30, 8, 36, 8, 8, 8, 8, 8, 60, 6, 30)


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    code: str
    station: str
    date: str
    time: str
    kind: str
    topic: str
    status: str
    deputies: str
    deputies_present: int
    residents: int
    walk_ins: int
    attendance: int
    bookings: int
    minutes: str
    photos: int
    suggestions: str


async def archive_scope(
    session: AsyncSession, *, station_code: str | None = None, town_code: str | None = None
) -> list[int] | None:
    """Station ids of the scope (None: everything); an unknown code gives an empty list."""
    if station_code is None and town_code is None:
        return None
    query = select(Station.id)
    query = (query.where(Station.code == station_code) if station_code is not None
             else query.where(Station.town_code == town_code))
    return list(await session.scalars(query))


async def _per_meeting(session: AsyncSession, meeting_id: InstrumentedAttribute[int], ids: list[int],
                       *where: Any) -> dict[int, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(meeting_id, func.count()).where(meeting_id.in_(ids), *where).group_by(meeting_id)
    )
    return {m: int(n) for m, n in rows}


async def _deputies(session: AsyncSession, ids: list[int]) -> dict[int, list[str]]:
    present = {(m, d) for m, d in await session.execute(
        select(CheckIn.meeting_id, CheckIn.deputy_id).where(CheckIn.meeting_id.in_(ids),
                                                           CheckIn.kind == "deputy"))}
    names: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(MeetingDeputy.meeting_id, Deputy.id, Deputy.name)
        .join(Deputy, Deputy.id == MeetingDeputy.deputy_id)
        .where(MeetingDeputy.meeting_id.in_(ids)).order_by(Deputy.name)
    )
    for meeting_id, deputy_id, name in rows:
        names[meeting_id].append(name + ("✓" if (meeting_id, deputy_id) in present else ""))
    return names


async def archive_rows(
    session: AsyncSession, year: int, tz: ZoneInfo, station_ids: Sequence[int] | None,
    labels: Mapping[str, str],
) -> list[ArchiveRow]:
    """Every meeting of the year in scope, by station then time; ``labels`` names kinds and
    statuses (``kind.reception``, ``status.held`` …)."""
    start, end = year_bounds(year, tz)
    query = (select(Meeting, Station).join(Station, Station.id == Meeting.station_id)
             .where(Meeting.starts_at >= start, Meeting.starts_at < end)
             .order_by(Station.code, Meeting.starts_at, Meeting.id))
    if station_ids is not None:
        query = query.where(Meeting.station_id.in_(list(station_ids)))
    pairs = [(m, s) for m, s in await session.execute(query)]
    ids = [m.id for m, _ in pairs]
    if not ids:
        return []
    deputies = await _deputies(session, ids)
    present = await _per_meeting(session, CheckIn.meeting_id, ids, CheckIn.kind == "deputy")
    residents = await _per_meeting(session, CheckIn.meeting_id, ids, CheckIn.kind == "resident")
    bookings = await _per_meeting(session, Booking.meeting_id, ids, Booking.status == BookingStatus.CONFIRMED)
    photos = await _per_meeting(session, MeetingPhoto.meeting_id, ids)
    tickets: dict[int, list[str]] = defaultdict(list)
    for meeting_id, ticket in await session.execute(
            select(Suggestion.meeting_id, Suggestion.ticket)
            .where(Suggestion.meeting_id.in_(ids)).order_by(Suggestion.ticket)):
        if meeting_id is not None:
            tickets[meeting_id].append(ticket)
    rows = []
    for m, s in pairs:
        a, b = m.starts_at.astimezone(tz), m.ends_at.astimezone(tz)
        rows.append(ArchiveRow(
            m.code, s.name, f"{a:%Y-%m-%d}", f"{a:%H:%M}–{b:%H:%M}",
            labels.get(f"kind.{m.kind.value}", m.kind.value), m.topic,
            labels.get(f"status.{m.status.value}", m.status.value), "、".join(deputies[m.id]),
            present.get(m.id, 0), residents.get(m.id, 0), m.walk_ins,
            residents.get(m.id, 0) + m.walk_ins, bookings.get(m.id, 0), m.minutes,
            photos.get(m.id, 0), " ".join(tickets[m.id]),
        ))
    return rows


async def archive_counts(
    session: AsyncSession, year: int, tz: ZoneInfo, station_ids: Sequence[int] | None
) -> CalendarCounts:
    start, end = year_bounds(year, tz)
    return await calendar_counts(session, start, end, station_ids)


def write_archive_xlsx(
    path: Path, titles: tuple[str, str], headers: Mapping[str, str], rows: Sequence[ArchiveRow],
    totals: Sequence[tuple[str, int]],
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = titles[0][:31]
    sheet.append([headers[c] for c in ARCHIVE_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([getattr(row, c) for c in ARCHIVE_COLUMNS])
    for index, width in enumerate(_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    summary = book.create_sheet(titles[1][:31])
    for label, value in totals:
        summary.append([label, value])
    summary.column_dimensions["A"].width = 24
    book.save(path)
