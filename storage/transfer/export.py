"""Export the district to the import format: one XLSX workbook, or a folder of CSV files.

Every sheet is sorted by its key, so two exports of the same data are byte-for-byte equal (CSV)
and an export imports into an empty database as the same data.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    AddressAlias,
    Community,
    Deputy,
    DeputyStation,
    District,
    Meeting,
    MeetingDeputy,
    Station,
    StationCoverage,
    Town,
)
from .formulas import neutralise
from .schema import SHEETS

__all__ = [
    "export_path",
    "collect_tables",
    "format_cell",
    "is_workbook_path",
    "write_xlsx",
    "write_csv_folder",
]

Table = list[list[Any]]  # rows of cell values, without the header


def format_cell(value: Any, tz: ZoneInfo) -> Any:
    """How a value is written: booleans as true/false, times as local ISO 8601 with offset."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="minutes")
    if isinstance(value, tuple):
        return " ".join(value)
    return getattr(value, "value", value)  # enums


async def _rows(session: AsyncSession, *columns: Any, order: Any) -> list[tuple[Any, ...]]:
    result = await session.execute(select(*columns).order_by(*order))
    return [tuple(row) for row in result]


async def collect_tables(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows as tuples in the schema's column order."""
    S, D = Station, Deputy
    tables: dict[str, list[tuple[Any, ...]]] = {
        "districts": await _rows(session, District.code, District.name, order=[District.code]),
        "towns": await _rows(session, Town.code, Town.name, Town.short_name, order=[Town.code]),
        "communities": await _rows(
            session, Community.code, Community.town_code, Community.name, Community.short_name,
            Community.unit_type, order=[Community.code],
        ),
        "aliases": await _rows(
            session, AddressAlias.alias, AddressAlias.community_code, AddressAlias.kind,
            order=[AddressAlias.community_code, AddressAlias.alias],
        ),
        "stations": await _rows(
            session, S.code, S.kind, S.name, S.town_code, S.is_model, S.address, S.latitude,
            S.longitude, S.opening_hours, S.phone, S.description, S.is_demo, S.rhythm,
            S.rhythm_minutes, S.person_in_charge, order=[S.code],
        ),
        "deputies": await _rows(
            session, D.code, D.name, D.level, D.title, D.profile, D.active, D.is_demo,
            order=[D.code],
        ),
    }
    tables["coverage"] = await _join_rows(
        session, select(S.code, StationCoverage.community_code)
        .join(S, S.id == StationCoverage.station_id)
        .order_by(StationCoverage.community_code)
    )
    tables["deputy_stations"] = await _join_rows(
        session, select(D.code, S.code)
        .join(DeputyStation, DeputyStation.deputy_id == D.id)
        .join(S, S.id == DeputyStation.station_id)
        .order_by(D.code, S.code)
    )
    tables["meetings"] = await _meetings(session)
    return tables


async def _join_rows(session: AsyncSession, statement: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await session.execute(statement)]


async def _meetings(session: AsyncSession) -> list[tuple[Any, ...]]:
    attendance: dict[int, list[str]] = {}
    pairs = await session.execute(
        select(MeetingDeputy.meeting_id, Deputy.code)
        .join(Deputy, Deputy.id == MeetingDeputy.deputy_id)
        .order_by(MeetingDeputy.meeting_id, Deputy.code)
    )
    for meeting_id, code in pairs:
        attendance.setdefault(meeting_id, []).append(code)
    M = Meeting
    rows = await session.execute(
        select(
            M.id, M.code, Station.code, M.kind, M.starts_at, M.ends_at, M.place, M.topic, M.status,
            M.notes, M.is_demo, M.capacity, M.walk_ins, M.minutes,
        )
        .join(Station, Station.id == M.station_id)
        .order_by(M.code)
    )
    return [
        (code, station, kind, starts, ends, place, topic, status,
         tuple(attendance.get(id_, ())), *rest)
        for id_, code, station, kind, starts, ends, place, topic, status, *rest in rows
    ]


def _csv_cell(value: Any, tz: ZoneInfo) -> Any:
    text = format_cell(value, tz)
    return neutralise(text) if isinstance(text, str) else text  # numbers stay numbers


def write_csv_folder(folder: Path, tables: dict[str, list[tuple[Any, ...]]], tz: ZoneInfo) -> None:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly; no cell starts a formula."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec in SHEETS:
        with open(folder / f"{spec.name}.csv", "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")  # RFC 4180; quotes a lone CR too
            writer.writerow(spec.column_names)
            for row in tables[spec.name]:
                writer.writerow([_csv_cell(v, tz) for v in row])


def write_xlsx(path: Path, tables: dict[str, list[tuple[Any, ...]]], tz: ZoneInfo) -> None:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    for spec in SHEETS:
        sheet = book.create_sheet(spec.name)
        sheet.append(list(spec.column_names))
        for row in tables[spec.name]:
            sheet.append([_xlsx_cell(sheet, v, tz) for v in row])
    book.save(path)


def _xlsx_cell(sheet: Any, value: Any, tz: ZoneInfo) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, float):
        return value  # coordinates stay numbers in the spreadsheet
    text = format_cell(value, tz)
    if isinstance(text, str) and text.startswith("="):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # text, never a formula: "=HYPERLINK(…)" in a name stays a name
        return cell
    return text


def is_workbook_path(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


async def export_path(
    session: AsyncSession, path: Path, *, tz: ZoneInfo | None = None
) -> dict[str, int]:
    """Write the district to ``path`` (``*.xlsx`` → workbook, anything else → CSV folder)."""
    zone = tz or ZoneInfo("Asia/Shanghai")
    tables = await collect_tables(session)
    if is_workbook_path(path):
        write_xlsx(path, tables, zone)
    else:
        write_csv_folder(path, tables, zone)
    return {name: len(rows) for name, rows in tables.items()}
