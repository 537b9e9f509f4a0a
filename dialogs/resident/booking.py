"""预约: a resident books a reception from the station card. Pick one of the next receptions, say
in one line what it is about (or skip), and the seat is confirmed — or, when the reception is
full, a place on the waiting list. ``/bookings`` lists one's bookings; each can be cancelled, and
a freed seat goes to the first on the waiting list, who is told. A reminder comes the day before.

Buttons ``bk:ls:<station>``, ``bk:pk:<meeting>``, ``bk:sk:<meeting>`` (no topic),
``bk:cx:<booking>``. The one line is a dialog step (``booking``/``topic``) kept in the database.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.station_render import when
from locales import t
from storage.bookings import (
    BookingResult,
    book,
    bookable_receptions,
    cancel_booking,
    confirmed_count,
    due_booking_reminders,
    resident_bookings,
)
from storage.meeting_rules import MeetingError
from storage.models import Booking, BookingStatus, Meeting, OutboxPurpose, Resident, Station
from storage.outbox import enqueue

__all__ = ["FLOW", "STATE", "handlers", "jobs", "book_button", "tell_promoted"]

FLOW = "bk"
STATE = "booking"
PRIVATE = filters.ChatType.PRIVATE


def book_button(locale: str, station_id: int) -> Button:
    return t(locale, "calendar.btn.book"), encode(FLOW, "ls", station_id)


def _when(turn: Turn, meeting: Meeting) -> str:
    return when(turn.locale, turn.config.tz, meeting.starts_at, meeting.ends_at)


def _cancel_row(locale: str, booking: Booking) -> list[Button]:
    return [(t(locale, "calendar.btn.cancel_booking"), encode(FLOW, "cx", booking.id))]


async def _list(turn: Turn, station_id: int) -> None:
    receptions = await bookable_receptions(turn.session, station_id, turn.now)
    if not receptions:
        turn.say("calendar.book.none")
        return
    rows: list[list[Button]] = []
    for meeting in receptions:
        left = meeting.capacity - await confirmed_count(turn.session, meeting.id)
        key = "calendar.book.option" if left > 0 else "calendar.book.option_full"
        rows.append([(turn.t(key, when=_when(turn, meeting), left=left),
                      encode(FLOW, "pk", meeting.id))])
    turn.send(turn.t("calendar.book.pick"), inline(rows))


def _consented(turn: Turn) -> Resident | None:
    resident = turn.resident
    if resident is None or resident.consent_at is None or resident.forgotten_at is not None:
        turn.say("calendar.errors.consent_needed")
        return None
    return resident


async def _book(turn: Turn, meeting_id: int, topic: str) -> None:
    resident = _consented(turn)
    if resident is None:
        return
    try:
        result = await book(turn.session, meeting_id, resident, topic, turn.now)
    except MeetingError as error:
        turn.clear_state()
        turn.say(f"calendar.errors.{error.reason}", **error.fields)
        return
    turn.clear_state()
    station = await turn.session.get(Station, result.meeting.station_id)
    key = ("calendar.book.confirmed" if result.booking.status == BookingStatus.CONFIRMED
           else "calendar.book.waiting")
    turn.say(key, markup=inline([_cancel_row(turn.locale, result.booking)]),
             when=_when(turn, result.meeting), station=escape(station.name if station else ""),
             position=result.position)


async def tell_promoted(turn: Turn, result: BookingResult) -> None:
    """The first on the waiting list got the seat someone gave back: tell them."""
    promoted = result.promoted
    resident = await turn.session.get(Resident, promoted.resident_id) if promoted else None
    if promoted is None or resident is None or resident.chat_id is None:
        return
    locale = resident.locale or turn.config.default_locale
    text = t(locale, "calendar.book.moved_up",
             when=when(locale, turn.config.tz, result.meeting.starts_at, result.meeting.ends_at))
    await turn.enqueue(resident.chat_id, "sendMessage", {
        "chat_id": resident.chat_id, "text": text, "parse_mode": "HTML",
        "reply_markup": inline([_cancel_row(locale, promoted)]).to_dict()},
        purpose=OutboxPurpose.BOOKING, resident_id=resident.id)


async def _cancel(turn: Turn, booking_id: int) -> None:
    resident = _consented(turn)
    if resident is None:
        return
    try:
        result = await cancel_booking(turn.session, booking_id, resident, turn.now)
    except MeetingError as error:
        turn.toast(f"calendar.errors.{error.reason}", alert=True, **error.fields)
        return
    await tell_promoted(turn, result)
    turn.edit(turn.t("calendar.book.cancelled", when=_when(turn, result.meeting)))


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    target = cb.int_arg(0) if cb is not None else None
    if cb is None or target is None:
        await on_stale_button(turn)
        return
    if cb.action == "ls":
        await _list(turn, target)
    elif cb.action == "pk":
        if _consented(turn) is None:
            return
        turn.set_state(STATE, "topic", {"mid": target})
        turn.say("calendar.book.topic", markup=inline([[(turn.t("calendar.btn.skip"),
                                                         encode(FLOW, "sk", target))]]))
    elif cb.action == "sk":
        await _book(turn, target, "")
    elif cb.action == "cx":
        await _cancel(turn, target)
    else:
        await on_stale_button(turn)


async def on_topic(turn: Turn) -> None:
    """The one line a resident types after picking a reception."""
    meeting_id = int(turn.data.get("mid", 0))
    await _book(turn, meeting_id, turn.message_text)


async def on_bookings(turn: Turn) -> None:
    resident = _consented(turn)
    if resident is None:
        return
    rows = await resident_bookings(turn.session, resident.id, turn.now)
    if not rows:
        turn.say("calendar.book.mine_none")
        return
    for booking, meeting in rows:
        key = ("calendar.book.mine_confirmed" if booking.status == BookingStatus.CONFIRMED
               else "calendar.book.mine_waiting")
        turn.say(key, markup=inline([_cancel_row(turn.locale, booking)]),
                 when=_when(turn, meeting))


async def _remind(services: Services) -> None:
    tz = services.config.tz
    async with services.db.unit_of_work() as session:
        now = services.clock()
        due = await due_booking_reminders(session, now, tz)
        for booking, meeting, resident in due:
            assert resident.chat_id is not None
            locale = resident.locale or services.config.default_locale
            station = await session.get(Station, meeting.station_id)
            payload: dict[str, Any] = {"chat_id": resident.chat_id, "parse_mode": "HTML", "text": t(
                locale, "calendar.book.reminder",
                when=when(locale, tz, meeting.starts_at, meeting.ends_at),
                station=escape(station.name if station else ""),
                place=escape(meeting.place)),
                "reply_markup": inline([_cancel_row(locale, booking)]).to_dict()}
            await enqueue(session, chat_id=resident.chat_id, method="sendMessage",
                          payload=payload, purpose=OutboxPurpose.BOOKING_REMINDER, resident_id=resident.id,
                          now=now)
    if due:
        services.outbox_signal.set()


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(STATE, on_topic)
    return [
        CommandHandler("bookings", wrap(services, on_bookings, "bookings"), filters=PRIVATE),
        CallbackQueryHandler(wrap(services, on_button, "booking_button"), pattern=f"^{FLOW}:"),
    ]


def jobs(services: Services) -> list[Job]:
    return [Job("booking_reminders", 600.0, lambda: _remind(services))]
