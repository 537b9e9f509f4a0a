"""The district's figures for a period (``jiazhan report``): activities, attendances, contacts,
bookings and suggestions, in totals and per home, station, town and deputy.

Everything is aggregate SQL grouped by the row's key (conditional sums; medians by window
functions as in ``storage.stats``). Definitions, for a period [start, end) in the district's zone:

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

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, literal_column, or_, select
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

__all__ = ["FIGURES", "DEPUTY_FIGURES", "LEDGER_COLUMNS", "ReportScope", "period_bounds",
           "report_scope", "build_report", "ledger_rows"]

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


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(dialect: str, later: Any, earlier: Any) -> Any:
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _key(key: Any | None) -> Any:
    return key if key is not None else literal_column("0")


def _stations(stmt: Any, column: Any, scope: ReportScope) -> Any:
    return stmt if scope.station_ids is None else stmt.where(column.in_(scope.station_ids))


async def _suggestion_figures(session: AsyncSession, start: datetime, end: datetime,
                              now: datetime, scope: ReportScope, key: Any | None,
                              joins: tuple[tuple[Any, Any], ...] = ()) -> dict[Any, dict[str, Any]]:
    in_period = (_S.created_at >= start, _S.created_at < end, _COUNTED)
    due = or_(_S.first_response_due <= now, _S.first_response_at.is_not(None))
    on_time = _S.first_response_at <= _S.first_response_due
    resolved = _S.status.in_([SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED])
    rated = _S.satisfaction.is_not(None)
    good = _S.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])
    stmt = select(_key(key), func.count(), _count_if(_S.on_behalf.is_(True)),
                  _count_if(_S.first_response_at.is_not(None)), _count_if(resolved),
                  _count_if(due), _count_if(on_time), _count_if(rated),
                  _count_if(good), _count_if(_S.followup_asked_at.is_not(None)),
                  _count_if(_S.followup_answer == "still_fixed"),
                  _count_if(_S.followup_answer == "came_back")).select_from(_S)
    for target, onclause in joins:
        stmt = stmt.join(target, onclause)
    stmt = _stations(stmt.where(*in_period), _S.station_id, scope)
    if key is not None:
        stmt = stmt.where(key.is_not(None)).group_by(key)
    # Medians: row_number() over the ordered hours, the middle one or two rows of each group.
    hours = _hours(session.get_bind().dialect.name, _S.first_response_at, _S.created_at)
    window = {"partition_by": key} if key is not None else {}
    inner = select(_key(key).label("k"), hours.label("h"),
                   func.row_number().over(order_by=hours, **window).label("rn"),
                   func.count().over(**window).label("n")).select_from(_S)
    for target, onclause in joins:
        inner = inner.join(target, onclause)
    inner = _stations(inner.where(*in_period, _S.first_response_at.is_not(None)),
                      _S.station_id, scope)
    if key is not None:
        inner = inner.where(key.is_not(None))
    sub = inner.subquery()
    middle = or_(sub.c.rn == (sub.c.n + 1) // 2, sub.c.rn == (sub.c.n + 2) // 2)
    medians = {k: round(float(h), 2) for k, h in await session.execute(
        select(sub.c.k, func.avg(sub.c.h)).where(middle).group_by(sub.c.k))}
    out: dict[Any, dict[str, Any]] = {}
    for (k, total, behalf, answered, n_resolved, n_due, n_on_time, n_rated, n_good, n_asked,
         n_fixed, n_back) in await session.execute(stmt):
        if int(total) == 0:
            continue
        out[k] = {
            "suggestions_collected": int(total),
            "suggestions_online": int(total) - int(behalf),
            "suggestions_on_behalf": int(behalf),
            "answered": int(answered),
            "resolved": int(n_resolved),
            "median_first_response_hours": medians.get(k),
            "response_rate": _ratio(int(n_on_time), int(n_due)),
            "resolution_rate": _ratio(int(n_resolved), int(total)),
            "satisfaction_rate": _ratio(int(n_good), int(n_rated)),
            "followup_asked": int(n_asked),
            "followup_still_fixed": int(n_fixed),
            "followup_came_back": int(n_back),
            "followup_still_fixed_rate": _ratio(int(n_fixed), int(n_fixed) + int(n_back)),
        }
    return out


async def _meeting_figures(session: AsyncSession, start: datetime, end: datetime,
                           scope: ReportScope, key: Any | None,
                           joins: tuple[tuple[Any, Any], ...] = ()) -> dict[Any, dict[str, int]]:
    def grouped(stmt: Any, *where: Any) -> Any:
        for target, onclause in joins:
            stmt = stmt.join(target, onclause)
        stmt = _stations(stmt.where(Meeting.starts_at >= start, Meeting.starts_at < end, *where),
                         Meeting.station_id, scope)
        return stmt.group_by(key) if key is not None else stmt

    held = Meeting.status == MeetingStatus.HELD
    out: dict[Any, dict[str, int]] = {}

    def put(name: str, rows: Any) -> None:
        for k, n in rows:
            if int(n or 0):
                out.setdefault(k, {}).__setitem__(name, int(n))

    put("activities_held", await session.execute(grouped(
        select(_key(key), func.count()).select_from(Meeting), held)))
    put("walk_ins", await session.execute(grouped(
        select(_key(key), func.sum(Meeting.walk_ins)).select_from(Meeting), held)))
    checkins = select(_key(key), _count_if(CheckIn.kind == "deputy"),
                      _count_if(CheckIn.kind == "resident")).select_from(CheckIn).join(
        Meeting, Meeting.id == CheckIn.meeting_id)
    for k, deputies, residents in await session.execute(grouped(checkins, held)):
        if int(deputies):
            out.setdefault(k, {})["deputy_attendances"] = int(deputies)
        if int(residents):
            out.setdefault(k, {})["residents"] = int(residents)
    put("bookings", await session.execute(grouped(
        select(_key(key), func.count()).select_from(Booking).join(
            Meeting, Meeting.id == Booking.meeting_id),
        Booking.status == BookingStatus.CONFIRMED)))
    return out


def _row(meetings: dict[str, int] | None, suggestions: dict[str, Any] | None) -> dict[str, Any]:
    m = meetings or {}
    s = suggestions or {}
    return {
        "activities_held": m.get("activities_held", 0),
        "deputy_attendances": m.get("deputy_attendances", 0),
        "voter_contacts": m.get("residents", 0) + m.get("walk_ins", 0),
        "bookings": m.get("bookings", 0),
        "suggestions_collected": s.get("suggestions_collected", 0),
        "suggestions_online": s.get("suggestions_online", 0),
        "suggestions_on_behalf": s.get("suggestions_on_behalf", 0),
        "answered": s.get("answered", 0),
        "resolved": s.get("resolved", 0),
        "median_first_response_hours": s.get("median_first_response_hours"),
        "response_rate": s.get("response_rate"),
        "resolution_rate": s.get("resolution_rate"),
        "satisfaction_rate": s.get("satisfaction_rate"),
        "followup_asked": s.get("followup_asked", 0),
        "followup_still_fixed": s.get("followup_still_fixed", 0),
        "followup_came_back": s.get("followup_came_back", 0),
        "followup_still_fixed_rate": s.get("followup_still_fixed_rate"),
    }


def _months(start: datetime, end: datetime) -> list[tuple[int, int]]:
    year, month = start.year, start.month
    out = []
    while datetime(year, month, 1, tzinfo=start.tzinfo) < end:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


async def _deputy_rows(session: AsyncSession, start: datetime, end: datetime, now: datetime,
                       scope: ReportScope, tz: ZoneInfo) -> list[dict[str, Any]]:
    deputies = select(Deputy.id, Deputy.code, Deputy.name, Deputy.level).order_by(Deputy.code)
    if scope.deputy_id is not None:
        deputies = deputies.where(Deputy.id == scope.deputy_id)
    elif scope.station_ids is not None:
        deputies = deputies.where(Deputy.id.in_(select(DeputyStation.deputy_id).where(
            DeputyStation.station_id.in_(scope.station_ids))))
    people = (await session.execute(deputies)).all()
    if not people:
        return []
    unscoped = ReportScope(None)
    period = (Meeting.starts_at >= start, Meeting.starts_at < end,
              Meeting.status == MeetingStatus.HELD)
    # Held meetings at the deputy's stations.
    at_stations = dict((await session.execute(
        select(DeputyStation.deputy_id, func.count(distinct(Meeting.id))).join(
            Meeting, Meeting.station_id == DeputyStation.station_id).where(*period).group_by(
            DeputyStation.deputy_id))).all())
    # The deputy's own sign-ins and the contacts/bookings of the meetings they attended.
    mine = (select(CheckIn.deputy_id.label("d"), Meeting.id.label("m"),
                   Meeting.walk_ins.label("w"), Meeting.station_id.label("st"),
                   Meeting.starts_at.label("at"), Meeting.kind.label("kind"))
            .join(Meeting, Meeting.id == CheckIn.meeting_id)
            .where(CheckIn.kind == "deputy", *period).subquery())
    attended = {d: (int(n), int(w or 0)) for d, n, w in await session.execute(
        select(mine.c.d, func.count(), func.sum(mine.c.w)).group_by(mine.c.d))}
    residents: dict[int, int] = dict((await session.execute(
        select(mine.c.d, func.count()).select_from(mine).join(
            CheckIn, and_(CheckIn.meeting_id == mine.c.m, CheckIn.kind == "resident"))
        .group_by(mine.c.d))).all())
    bookings: dict[int, int] = dict((await session.execute(
        select(mine.c.d, func.count()).select_from(mine).join(
            Booking, and_(Booking.meeting_id == mine.c.m,
                          Booking.status == BookingStatus.CONFIRMED))
        .group_by(mine.c.d))).all())
    # Rhythm: distinct sign-in days per deputy and kind of place, bucketed by month / quarter.
    months: dict[int, set[tuple[int, int]]] = {}
    quarters: dict[int, set[tuple[int, int]]] = {}
    reported: set[int] = set()
    for d, kind, at, meeting_kind in await session.execute(
            select(mine.c.d, Station.kind, mine.c.at, mine.c.kind).select_from(mine)
            .join(Station, Station.id == mine.c.st).distinct()):
        local = at.astimezone(tz)
        if kind == StationKind.STATION:
            months.setdefault(d, set()).add((local.year, local.month))
        else:
            quarters.setdefault(d, set()).add((local.year, (local.month - 1) // 3))
        if meeting_kind == MeetingKind.REPORT:
            reported.add(d)
    suggestions = await _suggestion_figures(session, start, end, now, unscoped,
                                            _S.assignee_deputy_id)
    evaluations = await deputy_evaluation_figures(
        session, start.date(), (end - timedelta(days=1)).date(), [p[0] for p in people])
    rows = []
    for dep_id, code, name, level in people:
        n, walk_ins = attended.get(dep_id, (0, 0))
        meetings = {"activities_held": int(at_stations.get(dep_id, 0)),
                    "deputy_attendances": n, "residents": int(residents.get(dep_id, 0)),
                    "walk_ins": walk_ins, "bookings": int(bookings.get(dep_id, 0))}
        rows.append({"code": code, "name": name, "level": str(level),
                     **_row(meetings, suggestions.get(dep_id)),
                     "station_months_attended": len(months.get(dep_id, ())),
                     "home_quarters_attended": len(quarters.get(dep_id, ())),
                     "report_given": dep_id in reported,
                     "evaluation": evaluations.get(dep_id)})
    return rows


async def build_report(session: AsyncSession, first: date, last: date, tz: ZoneInfo,
                       now: datetime, scope: ReportScope, *, trend: bool = True
                       ) -> dict[str, Any]:
    """The report as one JSON-ready dict (see the module's docstring for every figure)."""
    start, end = period_bounds(first, last, tz)
    totals = _row((await _meeting_figures(session, start, end, scope, None)).get(0),
                  (await _suggestion_figures(session, start, end, now, scope, None)).get(0))
    stations = select(Station.id, Station.code, Station.name, Station.kind, Station.town_code
                      ).order_by(Station.code)
    stations = _stations(stations, Station.id, scope)
    station_rows = (await session.execute(stations)).all()
    by_station_m = await _meeting_figures(session, start, end, scope, Meeting.station_id)
    by_station_s = await _suggestion_figures(session, start, end, now, scope, _S.station_id)
    per_home: list[dict[str, Any]] = []
    per_station: list[dict[str, Any]] = []
    for sid, code, name, kind, town in station_rows:
        row = {"code": code, "name": name, "town": town,
               **_row(by_station_m.get(sid), by_station_s.get(sid))}
        (per_home if kind == StationKind.HOME else per_station).append(row)
    towns = select(Town.code, Town.name).order_by(Town.code)
    if scope.station_ids is not None:
        towns = towns.where(Town.code.in_(
            select(Station.town_code).where(Station.id.in_(scope.station_ids))))
    join_m = ((Station, Station.id == Meeting.station_id),)
    join_s = ((Station, Station.id == _S.station_id),)
    by_town_m = await _meeting_figures(session, start, end, scope, Station.town_code, join_m)
    by_town_s = await _suggestion_figures(session, start, end, now, scope, Station.town_code,
                                          join_s)
    per_town = [{"code": code, "name": name, **_row(by_town_m.get(code), by_town_s.get(code))}
                for code, name in await session.execute(towns)]
    report: dict[str, Any] = {
        "period": {"from": first.isoformat(), "to": last.isoformat(),
                   "months": len(_months(start, end))},
        "totals": totals,
        "per_home": per_home,
        "per_station": per_station,
        "per_town": per_town,
        "per_deputy": await _deputy_rows(session, start, end, now, scope, tz),
    }
    if trend:
        report["per_month"] = []
        for year, month in _months(start, end):
            m_first = max(first, date(year, month, 1))
            m_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            m_last = min(last, m_next - timedelta(days=1))
            m_start, m_end = period_bounds(m_first, m_last, tz)
            row = _row((await _meeting_figures(session, m_start, m_end, scope, None)).get(0),
                       (await _suggestion_figures(session, m_start, m_end, now, scope,
                                                  None)).get(0))
            report["per_month"].append({"month": f"{year:04d}-{month:02d}", **row})
    return report


async def ledger_rows(session: AsyncSession, first: date, last: date, tz: ZoneInfo,
                      scope: ReportScope) -> list[dict[str, Any]]:
    """The suggestions ledger of the period, without personal data (no name, phone or text)."""
    start, end = period_bounds(first, last, tz)
    stmt = (select(_S.ticket, _S.created_at, Station.code, Category.name_zh, _S.level,
                   Deputy.code, _S.status, _S.first_response_at, _S.resolved_at,
                   _S.closed_at, _S.satisfaction)
            .join(Station, Station.id == _S.station_id)
            .join(Category, Category.code == _S.category_code)
            .outerjoin(Deputy, Deputy.id == _S.assignee_deputy_id)
            .where(_S.created_at >= start, _S.created_at < end).order_by(_S.ticket))
    stmt = _stations(stmt, _S.station_id, scope)

    def stamp(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    return [dict(zip(LEDGER_COLUMNS, (
        ticket, stamp(created), station, category, str(level), handler or "", str(status),
        stamp(first_resp), stamp(resolved), stamp(closed), str(rating) if rating else ""),
        strict=True))
        for (ticket, created, station, category, level, handler, status, first_resp, resolved,
             closed, rating) in await session.execute(stmt)]
