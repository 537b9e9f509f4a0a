"""Texts of the station card, the deputy card, a meeting and its calendar file, in one language.

Pure functions of (locale, time zone, read models): the station dialog and the reminder job share
them. Every card stays within Telegram's 4096 characters: optional lines are dropped from the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from dialogs.kernel.turn import escape
from locales import t
from storage.area import english_name
from storage.calendar import CalendarEvent
from storage.models import Deputy, StationKind
from storage.stations import DeputyCard, MeetingView, StationCard

__all__ = [
    "MAX_TEXT",
    "fit",
    "when",
    "level_badge",
    "meeting_lines",
    "station_card_text",
    "deputy_card_text",
    "calendar_event",
    "deputy_names",
]

MAX_TEXT = 4096
_PROFILE_CHARS = 600
_FIELD_CHARS = 200


def _clip(text: str | None, limit: int = _FIELD_CHARS) -> str:
    value = (text or "").strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def fit(required: list[str], optional: list[str], locale: str, limit: int = MAX_TEXT) -> str:
    """Required lines, then as many optional lines as fit (an ellipsis line marks a cut)."""
    lines = [*required, *optional]
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    more = t(locale, "station.more")
    kept = list(optional)
    while kept and len("\n".join([*required, *kept, more])) > limit:
        kept.pop()
    text = "\n".join([*required, *kept, more])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(locale: str, tz: ZoneInfo, starts_at: datetime, ends_at: datetime) -> str:
    """11月26日（周四）09:00–11:30 / Thu 26 Nov 09:00–11:30, in the district's time zone."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = t(locale, "station.date", day=start.day, month=t(locale, f"station.month.{start.month}"),
            weekday=t(locale, f"station.weekday.{start.weekday()}"))
    return t(locale, "station.when", date=day, start=f"{start:%H:%M}", end=f"{end:%H:%M}")


def level_badge(locale: str, deputy: Deputy) -> str:
    return t(locale, f"station.level.{deputy.level}")


def deputy_names(deputies: Iterable[Deputy]) -> str:
    return "、".join(escape(d.name) for d in deputies)


def meeting_lines(locale: str, tz: ZoneInfo, view: MeetingView, *, with_station: bool,
                  on_card: bool = False) -> list[str]:
    """A meeting's lines; on its own station's card the place is left out when it is the
    station's address (already shown above)."""
    m = view.meeting
    lines = [t(locale, "station.meeting_line", when=when(locale, tz, m.starts_at, m.ends_at),
               kind=t(locale, f"station.kind.{m.kind}"))]
    if with_station:
        lines.append(t(locale, "station.meeting_station", station=escape(view.station.name)))
    if m.place and not (on_card and m.place == view.station.address):
        lines.append(t(locale, "station.meeting_place", place=escape(_clip(m.place))))
    if m.topic:
        lines.append(t(locale, "station.meeting_topic", topic=escape(_clip(m.topic))))
    if view.deputies:
        lines.append(t(locale, "station.meeting_deputies", names=deputy_names(view.deputies)))
    return lines


def _station_head(locale: str, card: StationCard) -> list[str]:
    s = card.station
    icon = "🏛" if s.kind == StationKind.HOME else "🏠"
    lines = [t(locale, "station.header", icon=icon, name=escape(s.name),
               kind=t(locale, f"station.kind_{s.kind}"),
               town=escape(card.town.name if card.town else ""))]
    if s.is_model:
        lines.append(t(locale, "station.model_badge"))
    for key, value in (("address", s.address), ("hours", s.opening_hours), ("phone", s.phone)):
        if value:
            lines.append(t(locale, f"station.{key}", **{key: escape(_clip(value))}))
    return lines


def station_card_text(locale: str, tz: ZoneInfo, card: StationCard) -> str:
    required = _station_head(locale, card)
    optional = ["", t(locale, "station.deputies_title")]
    for d in card.deputies:
        optional.append(t(locale, "station.deputy_line", name=escape(d.name),
                          level=level_badge(locale, d), title=escape(_clip(d.title, 60))))
    if not card.deputies:
        optional.append(t(locale, "station.no_deputies"))
    optional += ["", t(locale, "station.meetings_title")]
    for view in card.meetings:
        optional += meeting_lines(locale, tz, view, with_station=False, on_card=True)
    if not card.meetings:
        optional.append(t(locale, "station.no_meetings"))
    return fit(required, optional, locale)


def deputy_card_text(locale: str, tz: ZoneInfo, card: DeputyCard) -> str:
    d = card.deputy
    required = [t(locale, "station.deputy_header", name=escape(d.name),
                  level=t(locale, f"station.level_full.{d.level}",
                        district=english_name(card.district) if locale == "en" else card.district))]
    if d.title:
        required.append(t(locale, "station.deputy_title", title=escape(_clip(d.title, 120))))
    optional: list[str] = []
    if d.profile:
        optional.append(escape(_clip(d.profile, _PROFILE_CHARS)))
    optional += ["", t(locale, "station.deputy_stations")]
    optional += [t(locale, "station.deputy_station_line", name=escape(s.name)) for s in card.stations]
    optional += ["", t(locale, "station.deputy_meetings")]
    for view in card.meetings:
        optional += meeting_lines(locale, tz, view, with_station=True)
    if not card.meetings:
        optional.append(t(locale, "station.deputy_no_meetings"))
    return fit(required, optional, locale)


def calendar_event(locale: str, view: MeetingView) -> CalendarEvent:
    """Plain text for the .ics (no HTML): what, where, who, and the station's phone."""
    m, s = view.meeting, view.station
    kind = t(locale, f"station.kind.{m.kind}")
    names = "、".join(d.name for d in view.deputies) or "—"
    return CalendarEvent(
        key=f"meeting-{m.code}",
        starts_at=m.starts_at,
        ends_at=m.ends_at,
        summary=t(locale, "station.ics_summary", kind=kind, station=s.name),
        location=m.place or s.address,
        description=t(locale, "station.ics_description", topic=m.topic or "—", names=names,
                      phone=s.phone or "—"),
        latitude=s.latitude,
        longitude=s.longitude,
    )
