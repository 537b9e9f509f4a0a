"""The district's figures for a period (``jiazhan report``): activities, attendances, contacts,
bookings and suggestions, in totals and per home, station, town and deputy.

Counted in SQL with one pass of each kind over the period: conditional sums per station and per
month (a CASE over the month's bounds in the district's zone), towns and totals being the sums of
their stations; medians from one read of the answered suggestions' hours; the deputies' sign-ins,
rhythm (月进站、季回家) and 述职 in one grouped query (a city's year is timed by
``tests/benchmarks/report.py``; README "Figures and reports"). Definitions, for a period
[start, end) in the district's zone:

* ``activities_held``: meetings with status ``held`` that started in the period;
* ``deputy_attendances``: deputy ``CheckIn`` rows at those meetings (代表参加人次);
* ``voter_contacts``: resident ``CheckIn`` rows plus ``Meeting.walk_ins`` at those meetings;
* ``bookings``: confirmed ``Booking`` rows of meetings that started in the period;
* ``suggestions_collected``: suggestions made in the period (a merged duplicate is not counted,
  its original is), split in ``suggestions_online`` and ``suggestions_on_behalf`` (代录);
* ``answered``: those with a first response; ``resolved``: status resolved or closed (not
  rejected, not merged);
* ``response_rate``: answered by the first-response deadline / those whose deadline has passed
  or which are answered (at ``now``); ``resolution_rate``: resolved / collected;
  ``satisfaction_rate``: 满意 or 基本满意 / rated; ``median_first_response_hours`` over answered;
* ``followup_asked``: of those, the ones whose resident was asked 「问题还解决着吗？」;
  ``followup_still_fixed`` / ``followup_came_back``: the answers; ``followup_still_fixed_rate``:
  still fixed / answered.

Per deputy: ``activities_held`` counts held meetings at the deputy's stations,
``deputy_attendances`` the deputy's own sign-ins, ``voter_contacts`` and ``bookings`` those of the
held meetings the deputy attended, suggestions those assigned to the deputy;
``station_months_attended`` is the number of months of the period with a sign-in at a liaison
station (月进站), ``home_quarters_attended`` the quarters with one at a home (季回家),
``report_given`` whether the deputy attended a 述职 meeting, ``evaluation`` voters' 评议: the
evaluations whose period overlaps the report's (``storage.evaluations.deputy_evaluation_figures``:
counts and the satisfaction rate, never who voted), None when there is none.
"""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, distinct, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .evaluations import deputy_evaluation_figures
from .models import (
    Booking,
    BookingStatus,
    Category,
    CheckIn,
    Deputy,
    DeputyStation,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Satisfaction,
    Station,
    StationKind,
    Suggestion,
    SuggestionStatus,
    Town,
)
from .sql_figures import count_if, hours_between, ratio

__all__ = ["FIGURES", "DEPUTY_FIGURES", "LEDGER_COLUMNS", "ReportScope", "period_bounds",
           "report_scope", "build_report", "ledger_rows", "ledger_batches"]

FIGURES = ("activities_held", "deputy_attendances", "voter_contacts", "bookings",
           "suggestions_collected", "suggestions_online", "suggestions_on_behalf", "answered",
           "resolved", "median_first_response_hours", "response_rate", "resolution_rate",
           "satisfaction_rate",
           # 回访 "was it really fixed?" (storage.followup)
           "followup_asked", "followup_still_fixed", "followup_came_back",
           "followup_still_fixed_rate")
DEPUTY_FIGURES = ("station_months_attended", "home_quarters_attended", "report_given",
                  "evaluation")
LEDGER_COLUMNS = ("ticket", "created", "station", "category", "level", "handler", "status",
                  "first_response", "resolved_at", "closed", "rating")

_S = Suggestion
_COUNTED = _S.status != SuggestionStatus.DUPLICATE


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Stations of the report (None: all) and the one deputy (--deputy) if any."""

    station_ids: list[int] | None
    deputy_id: int | None = None


def period_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in the district's zone."""
    return (datetime.combine(first, time(), tz),
            datetime.combine(last + timedelta(days=1), time(), tz))


