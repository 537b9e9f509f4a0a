"""A deputy's own record (履职档案) for a year: the ``per_deputy`` row of ``jiazhan report``
(``storage.report.build_report``, so the numbers are the report's), the month-by-month rhythm of
their sign-ins, and a few anonymised examples of suggestions they handled.

The record is plain data (no ORM objects), so it can be drawn or written into a document in a
worker thread after the session is gone (``storage.record_render``, ``storage.annual_report``).

Anonymised means: an example says the category, the community (or station), the month, the
status and what was done in the words of staff or the deputy, with phone numbers, ID numbers,
e-mail addresses and the resident's name scrubbed out. A resident's own text, name, phone or
account never enters the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .anonymise import scrub
from .models import (
    ActorKind,
    Category,
    CheckIn,
    Community,
    Deputy,
    DeputyStation,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Resident,
    Station,
    StationKind,
    Suggestion,
    SuggestionStatus,
    TimelineEntry,
    Visibility,
)
from .report import ReportScope, build_report, period_bounds

__all__ = ["MAX_EXAMPLES", "DeputyRecord", "Example", "MonthRhythm", "deputy_id_by_code",
           "load_deputy_record", "record_period"]

MAX_EXAMPLES = 3
MAX_EXAMPLE_CHARS = 160
_DONE_KINDS = ("resolved", "reply", "closed")


@dataclass(frozen=True, slots=True)
class MonthRhythm:
    """One month of the deputy's sign-ins at held meetings."""

    month: str  # YYYY-MM
    at_stations: int  # at liaison stations (月进站)
    at_homes: int  # at deputy homes (季回家)
    receptions: int  # of which receptions (接待日), wherever held


@dataclass(frozen=True, slots=True)
class Example:
    """An anonymised suggestion the deputy handled."""

    category_zh: str
    category_en: str
    place: str  # community, or the station when the community is unknown
    month: str  # YYYY-MM, when it was made
    status: str
    done: str  # what was done, scrubbed; "" when nobody wrote it down


@dataclass(frozen=True, slots=True)
class DeputyRecord:
    code: str
    name: str
    level: str
    year: int
    first: date
    last: date
    stations: tuple[str, ...]
    row: dict[str, Any]  # build_report's per_deputy row, unchanged
    months: tuple[MonthRhythm, ...]
    examples: tuple[Example, ...] = field(default=())

    @property
    def receptions(self) -> int:
        return sum(m.receptions for m in self.months)

    @property
    def quarters(self) -> int:
        """Quarters of the period begun (the denominator of 季回家)."""
        return (self.last.month - 1) // 3 + 1 - (self.first.month - 1) // 3


def record_period(year: int, today: date) -> tuple[date, date] | None:
    """The year so far (up to today) or a whole past year; None for a year to come."""
    if year > today.year or year < 2000:
        return None
    return date(year, 1, 1), min(date(year, 12, 31), today)


async def deputy_id_by_code(session: AsyncSession, code: str) -> int | None:
    return await session.scalar(select(Deputy.id).where(Deputy.code == code))


async def load_deputy_record(session: AsyncSession, deputy_id: int, year: int, tz: ZoneInfo,
                             now: datetime) -> DeputyRecord | None:
    """The deputy's record for ``year`` (the year so far if it is this year); None for an
    unknown deputy or a year to come."""
    deputy = await session.get(Deputy, deputy_id)
    period = record_period(year, now.astimezone(tz).date())
    if deputy is None or period is None:
        return None
    first, last = period
    stations = list((await session.execute(
        select(Station.id, Station.name).join(DeputyStation, DeputyStation.station_id == Station.id)
        .where(DeputyStation.deputy_id == deputy_id).order_by(Station.code))).all())
    report = await build_report(session, first, last, tz, now,
                                ReportScope([s for s, _ in stations], deputy_id), trend=False)
    row = next(r for r in report["per_deputy"] if r["code"] == deputy.code)
    return DeputyRecord(
        code=deputy.code, name=deputy.name, level=str(deputy.level), year=year, first=first,
        last=last, stations=tuple(name for _, name in stations), row=row,
        months=await _rhythm(session, deputy_id, first, last, tz),
        examples=await _examples(session, deputy_id, first, last, tz))


