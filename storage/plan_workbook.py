"""计划表 as an XLSX workbook: one row per planned meeting of the year, ready to print.

Columns: station, date, time, place, form (kind), topic, deputies, person in charge. The caller
gives the header and kind labels (they are user-facing text from the catalogue).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Deputy, Meeting, MeetingDeputy, MeetingStatus, Station
from .planning import year_bounds

__all__ = ["PlanRow", "plan_rows", "write_plan_xlsx", "PLAN_COLUMNS"]

PLAN_COLUMNS = ("station", "date", "time", "place", "kind", "topic", "deputies", "in_charge")
_WIDTHS = (34, 12, 13, 40, 10, 36, 40, 14)


@dataclass(frozen=True, slots=True)
class PlanRow:
    station: str
    date: str
    time: str
    place: str
    kind: str  # MeetingKind value; the writer turns it into a label
    topic: str
    deputies: str
    in_charge: str


async def deputy_names(session: AsyncSession, meeting_ids: Sequence[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    if not meeting_ids:
        return names
    rows = await session.execute(
        select(MeetingDeputy.meeting_id, Deputy.name)
        .join(Deputy, Deputy.id == MeetingDeputy.deputy_id)
        .where(MeetingDeputy.meeting_id.in_(list(meeting_ids)))
        .order_by(Deputy.name)
    )
    for meeting_id, name in rows:
        names[meeting_id].append(name)
    return names


async def plan_rows(
    session: AsyncSession, year: int, tz: ZoneInfo, *, station_codes: Sequence[str] | None = None
) -> list[PlanRow]:
    """The year's planned meetings, by station then time."""
    start, end = year_bounds(year, tz)
    query = (
        select(Meeting, Station)
        .join(Station, Station.id == Meeting.station_id)
        .where(Meeting.status == MeetingStatus.PLANNED, Meeting.starts_at >= start,
               Meeting.starts_at < end)
        .order_by(Station.code, Meeting.starts_at, Meeting.id)
    )
    if station_codes is not None:
        query = query.where(Station.code.in_(list(station_codes)))
    pairs = [(m, s) for m, s in await session.execute(query)]
    names = await deputy_names(session, [m.id for m, _ in pairs])
    rows = []
    for meeting, station in pairs:
        local_start, local_end = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
        rows.append(PlanRow(
            station=station.name, date=f"{local_start:%Y-%m-%d}",
            time=f"{local_start:%H:%M}–{local_end:%H:%M}", place=meeting.place,
            kind=meeting.kind.value, topic=meeting.topic, deputies="、".join(names[meeting.id]),
            in_charge=meeting.person_in_charge or station.person_in_charge,
        ))
    return rows


def write_plan_xlsx(
    path: Path, title: str, headers: Mapping[str, str], kinds: Mapping[str, str],
    rows: Sequence[PlanRow],
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([headers[c] for c in PLAN_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.station, row.date, row.time, row.place, kinds.get(row.kind, row.kind),
                      row.topic, row.deputies, row.in_charge])
    for index, width in enumerate(_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    book.save(path)