async def report_scope(session: AsyncSession, *, district: str | None = None,
                       town: str | None = None, station: str | None = None,
                       deputy: str | None = None) -> ReportScope | None:
    """The scope named by one code; None when the code is unknown."""
    if district is None and town is None and station is None and deputy is None:
        return ReportScope(None)
    if deputy is not None:
        dep = await session.scalar(select(Deputy.id).where(Deputy.code == deputy))
        if dep is None:
            return None
        ids = list(await session.scalars(
            select(DeputyStation.station_id).where(DeputyStation.deputy_id == dep)))
        return ReportScope(ids, dep)
    query = select(Station.id)
    if station is not None:
        query = query.where(Station.code == station)
    elif town is not None:
        query = query.where(Station.town_code == town)
    else:
        query = query.join(Town, Town.code == Station.town_code).where(
            Town.district_code == district)
    ids = list(await session.scalars(query))
    return ReportScope(ids) if ids else None


def _key(key: Any | None) -> Any:
    return key if key is not None else literal_column("0")


def _stations(stmt: Any, column: Any, scope: ReportScope) -> Any:
    return stmt if scope.station_ids is None else stmt.where(column.in_(scope.station_ids))


def _suggestion_sums(now: datetime) -> tuple[tuple[str, Any], ...]:
    """What is counted of the period's suggestions (each an additive count, summed over
    stations for towns and totals)."""
    return (
        ("on_behalf", _S.on_behalf.is_(True)),
        ("answered", _S.first_response_at.is_not(None)),
        ("resolved", _S.status.in_([SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED])),
        ("due", or_(_S.first_response_due <= now, _S.first_response_at.is_not(None))),
        ("on_time", _S.first_response_at <= _S.first_response_due),
        ("rated", _S.satisfaction.is_not(None)),
        ("good", _S.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])),
        ("followup_asked", _S.followup_asked_at.is_not(None)),
        ("followup_still_fixed", _S.followup_answer == "still_fixed"),
        ("followup_came_back", _S.followup_answer == "came_back"),
    )


async def _suggestion_counts(session: AsyncSession, start: datetime, end: datetime,
                             now: datetime, scope: ReportScope, key: Any,
                             where: tuple[Any, ...] = ()) -> dict[Any, dict[str, int]]:
    """One pass over the period's suggestions grouped by ``key``: ``collected`` and each of
    ``_suggestion_sums``."""
    sums = _suggestion_sums(now)
    stmt = select(key, func.count(), *(count_if(c) for _, c in sums)).where(
        _S.created_at >= start, _S.created_at < end, _COUNTED, key.is_not(None), *where)
    stmt = _stations(stmt, _S.station_id, scope).group_by(key)
    return {k: {"collected": int(n), **{name: int(v) for (name, _), v in
                                        zip(sums, values, strict=True)}}
            for k, n, *values in await session.execute(stmt)}


async def _response_hours(session: AsyncSession, start: datetime, end: datetime,
                          scope: ReportScope, month: Any, where: tuple[Any, ...] = ()
                          ) -> list[tuple[int, int | None, int, float]]:
    """(station, assignee, month index, hours to the first response) of each answered
    suggestion of the period: the medians of every list are taken from these rows."""
    hours = hours_between(session.get_bind().dialect.name, _S.first_response_at, _S.created_at)
    stmt = select(_S.station_id, _S.assignee_deputy_id, month, hours).where(
        _S.created_at >= start, _S.created_at < end, _COUNTED,
        _S.first_response_at.is_not(None), *where)
    return [(s, d, int(m), float(h))
            for s, d, m, h in await session.execute(_stations(stmt, _S.station_id, scope))]


def _median(values: list[float]) -> float | None:
    """The middle value, or the mean of the middle two, rounded to hundredths."""
    return round(statistics.median(values), 2) if values else None


def _hour_lists(rows: list[tuple[int, int | None, int, float]], column: int
                ) -> dict[Any, list[float]]:
    """The hours of ``rows`` grouped by one of their columns (0 station, 1 deputy, 2 month)."""
    groups: dict[Any, list[float]] = {}
    for row in rows:
        k = row[column]
        if k is not None:
            if k in groups:
                groups[k].append(row[3])
            else:
                groups[k] = [row[3]]
    return groups


