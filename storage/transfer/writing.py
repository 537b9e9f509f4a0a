"""Write validated records into the database, upserting by stable codes.

Rules: districts, towns, communities, stations, deputies and meetings are inserted or updated by their code
(nothing is deleted); an alias is keyed by (alias, community); a community's coverage row is
replaced; the file is authoritative for the stations of every deputy it names (in ``deputies`` or
``deputy_stations``) and for the deputies of every meeting in ``meetings``. Bulk statements, no
per-row ORM objects: a district of a few thousand rows is written in well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..divisions import district_names
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
from .validation import Dataset, Record

__all__ = ["write_dataset"]

_CHUNK = 500  # keeps IN (...) lists well below every backend's parameter limit


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def _ids_by_code(session: AsyncSession, model: Any, codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(codes))):
        rows = await session.execute(select(model.code, model.id).where(model.code.in_(chunk)))
        found.update({code: id_ for code, id_ in rows})
    return found


async def _existing_codes(session: AsyncSession, model: Any, codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(codes))):
        found.update(await session.scalars(select(model.code).where(model.code.in_(chunk))))
    return found


async def _upsert_by_code(session: AsyncSession, model: Any, rows: list[Record]) -> None:
    """Insert new codes, update known ones; ``model.code`` is the primary key or unique."""
    if not rows:
        return
    codes = [row["code"] for row in rows]
    if "id" in model.__table__.c:
        ids = await _ids_by_code(session, model, codes)
        updates = [{**row, "id": ids[row["code"]]} for row in rows if row["code"] in ids]
        inserts = [row for row in rows if row["code"] not in ids]
    else:
        known = await _existing_codes(session, model, codes)
        updates = [row for row in rows if row["code"] in known]
        inserts = [row for row in rows if row["code"] not in known]
    if updates:
        await session.execute(update(model), updates)
    if inserts:
        await session.execute(insert(model), inserts)


async def _write_aliases(session: AsyncSession, rows: list[Record]) -> None:
    if not rows:
        return
    keys = [(r["alias"], r["community_code"]) for r in rows]
    existing: dict[tuple[str, str], int] = {}
    for chunk in _chunks(keys):
        found = await session.execute(
            select(AddressAlias.alias, AddressAlias.community_code, AddressAlias.id).where(
                tuple_(AddressAlias.alias, AddressAlias.community_code).in_(chunk)
            )
        )
        existing.update({(a, c): id_ for a, c, id_ in found})
    updates = [{"id": existing[k], "kind": r["kind"]} for k, r in zip(keys, rows, strict=True) if k in existing]
    inserts = [r for k, r in zip(keys, rows, strict=True) if k not in existing]
    if updates:
        await session.execute(update(AddressAlias), updates)
    if inserts:
        await session.execute(insert(AddressAlias), inserts)


async def _replace_links(
    session: AsyncSession,
    table: Any,
    owner_column: Any,
    owners: Iterable[int],
    links: list[dict[str, int]],
) -> None:
    for chunk in _chunks(sorted(set(owners))):
        await session.execute(delete(table).where(owner_column.in_(chunk)))
    if links:
        await session.execute(insert(table), links)


async def write_dataset(session: AsyncSession, data: Dataset) -> dict[str, int]:
    """Upsert every sheet of ``data`` in dependency order; returns rows per sheet."""
    sheets = data.sheets
    await _upsert_by_code(session, District, sheets.get("districts", []))
    towns = [{**row, "district_code": row["code"][:6]} for row in sheets.get("towns", [])]
    await _ensure_districts(session, {row["district_code"] for row in towns})
    await _upsert_by_code(session, Town, towns)
    await _upsert_by_code(session, Community, sheets.get("communities", []))
    await _write_aliases(session, sheets.get("aliases", []))
    await _upsert_by_code(session, Station, sheets.get("stations", []))
    await _upsert_by_code(session, Deputy, sheets.get("deputies", []))
    await _write_coverage(session, sheets.get("coverage", []))
    await _write_deputy_stations(
        session, sheets.get("deputies", []), sheets.get("deputy_stations", [])
    )
    await _write_meetings(session, sheets.get("meetings", []))
    await session.flush()
    return data.counts()


async def _ensure_districts(session: AsyncSession, codes: set[str]) -> None:
    """Districts the file's towns belong to but neither the file nor the database names: named
    from the packaged list of Beijing's districts (validation refused any it does not know)."""
    missing = sorted(codes - await _existing_codes(session, District, codes))
    if missing:
        names = district_names()
        await session.execute(insert(District), [{"code": c, "name": names.get(c, c)} for c in missing])


