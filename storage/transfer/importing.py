"""Import a district: read, validate everything, and only then write."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..divisions import district_names
from ..models import Community, Deputy, District, Station, Town
from .coverage_check import stations_without_deputies
from .problems import ImportRejected, Problem
from .reading import read_raw
from .validation import (
    Dataset,
    check_districts,
    check_refs,
    finish,
    parse_sheets,
    unresolved_refs,
    unroutable_names,
)
from .writing import write_dataset

__all__ = ["import_path", "validate_path"]

_CODES = {"towns": Town.code, "communities": Community.code, "stations": Station.code, "deputies": Deputy.code}


async def _known_in_database(
    session: AsyncSession, wanted: dict[str, set[str]]
) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for target, codes in wanted.items():
        code = _CODES[target]
        found: set[str] = set()
        ordered = sorted(codes)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            found.update(await session.scalars(select(code).where(code.in_(chunk))))
        known[target] = found
    return known


async def validate_path(session: AsyncSession, path: Path, *, tz: ZoneInfo) -> Dataset:
    """The validated contents of ``path``; raises :class:`ImportRejected` listing every problem."""
    raw, problems = read_raw(path)
    if problems and (not raw or any(p.sheet not in raw for p in problems)):
        # A sheet that could not be read at all (its encoding, a cap): what other sheets say
        # about its codes would only be noise ("not found"), so that is all we report.
        raise ImportRejected(finish(problems))
    parsed, parse_problems = parse_sheets(raw, tz)
    problems += parse_problems
    problems += check_refs(parsed, await _known_in_database(session, unresolved_refs(parsed)))
    known = set(await session.scalars(select(District.code))) | district_names().keys()
    problems += check_districts(parsed, known)
    if problems:
        raise ImportRejected(finish(problems))
    return Dataset(
        {name: [record for _, record in sheet.rows] for name, sheet in parsed.items()},
        notes=unroutable_names(parsed),
    )


async def import_path(
    session: AsyncSession,
    path: Path,
    *,
    tz: ZoneInfo | None = None,
    notes: list[Problem] | None = None,
) -> dict[str, int]:
    """Validate the whole file, then upsert it; returns rows per sheet. Warnings that did not stop
    the import (names routing cannot key, stations left serving residents without an active
    deputy) are appended to ``notes``.

    On any problem raises :class:`ImportRejected` before a single row is written, so the caller's
    unit of work has nothing to roll back.
    """
    data = await validate_path(session, path, tz=tz or ZoneInfo("Asia/Shanghai"))
    counts = await write_dataset(session, data)
    if notes is not None:
        notes.extend(data.notes)
        notes.extend(s.as_problem() for s in await stations_without_deputies(session))
    return counts