def _suggestion_figures(counts: dict[str, int] | None, median: float | None) -> dict[str, Any]:
    c = counts or {}
    total = c.get("collected", 0)
    fixed, back = c.get("followup_still_fixed", 0), c.get("followup_came_back", 0)
    return {
        "suggestions_collected": total,
        "suggestions_online": total - c.get("on_behalf", 0),
        "suggestions_on_behalf": c.get("on_behalf", 0),
        "answered": c.get("answered", 0),
        "resolved": c.get("resolved", 0),
        "median_first_response_hours": median if total else None,
        "response_rate": ratio(c.get("on_time", 0), c.get("due", 0)),
        "resolution_rate": ratio(c.get("resolved", 0), total),
        "satisfaction_rate": ratio(c.get("good", 0), c.get("rated", 0)),
        "followup_asked": c.get("followup_asked", 0),
        "followup_still_fixed": fixed,
        "followup_came_back": back,
        "followup_still_fixed_rate": ratio(fixed, fixed + back),
    }


async def _meeting_counts(session: AsyncSession, start: datetime, end: datetime,
                          scope: ReportScope, key: Any) -> dict[Any, dict[str, int]]:
    """Meetings of the period grouped by ``key`` (a column or expression of Meeting): how many
    were held, their walk-ins, deputy and resident sign-ins; confirmed bookings of all."""
    started = (Meeting.starts_at >= start, Meeting.starts_at < end)
    held = (*started, Meeting.status == MeetingStatus.HELD)
    out: dict[Any, dict[str, int]] = {}

    def put(row: dict[str, int], name: str, value: Any) -> None:
        if int(value or 0):
            row[name] = row.get(name, 0) + int(value)

    meetings = _stations(select(key, func.count(), func.sum(Meeting.walk_ins)).where(*held),
                         Meeting.station_id, scope).group_by(key)
    for k, n, walk_ins in await session.execute(meetings):
        row = out.setdefault(k, {})
        put(row, "activities_held", n)
        put(row, "walk_ins", walk_ins)
    checkins = _stations(
        select(key, count_if(CheckIn.kind == "deputy"), count_if(CheckIn.kind == "resident"))
        .select_from(CheckIn).join(Meeting, Meeting.id == CheckIn.meeting_id).where(*held),
        Meeting.station_id, scope).group_by(key)
    for k, deputies, residents in await session.execute(checkins):
        row = out.setdefault(k, {})
        put(row, "deputy_attendances", deputies)
        put(row, "residents", residents)
    bookings = _stations(
        select(key, func.count()).select_from(Booking)
        .join(Meeting, Meeting.id == Booking.meeting_id)
        .where(*started, Booking.status == BookingStatus.CONFIRMED),
        Meeting.station_id, scope).group_by(key)
    for k, n in await session.execute(bookings):
        put(out.setdefault(k, {}), "bookings", n)
    return out


def _add(into: dict[str, int], counts: dict[str, int] | None) -> None:
    for name, value in (counts or {}).items():
        into[name] = into.get(name, 0) + value


def _row(meetings: dict[str, int] | None, suggestions: dict[str, Any]) -> dict[str, Any]:
    m = meetings or {}
    return {
        "activities_held": m.get("activities_held", 0),
        "deputy_attendances": m.get("deputy_attendances", 0),
        "voter_contacts": m.get("residents", 0) + m.get("walk_ins", 0),
        "bookings": m.get("bookings", 0),
        **suggestions,
    }


def _months(start: datetime, end: datetime) -> list[tuple[int, int]]:
    year, month = start.year, start.month
    out = []
    while datetime(year, month, 1, tzinfo=start.tzinfo) < end:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _bucket(column: Any, bounds: list[datetime]) -> Any:
    """The index of the [bounds[i], bounds[i + 1]) a time of the period falls in (SQL CASE; the
    bounds come from the district's zone, so both backends bucket alike). Never a bare number,
    which GROUP BY would read as a column position."""
    return case(*((column < bound, i) for i, bound in enumerate(bounds[1:])),
                else_=len(bounds) - 2)


