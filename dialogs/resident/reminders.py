"""The day-before reminder job: one message per subscriber who asked, through the outbox.

The rules (which meetings, who, exactly once) live in ``storage.reminders``; this module only
renders the message in each resident's language and wakes the delivery worker.
"""

from __future__ import annotations

from typing import Any

from dialogs.kernel.callbacks import STATION, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import escape
from dialogs.resident.station_render import meeting_lines
from locales import t
from storage.announcements import AnnouncementKind, send_announcements
from storage.models import Resident
from storage.reminders import send_due_reminders
from storage.stations import MeetingView

__all__ = ["INTERVAL", "render_reminder", "render_announcement", "run_reminders",
           "run_announcements", "jobs"]

INTERVAL = 900.0  # seconds between two looks for tomorrow's meetings


def render_reminder(services: Services, view: MeetingView, resident: Resident) -> dict[str, Any]:
    locale = resident.locale or services.config.default_locale
    lines = meeting_lines(locale, services.config.tz, view, with_station=False)
    text = t(locale, "station.reminder", station=escape(view.station.name), details="\n".join(lines))
    markup = inline([
        [(t(locale, "station.btn_calendar_this"), encode(STATION, "ics", view.meeting.id))],
        [(t(locale, "station.btn_stop_reminders"), encode(STATION, "rem", view.station.id, 0))],
    ])
    return {"text": text, "parse_mode": "HTML", "reply_markup": markup.to_dict()}


def render_announcement(
    services: Services, view: MeetingView, kind: AnnouncementKind, resident: Resident
) -> dict[str, Any]:
    """A new, changed or cancelled meeting, told to a subscriber of its station."""
    locale = resident.locale or services.config.default_locale
    lines = meeting_lines(locale, services.config.tz, view, with_station=False)
    text = t(locale, f"station.announce_{kind.value}", station=escape(view.station.name),
             details="\n".join(lines))
    rows = [] if kind == AnnouncementKind.CANCELLED else [
        [(t(locale, "station.btn_calendar_this"), encode(STATION, "ics", view.meeting.id))]
    ]
    rows.append([(t(locale, "announce.btn_off"), encode("an", "off"))])  # one tap: no more
    return {"text": text, "parse_mode": "HTML", "reply_markup": inline(rows).to_dict()}


async def run_announcements(services: Services) -> int:
    async with services.db.unit_of_work() as session:
        written = await send_announcements(
            session, services.clock(), services.config.tz,
            lambda view, kind, resident: render_announcement(services, view, kind, resident),
        )
    return written


async def run_reminders(services: Services) -> int:
    async with services.db.unit_of_work() as session:
        written = await send_due_reminders(
            session, services.clock(), services.config.tz,
            lambda view, resident: render_reminder(services, view, resident),
        )
    return written


def jobs(services: Services) -> list[Job]:
    async def run() -> None:
        await run_reminders(services)

    async def announce() -> None:
        await run_announcements(services)

    return [Job("meeting_reminders", INTERVAL, run), Job("meeting_announcements", 300.0, announce)]
