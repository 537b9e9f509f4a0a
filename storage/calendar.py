"""A meeting as an iCalendar file (RFC 5545): one VEVENT, UTC times, a stable UID. Pure.

Text values are escaped (``\\``, ``;``, ``,`` and newlines), lines are folded at 75 octets without
splitting a UTF-8 character, and every line ends with CRLF, so calendar apps on phones import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["CalendarEvent", "event_ics", "ics_text", "UID_DOMAIN", "PRODID"]

UID_DOMAIN = "jiazhan.miyun"
PRODID = "-//Jiazhan//Deputy homes and stations//ZH"
_MAX_OCTETS = 75


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """What goes into the file; ``key`` is a stable id of the meeting (its code)."""

    key: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    remind_before: timedelta | None = timedelta(days=1)


def ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets (continuations start with a space)."""
    pieces: list[str] = []
    current, size, limit = "", 0, _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = " ", 1, _MAX_OCTETS
        current += char
        size += width
    pieces.append(current)
    return pieces


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    out = "-P" + (f"{days}D" if days else "")
    if hours or mins or not days:
        out += "T" + (f"{hours}H" if hours else "") + (f"{mins}M" if mins or not hours else "")
    return out


def event_ics(event: CalendarEvent, *, stamp: datetime) -> bytes:
    """The .ics file for ``event``; ``stamp`` (DTSTAMP) is when the file was made."""
    if event.starts_at.tzinfo is None or event.ends_at.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    if event.ends_at <= event.starts_at:
        raise ValueError("an event must end after it starts")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{ics_text(event.key)}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{ics_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{ics_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{ics_text(event.description)}")
    if event.latitude is not None and event.longitude is not None:
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    lines.append("STATUS:CONFIRMED")
    if event.remind_before is not None and event.remind_before > timedelta(0):
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{ics_text(event.summary)}",
            f"TRIGGER:{_duration(event.remind_before)}",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line)).encode("utf-8")