def _month_bounds(start: datetime, end: datetime, every: int = 1) -> list[datetime]:
    """[start, the first day of each month (every 3: each quarter) inside the period …, end]."""
    out = [start]
    for year, month in _months(start, end):
        moment = datetime(year, month, 1, tzinfo=start.tzinfo)
        if start < moment < end and (month - 1) % every == 0:
            out.append(moment)
    return [*out, end]


async def _deputy_rows(session: AsyncSession, start: datetime, end: datetime, now: datetime,
                       scope: ReportScope, hours: list[tuple[int, int | None, int, float]] | None
                       ) -> list[dict[str, Any]]:
    """``hours``: the period's answered suggestions of every station (the city report's), or
    None to read those of the deputies in scope."""
    deputies = select(Deputy.id, Deputy.code, Deputy.name, Deputy.level).order_by(Deputy.code)
    if scope.deputy_id is not None:
        deputies = deputies.where(Deputy.id == scope.deputy_id)
    elif scope.station_ids is not None:
        deputies = deputies.where(Deputy.id.in_(select(DeputyStation.deputy_id).where(
            DeputyStation.station_id.in_(scope.station_ids))))
    people = (await session.execute(deputies)).all()
    if not people:
        return []
    ids = [p[0] for p in people]
    narrow = scope.station_ids is not None or scope.deputy_id is not None
    period = (Meeting.starts_at >= start, Meeting.starts_at < end,
              Meeting.status == MeetingStatus.HELD)
    # Held meetings at the deputy's stations.
    at_stations_q = (select(DeputyStation.deputy_id, func.count(distinct(Meeting.id)))
                     .join(Meeting, Meeting.station_id == DeputyStation.station_id)
                     .where(*period).group_by(DeputyStation.deputy_id))
    if narrow:
        at_stations_q = at_stations_q.where(DeputyStation.deputy_id.in_(ids))
    at_stations = dict((await session.execute(at_stations_q)).all())

    # The deputies' sign-ins at held meetings in one grouped query: how many, the walk-ins of
    # those meetings, and the rhythm: distinct months with a sign-in at a liaison station
    # (月进站), distinct quarters with one at a home (季回家), whether one was at a 述职 meeting.
    # Grouped over every deputy (a list of ids would make SQLite probe each meeting once per
    # deputy).
    month = _bucket(Meeting.starts_at, _month_bounds(start, end))
    quarter = _bucket(Meeting.starts_at, _month_bounds(start, end, 3))
    rhythm = (select(CheckIn.deputy_id, func.count(), func.sum(Meeting.walk_ins),
                     func.count(distinct(case((Station.kind == StationKind.STATION, month)))),
                     func.count(distinct(case((Station.kind == StationKind.HOME, quarter)))),
                     func.max(case((Meeting.kind == MeetingKind.REPORT, 1), else_=0)))
              .join(Meeting, Meeting.id == CheckIn.meeting_id)
              .join(Station, Station.id == Meeting.station_id)
              .where(CheckIn.kind == "deputy", *period).group_by(CheckIn.deputy_id))
    attended: dict[int, tuple[int, ...]] = {
        d: tuple(int(x or 0) for x in rest)
        for d, *rest in await session.execute(rhythm)}
    # Resident sign-ins and confirmed bookings of the meetings each deputy attended: counted
    # per meeting, then summed here over each deputy's meetings (joined to the sign-ins in SQL,
    # PostgreSQL may run the per-meeting aggregate once per sign-in when its estimates are off).
    async def per_meeting(table: Any, *where: Any) -> dict[int, int]:
        return {m: int(n) for m, n in await session.execute(
            select(table.meeting_id, func.count()).join(Meeting, Meeting.id == table.meeting_id)
            .where(*where, *period).group_by(table.meeting_id))}

    residents = await per_meeting(CheckIn, CheckIn.kind == "resident")
    booked = await per_meeting(Booking, Booking.status == BookingStatus.CONFIRMED)
    met: dict[int | None, int] = {}
    bookings: dict[int | None, int] = {}
    for d, m in await session.execute(
            select(CheckIn.deputy_id, CheckIn.meeting_id)
            .join(Meeting, Meeting.id == CheckIn.meeting_id)
            .where(CheckIn.kind == "deputy", *period)):
        met[d] = met.get(d, 0) + residents.get(m, 0)
        bookings[d] = bookings.get(d, 0) + booked.get(m, 0)
    # Suggestions assigned to the deputy, wherever they were made.
    mine = (_S.assignee_deputy_id.in_(ids),) if narrow else ()
    counts = await _suggestion_counts(session, start, end, now, ReportScope(None),
                                      _S.assignee_deputy_id, mine)
    if hours is None:
        hours = await _response_hours(session, start, end, ReportScope(None),
                                      literal_column("0"), mine)
    medians = {d: _median(v) for d, v in _hour_lists(hours, 1).items()}
    evaluations = await deputy_evaluation_figures(
        session, start.date(), (end - timedelta(days=1)).date(), ids)
    rows = []
    for dep_id, code, name, level in people:
        n, walk_ins, months, quarters, reported = attended.get(dep_id, (0, 0, 0, 0, 0))
        meetings = {"activities_held": int(at_stations.get(dep_id, 0)),
                    "deputy_attendances": n, "residents": met.get(dep_id, 0),
                    "walk_ins": walk_ins, "bookings": bookings.get(dep_id, 0)}
        rows.append({"code": code, "name": name, "level": str(level),
                     **_row(meetings, _suggestion_figures(counts.get(dep_id),
                                                          medians.get(dep_id))),
                     "station_months_attended": months,
                     "home_quarters_attended": quarters,
                     "report_given": bool(reported),
                     "evaluation": evaluations.get(dep_id)})
    return rows