async def _write_coverage(session: AsyncSession, rows: list[Record]) -> None:
    stations = await _ids_by_code(session, Station, (r["station_code"] for r in rows))
    communities = [r["community_code"] for r in rows]
    for chunk in _chunks(communities):
        await session.execute(
            delete(StationCoverage).where(StationCoverage.community_code.in_(chunk))
        )
    links = [
        {"station_id": stations[r["station_code"]], "community_code": r["community_code"]}
        for r in rows
    ]
    if links:
        await session.execute(insert(StationCoverage), links)


async def _write_deputy_stations(
    session: AsyncSession, deputies: list[Record], rows: list[Record]
) -> None:
    named = {r["code"] for r in deputies} | {r["deputy_code"] for r in rows}
    deputy_ids = await _ids_by_code(session, Deputy, named)
    station_ids = await _ids_by_code(session, Station, (r["station_code"] for r in rows))
    links = [
        {"deputy_id": deputy_ids[r["deputy_code"]], "station_id": station_ids[r["station_code"]]}
        for r in rows
    ]
    await _replace_links(
        session, DeputyStation, DeputyStation.deputy_id, deputy_ids.values(), links
    )


_ANNOUNCED = ("starts_at", "ends_at", "place", "status")  # what subscribers are told about


async def _keep_or_reset_announcements(session: AsyncSession, meetings: list[Record]) -> None:
    """A meeting whose time, place or status changes is announced again (and reminded again);
    an unchanged one keeps its stamps. Every row gets both keys, so bulk updates stay uniform."""
    known: dict[str, Meeting] = {}
    for chunk in _chunks([m["code"] for m in meetings]):
        found = await session.scalars(select(Meeting).where(Meeting.code.in_(chunk)))
        known.update({m.code: m for m in found})
    for row in meetings:
        old = known.get(row["code"])
        if old is None or any(row.get(key, getattr(old, key)) != getattr(old, key) for key in _ANNOUNCED):
            row["announced_at"] = row["reminded_at"] = None
        else:
            row["announced_at"] = old.announced_at
            row["reminded_at"] = old.reminded_at


async def _write_meetings(session: AsyncSession, rows: list[Record]) -> None:
    if not rows:
        return
    station_ids = await _ids_by_code(session, Station, (r["station_code"] for r in rows))
    meetings = []
    for r in rows:
        fields = {k: v for k, v in r.items() if k not in ("station_code", "deputy_codes")}
        meetings.append({**fields, "station_id": station_ids[r["station_code"]]})
    await _keep_or_reset_announcements(session, meetings)
    await _upsert_by_code(session, Meeting, meetings)
    meeting_ids = await _ids_by_code(session, Meeting, (r["code"] for r in rows))
    deputy_ids = await _ids_by_code(session, Deputy, (c for r in rows for c in r["deputy_codes"]))
    links = [
        {"meeting_id": meeting_ids[r["code"]], "deputy_id": deputy_ids[c]}
        for r in rows
        for c in r["deputy_codes"]
    ]
    await _keep_answers_replace_links(session, meeting_ids.values(), links)


async def _keep_answers_replace_links(
    session: AsyncSession, meeting_ids: Iterable[int], links: list[dict[str, int]]
) -> None:
    """The file decides who is on each meeting; deputies who stay keep their answers."""
    wanted = {(link["meeting_id"], link["deputy_id"]) for link in links}
    have: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted(set(meeting_ids))):
        rows = await session.execute(
            select(MeetingDeputy.meeting_id, MeetingDeputy.deputy_id)
            .where(MeetingDeputy.meeting_id.in_(chunk))
        )
        have.update((m, d) for m, d in rows)
    gone = sorted(have - wanted)
    for chunk in _chunks(gone):
        await session.execute(delete(MeetingDeputy).where(
            tuple_(MeetingDeputy.meeting_id, MeetingDeputy.deputy_id).in_(chunk)
        ))
    new = [{"meeting_id": m, "deputy_id": d} for m, d in sorted(wanted - have)]
    if new:
        await session.execute(insert(MeetingDeputy), new)
