"""A station's duty rhythm (月进站、季回家) as an iCalendar RRULE, and its meetings in a year. Pure.

The rule is stored without DTSTART (``Station.rhythm``), e.g. ``FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;
BYMINUTE=0``; dateutil's ``rrulestr`` expands it from 1 January of the year in the district's time
zone. Each occurrence gets a stable plan code naming its period, so planning a year twice (or
after the demo wrote the next months) finds the same meeting again:

* monthly → ``<station>-R202703`` (the kind's letter, then year and month);
* every three months → ``<station>-F2027Q1``; yearly → ``<station>-Y2027``;
* anything finer (weekly, several a month) → ``<station>-R20270313`` (the date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import MeetingKind, Station, StationKind

__all__ = [
    "RhythmError",
    "Occurrence",
    "KIND_OF_STATION",
    "check_rhythm",
    "occurrences",
    "around",
    "set_station_rhythm",
    "plan_code",
    "station_rhythm",
    "home_rhythm",
]

KIND_OF_STATION = {StationKind.STATION: MeetingKind.RECEPTION, StationKind.HOME: MeetingKind.FORUM}
_LETTER = {
    MeetingKind.RECEPTION: "R",
    MeetingKind.FORUM: "F",
    MeetingKind.INSPECTION: "I",
    MeetingKind.REPORT: "Y",
}
_FORBIDDEN = ("DTSTART", "UNTIL", "COUNT")
_MAX_PER_YEAR = 400


class RhythmError(ValueError):
    """The rhythm text is not a rule we can plan from; ``reason`` is a short English key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Occurrence:
    code: str
    starts_at: datetime
    ends_at: datetime


def station_rhythm(nth: int, weekday: str, hour: int = 9, minute: int = 0) -> str:
    """Every month on the ``nth`` ``weekday`` (``SA``, ``TU`` …), e.g. the 2nd Saturday."""
    return f"FREQ=MONTHLY;BYDAY=+{nth}{weekday};BYHOUR={hour};BYMINUTE={minute}"


def home_rhythm(weekday: str = "TH", hour: int = 14, minute: int = 0) -> str:
    """Every quarter on the last ``weekday`` of the quarter's last month."""
    return (f"FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=-1{weekday};"
            f"BYHOUR={hour};BYMINUTE={minute}")


def _parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in rule.strip().upper().removeprefix("RRULE:").split(";"):
        name, sep, value = piece.partition("=")
        if not sep or not name or not value:
            raise RhythmError("syntax")
        parts[name.strip()] = value.strip()
    return parts


def check_rhythm(rule: str) -> str:
    """The rule in canonical form (upper case, no ``RRULE:``), or ``RhythmError``."""
    if not rule.strip():
        return ""
    parts = _parts(rule)
    if any(name in parts for name in _FORBIDDEN):
        raise RhythmError("bounded")
    if parts.get("FREQ") not in {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}:
        raise RhythmError("frequency")
    if "BYHOUR" not in parts:
        raise RhythmError("hour")
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        rrulestr(canonical, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise RhythmError("syntax") from exc
    return canonical


def _period(parts: dict[str, str], day: date) -> str:
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    by_month = parts.get("BYMONTH", "")
    if freq == "YEARLY":
        return f"{day.year}"
    if freq == "MONTHLY" and (interval == 3 or len(by_month.split(",")) == 4):
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if freq == "MONTHLY":
        return f"{day:%Y%m}"
    return f"{day:%Y%m%d}"


def plan_code(station_code: str, kind: MeetingKind, period: str) -> str:
    return f"{station_code}-{_LETTER[kind]}{period}"


def occurrences(
    rule: str, minutes: int, year: int, tz: ZoneInfo, *, station_code: str, kind: MeetingKind
) -> list[Occurrence]:
    """The rule's meetings that start in ``year`` (local time), with their plan codes."""
    canonical = check_rhythm(rule)
    if not canonical:
        return []
    parts = _parts(canonical)
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    rule_set = rrulestr(canonical, dtstart=start.replace(tzinfo=None))
    found: list[Occurrence] = []
    seen: dict[str, int] = {}
    for naive in rule_set.between(start.replace(tzinfo=None), end.replace(tzinfo=None), inc=True):
        if len(found) >= _MAX_PER_YEAR:
            raise RhythmError("too_many")
        moment = naive.replace(tzinfo=tz)
        period = _period(parts, moment.date())
        seen[period] = seen.get(period, 0) + 1
        if seen[period] > 1:  # several in one period: name each by its date
            period = f"{moment:%Y%m%d}"
        found.append(Occurrence(plan_code(station_code, kind, period), moment,
                                moment + timedelta(minutes=minutes)))
    return found


def around(
    rule: str, minutes: int, moment: datetime, tz: ZoneInfo, *, station_code: str,
    kind: MeetingKind, before: int = 0, after: int = 0,
) -> tuple[list[Occurrence], list[Occurrence]]:
    """The last ``before`` meetings that started before ``moment`` and the next ``after``."""
    year = moment.astimezone(tz).year
    every = [o for y in (year - 1, year, year + 1, year + 2)
             for o in occurrences(rule, minutes, y, tz, station_code=station_code, kind=kind)]
    past = [o for o in every if o.starts_at < moment]
    future = [o for o in every if o.starts_at >= moment]
    return (past[len(past) - before:] if before else []), future[:after]


async def set_station_rhythm(
    session: AsyncSession, station_code: str, rule: str, minutes: int | None = None
) -> Station:
    """Staff change a station's rhythm (``-`` or empty clears it); ``RhythmError`` when the rule
    cannot be planned from, ``LookupError`` for an unknown station. Nothing changes on refusal."""
    station = await session.scalar(select(Station).where(Station.code == station_code))
    if station is None:
        raise LookupError(station_code)
    canonical = "" if rule.strip() in ("", "-") else check_rhythm(rule)
    if minutes is not None and not 15 <= minutes <= 720:
        raise RhythmError("minutes")
    station.rhythm = canonical
    if minutes is not None:
        station.rhythm_minutes = minutes
    await session.flush()
    return station
