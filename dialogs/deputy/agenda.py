"""A deputy's meetings in their private chat: every meeting they are on arrives with 参加 / 不能参加
(again when it moves; a cancellation is said), ``/agenda`` lists the coming ones, and a reminder
comes the day before. Buttons ``ag:y:<meeting>`` / ``ag:n:<meeting>``; the answer shows on the
meeting's card in the staff group. ``ag:ob:<meeting>`` records a walk-in's suggestion (代录,
``dialogs.deputy.on_behalf``).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.deputy import on_behalf
from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.station_render import when
from locales import t
from storage.deputy_notices import due_deputy_notices, due_deputy_reminders
from storage.meeting_rules import MeetingError, respond
from storage.meeting_views import deputy_agenda
from storage.models import DeputyResponse, Meeting, MeetingStatus, OutboxPurpose, Station
from storage.outbox import enqueue
from storage.roles import deputy_actor

__all__ = ["FLOW", "handlers", "jobs", "meeting_text"]

FLOW = "ag"
PRIVATE = filters.ChatType.PRIVATE
_ANSWERS = {"y": DeputyResponse.ATTENDING, "n": DeputyResponse.DECLINED}


def meeting_text(locale: str, services_tz: Any, meeting: Meeting, station: Station,
                 answer: DeputyResponse | None) -> str:
    return t(locale, "calendar.deputy.meeting", kind=t(locale, f"station.kind.{meeting.kind}"),
             station=escape(station.name),
             when=when(locale, services_tz, meeting.starts_at, meeting.ends_at),
             place=escape(meeting.place or station.address), topic=escape(meeting.topic) or "—",
             answer=t(locale, f"calendar.deputy.answer.{answer.value if answer else 'none'}"))


def answer_rows(locale: str, meeting_id: int) -> list[list[Button]]:
    return [[(t(locale, "calendar.btn.attend"), encode(FLOW, "y", meeting_id)),
             (t(locale, "calendar.btn.decline"), encode(FLOW, "n", meeting_id))],
            [(t(locale, "calendar.btn.on_behalf"), encode(FLOW, "ob", meeting_id))]]


async def on_agenda(turn: Turn) -> None:
    actor = await deputy_actor(turn.session, turn.user_id)
    if actor is None or actor.id is None:
        turn.say("inbox.not_deputy")
        return
    rows = await deputy_agenda(turn.session, actor.id, turn.now)
    if not rows:
        turn.say("calendar.deputy.agenda_empty")
        return
    turn.say("calendar.deputy.agenda_head", n=len(rows))
    for meeting, station, answer in rows:
        turn.send(meeting_text(turn.locale, turn.config.tz, meeting, station, answer),
                  inline(answer_rows(turn.locale, meeting.id)))


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    target = cb.int_arg(0) if cb is not None else None
    if cb is None or target is None:
        await on_stale_button(turn)
        return
    actor = await deputy_actor(turn.session, turn.user_id)
    if actor is None or actor.id is None:
        turn.toast("inbox.not_deputy", alert=True)
        return
    if cb.action == "ob":
        await on_behalf.start(turn, actor.id, target)
        return
    if await on_behalf.on_button(turn, cb.action, target):
        return
    if cb.action not in _ANSWERS:
        await on_stale_button(turn)
        return
    try:
        await respond(turn.session, target, actor.id, _ANSWERS[cb.action], turn.now)
    except MeetingError as error:
        turn.toast(f"calendar.errors.{error.reason}", alert=True, **error.fields)
        return
    meeting = await turn.session.get(Meeting, target)
    station = await turn.session.get(Station, meeting.station_id) if meeting else None
    assert meeting is not None and station is not None
    turn.toast(f"calendar.deputy.thanks_{cb.action}")
    turn.edit(meeting_text(turn.locale, turn.config.tz, meeting, station, _ANSWERS[cb.action]),
              inline(answer_rows(turn.locale, meeting.id)))


async def _send(services: Services, reminders: bool) -> None:
    locale, tz = services.config.default_locale, services.config.tz
    async with services.db.unit_of_work() as session:
        now = services.clock()
        due = await (due_deputy_reminders if reminders else due_deputy_notices)(session, now, tz)
        for link, meeting, deputy in due:
            station = await session.get(Station, meeting.station_id)
            assert station is not None and deputy.telegram_user_id is not None
            body = meeting_text(locale, tz, meeting, station, link.response)
            payload: dict[str, Any] = {"chat_id": deputy.telegram_user_id, "parse_mode": "HTML"}
            if meeting.status == MeetingStatus.CANCELLED:
                payload["text"] = t(locale, "calendar.deputy.cancelled") + "\n" + body
            else:
                head = "calendar.deputy.reminder" if reminders else "calendar.deputy.invited"
                payload["text"] = t(locale, head) + "\n" + body
                payload["reply_markup"] = inline(answer_rows(locale, meeting.id)).to_dict()
            await enqueue(session, chat_id=deputy.telegram_user_id, method="sendMessage",
                          payload=payload, purpose=OutboxPurpose.DEPUTY_MEETING, now=now)
    if due:
        services.outbox_signal.set()


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(on_behalf.STATE, on_behalf.on_message)
    return [
        CommandHandler("agenda", wrap(services, on_agenda, "agenda"), filters=PRIVATE),
        CallbackQueryHandler(wrap(services, on_button, "agenda_button"), pattern=f"^{FLOW}:"),
    ]


def jobs(services: Services) -> list[Job]:
    return [Job("deputy_meetings", 60.0, lambda: _send(services, False)),
            Job("deputy_reminders", 600.0, lambda: _send(services, True))]