async def build_report(session: AsyncSession, first: date, last: date, tz: ZoneInfo,
                       now: datetime, scope: ReportScope, *, trend: bool = True
                       ) -> dict[str, Any]:
    """The report as one JSON-ready dict (see the module's docstring for every figure).

    Counted per station and per month in SQL (one pass of each kind); towns and totals are the
    sums of their stations; medians come from one read of the answered suggestions' hours."""
    start, end = period_bounds(first, last, tz)
    stations = select(Station.id, Station.code, Station.name, Station.kind, Station.town_code
                      ).order_by(Station.code)
    station_rows = (await session.execute(_stations(stations, Station.id, scope))).all()
    town_of = {sid: town for sid, _, _, _, town in station_rows}
    bounds = _month_bounds(start, end)
    by_station_m = await _meeting_counts(session, start, end, scope, Meeting.station_id)
    by_station_s = await _suggestion_counts(session, start, end, now, scope, _S.station_id)
    hours = await _response_hours(session, start, end, scope, _bucket(_S.created_at, bounds))
    per_home: list[dict[str, Any]] = []
    per_station: list[dict[str, Any]] = []
    station_hours = _hour_lists(hours, 0)
    for sid, code, name, kind, town in station_rows:
        figures = _suggestion_figures(by_station_s.get(sid), _median(station_hours.get(sid, [])))
        row = {"code": code, "name": name, "town": town,
               **_row(by_station_m.get(sid), figures)}
        (per_home if kind == StationKind.HOME else per_station).append(row)
    # Towns and totals: the sums of their stations' counts.
    town_m: dict[str, dict[str, int]] = {}
    town_s: dict[str, dict[str, int]] = {}
    all_m: dict[str, int] = {}
    all_s: dict[str, int] = {}
    for sid, town in town_of.items():
        _add(town_m.setdefault(town, {}), by_station_m.get(sid))
        _add(town_s.setdefault(town, {}), by_station_s.get(sid))
        _add(all_m, by_station_m.get(sid))
        _add(all_s, by_station_s.get(sid))
    town_hours: dict[str, list[float]] = {}
    for sid, values in station_hours.items():
        town_hours.setdefault(town_of[sid], []).extend(values)
    total_median = _median([row[3] for row in hours])
    towns = select(Town.code, Town.name).order_by(Town.code)
    if scope.station_ids is not None:
        towns = towns.where(Town.code.in_(set(town_of.values())))
    per_town = [{"code": code, "name": name, **_row(town_m.get(code), _suggestion_figures(
                    town_s.get(code), _median(town_hours.get(code, []))))}
                for code, name in await session.execute(towns)]
    report: dict[str, Any] = {
        "period": {"from": first.isoformat(), "to": last.isoformat(),
                   "months": len(_months(start, end))},
        "totals": _row(all_m, _suggestion_figures(all_s, total_median)),
        "per_home": per_home,
        "per_station": per_station,
        "per_town": per_town,
        "per_deputy": await _deputy_rows(session, start, end, now, scope,
                                         hours if scope.station_ids is None else None),
    }
    if trend:  # month by month: grouped by the month (a CASE over the month's bounds)
        names = [f"{year:04d}-{month:02d}" for year, month in _months(start, end)]
        by_month_m = await _meeting_counts(session, start, end, scope,
                                           _bucket(Meeting.starts_at, bounds))
        by_month_s = await _suggestion_counts(session, start, end, now, scope,
                                              _bucket(_S.created_at, bounds))
        month_hours = _hour_lists(hours, 2)
        report["per_month"] = [
            {"month": name, **_row(by_month_m.get(i), _suggestion_figures(
                by_month_s.get(i), _median(month_hours.get(i, []))))}
            for i, name in enumerate(names)]
    return report