async def _rhythm(session: AsyncSession, deputy_id: int, first: date, last: date,
                  tz: ZoneInfo) -> tuple[MonthRhythm, ...]:
    start, end = period_bounds(first, last, tz)
    counts = {f"{first.year:04d}-{m:02d}": [0, 0, 0] for m in range(first.month, last.month + 1)}
    rows = await session.execute(
        select(Meeting.starts_at, Station.kind, Meeting.kind)
        .join(CheckIn, CheckIn.meeting_id == Meeting.id)
        .join(Station, Station.id == Meeting.station_id)
        .where(CheckIn.kind == "deputy", CheckIn.deputy_id == deputy_id,
               Meeting.status == MeetingStatus.HELD, Meeting.starts_at >= start,
               Meeting.starts_at < end))
    for at, station_kind, meeting_kind in rows:
        bucket = counts[at.astimezone(tz).strftime("%Y-%m")]
        bucket[0 if station_kind == StationKind.STATION else 1] += 1
        if meeting_kind == MeetingKind.RECEPTION:
            bucket[2] += 1
    return tuple(MonthRhythm(month, *values) for month, values in counts.items())


async def _examples(session: AsyncSession, deputy_id: int, first: date, last: date,
                    tz: ZoneInfo) -> tuple[Example, ...]:
    """Up to MAX_EXAMPLES suggestions assigned to the deputy, made in the period: resolved ones
    first (most recently resolved first), then answered ones."""
    start, end = period_bounds(first, last, tz)
    done = (SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED)
    rank = [SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED, SuggestionStatus.ANSWERED]
    picked = list((await session.execute(
        select(Suggestion.id, Suggestion.status, Suggestion.created_at, Suggestion.resolved_at,
               Suggestion.contact_name, Resident.display_name, Category.name_zh,
               Category.name_en, Community.name, Station.name)
        .join(Category, Category.code == Suggestion.category_code)
        .join(Station, Station.id == Suggestion.station_id)
        .outerjoin(Community, Community.code == Suggestion.community_code)
        .outerjoin(Resident, Resident.id == Suggestion.resident_id)
        .where(Suggestion.assignee_deputy_id == deputy_id, Suggestion.status.in_(rank),
               Suggestion.created_at >= start, Suggestion.created_at < end))).all())
    picked.sort(key=lambda r: (r[1] not in done, -(r[3] or r[2]).timestamp(), r[0]))
    picked = picked[:MAX_EXAMPLES]
    words = await _what_was_done(session, [r[0] for r in picked])
    return tuple(
        Example(category_zh=cat_zh, category_en=cat_en, place=community or station,
                month=created.astimezone(tz).strftime("%Y-%m"), status=str(status),
                done=_cut(scrub(words.get(sid, ""), (contact, display))))
        for sid, status, created, _, contact, display, cat_zh, cat_en, community, station
        in picked)


async def _what_was_done(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """The last public words of staff or a deputy on each suggestion (a resolution note, else a
    reply); never a resident's."""
    if not ids:
        return {}
    out: dict[int, tuple[int, str]] = {}
    for sid, kind, text, entry_id in await session.execute(
            select(TimelineEntry.suggestion_id, TimelineEntry.kind, TimelineEntry.text,
                   TimelineEntry.id)
            .where(TimelineEntry.suggestion_id.in_(ids), TimelineEntry.kind.in_(_DONE_KINDS),
                   TimelineEntry.visibility == Visibility.PUBLIC,
                   TimelineEntry.actor_kind.in_([ActorKind.STAFF, ActorKind.DEPUTY]),
                   TimelineEntry.text.is_not(None))):
        words = (text or "").strip()
        if not words:
            continue
        score = (_DONE_KINDS.index(kind) * -1_000_000_000) + entry_id  # resolved beats reply
        if sid not in out or score > out[sid][0]:
            out[sid] = (score, words)
    return {sid: text for sid, (_, text) in out.items()}


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EXAMPLE_CHARS else text[:MAX_EXAMPLE_CHARS - 1] + "…"