def _fixed_offset(tz: ZoneInfo, start: datetime, end: datetime) -> timedelta | None:
    """The zone's UTC offset when it is the same all through the period (no clock change)."""
    offset = start.utcoffset()
    probe = start
    while probe < end + timedelta(hours=12):
        if probe.astimezone(tz).utcoffset() != offset:
            return None
        probe += timedelta(hours=12)
    return offset


def _local_text(dialect: str, column: Any, offset: timedelta | None) -> Any:
    """``YYYY-MM-DD HH:MM`` in the district's zone formatted by the database (no datetime
    object per cell), when the zone keeps one offset over the period; else the column."""
    if offset is None:
        return column
    minutes = int(offset.total_seconds() // 60)
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%d %H:%M", column, f"{minutes:+d} minutes")
    if dialect == "postgresql":
        return func.to_char(column + literal_column(f"interval '{minutes} minutes'"),
                            "YYYY-MM-DD HH24:MI")
    return column


async def ledger_batches(session: AsyncSession, first: date, last: date, tz: ZoneInfo,
                         scope: ReportScope, *, size: int = 2000
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """The suggestions ledger of the period in batches of ``size`` rows, read as a stream (a
    city's year is written into the workbook without holding it all), ordered by ticket;
    without personal data (no name, phone or text)."""
    start, end = period_bounds(first, last, tz)
    dialect = session.get_bind().dialect.name
    offset = _fixed_offset(tz, start, end)
    times = [_local_text(dialect, c, offset) for c in
             (_S.created_at, _S.first_response_at, _S.resolved_at, _S.closed_at)]
    stmt = (select(_S.ticket, times[0], Station.code, Category.name_zh, _S.level,
                   Deputy.code, _S.status, times[1], times[2], times[3], _S.satisfaction)
            .join(Station, Station.id == _S.station_id)
            .join(Category, Category.code == _S.category_code)
            .outerjoin(Deputy, Deputy.id == _S.assignee_deputy_id)
            .where(_S.created_at >= start, _S.created_at < end).order_by(_S.ticket))
    stmt = _stations(stmt, _S.station_id, scope)

    def stamp(value: datetime | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    result = await session.stream(stmt.execution_options(yield_per=size))
    async for part in result.partitions(size):
        yield [dict(zip(LEDGER_COLUMNS, (
            ticket, stamp(created), station, category, str(level), handler or "", str(status),
            stamp(first_resp), stamp(resolved), stamp(closed), str(rating) if rating else ""),
            strict=True))
            for (ticket, created, station, category, level, handler, status, first_resp,
                 resolved, closed, rating) in part]


async def ledger_rows(session: AsyncSession, first: date, last: date, tz: ZoneInfo,
                      scope: ReportScope) -> list[dict[str, Any]]:
    """The suggestions ledger of the period, without personal data (no name, phone or text)."""
    rows: list[dict[str, Any]] = []
    async for batch in ledger_batches(session, first, last, tz, scope):
        rows.extend(batch)
    return rows
