"""/meetings in the staff group: the coming meetings (paged, optionally of one station or town),
each meeting's card (deputies' answers, bookings, sign-ins) and the changes made from it: move,
place, topic, cancel, walk-ins. Text is asked with a prompt that staff answer by replying; the
step lives in the dialog state (``mt``), so a restart loses nothing.

Callback data ``mt:<action>:<id>``: ``pg`` page, ``v`` card, ``mv``/``pl``/``tp``/``wi`` ask,
``cx``/``cy`` cancel and confirm; the creation form (``dialogs.staff.meeting_form``) and closing
(``dialogs.staff.meeting_close``) use the same prefix.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.station_render import when
from dialogs.staff import meeting_close, meeting_form
from dialogs.staff.meeting_card import (
    FLOW,
    CalendarPrompt,
    prompt,
    refuse,
    show_card,
)
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import STAFF_GROUPS, staff_area_of, staff_command, staff_gate
from storage.checkins import add_walk_ins
from storage.meeting_rules import (
    MeetingError,
    cancel_meeting,
    edit_meeting,
    move_meeting,
    parse_when,
)
from storage.meeting_views import coming_meetings, find_stations, meeting_outside
from storage.rhythm import RhythmError, set_station_rhythm

__all__ = ["handlers", "jobs", "show_card"]

# Presses whose argument is a meeting id: the meeting must be in the group's area.
_ON_MEETING = frozenset({"v", "mv", "pl", "tp", "wi", "cx", "cy", "cl", "cd", "nh", "ob"})
_ASK = {"mv": "calendar.ask.move", "pl": "calendar.ask.place", "tp": "calendar.ask.topic",
        "wi": "calendar.ask.walk_ins"}


async def _list(turn: Turn, page: int, station_id: int | None = None, town: str | None = None
                ) -> None:
    rows, more = await coming_meetings(turn.session, turn.now, page=page, station_id=station_id,
                                       town_code=town, area=await staff_area_of(turn))
    lines = [turn.t("calendar.list.line", n=page * 8 + i + 1,
                    when=when(turn.locale, turn.config.tz, m.starts_at, m.ends_at),
                    kind=turn.t(f"station.kind.{m.kind}"), station=escape(s.name))
             for i, (m, s) in enumerate(rows)]
    text = turn.t("calendar.list.head") + "\n" + ("\n".join(lines) or turn.t("calendar.list.none"))
    buttons: list[list[Button]] = [[(turn.t("calendar.list.open", n=page * 8 + i + 1),
                                     encode(FLOW, "v", m.id))] for i, (m, _) in enumerate(rows)]
    paging: list[Button] = []
    if page > 0:
        paging.append((turn.t("calendar.btn.prev"), encode(FLOW, "pg", page - 1)))
    if more:
        paging.append((turn.t("calendar.btn.next"), encode(FLOW, "pg", page + 1)))
    buttons += [paging] if paging else []
    buttons.append([(turn.t("calendar.btn.new"), encode(FLOW, "new", 0))])
    turn.edit(text, inline(buttons))


async def on_meetings(turn: Turn) -> None:
    """/meetings [station code, part of its name, or a town's 9-digit code]: what is coming."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    words = turn.message_text.split(maxsplit=1)[1:] if turn.message_text else []
    station_id = town = None
    if words and words[0].strip().isdigit() and len(words[0].strip()) == 9:
        town = words[0].strip()  # a town's division code: that town's stations
    elif words:
        found = await find_stations(turn.session, words[0], limit=1,
                                    area=await staff_area_of(turn))
        if not found:  # another area's station is not found here
            turn.say("calendar.list.no_station", words=escape(words[0]))
            return
        station_id = found[0].id
    await _list(turn, 0, station_id, town)


async def on_rhythm(turn: Turn) -> None:
    """/rhythm CODE — show a station's rhythm; /rhythm CODE RRULE [minutes] — change it;
    /rhythm CODE - — clear it. The next ``jiazhan plan`` follows it."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    words = turn.message_text.split()[1:]
    if not words:
        turn.say("calendar.rhythm.usage")
        return
    minutes = int(words[2]) if len(words) > 2 and words[2].isdigit() and len(words[2]) <= 4 else None
    try:
        found = await find_stations(turn.session, words[0], limit=1, area=await staff_area_of(turn))
        if not found or found[0].code != words[0]:  # another area's station is not found here
            raise LookupError(words[0])
        station = found[0]
        if len(words) > 1:
            station = await set_station_rhythm(turn.session, words[0], words[1], minutes)
    except LookupError:
        turn.say("calendar.list.no_station", words=escape(words[0]))
        return
    except RhythmError:
        turn.say("transfer.problem.bad_rhythm", value=escape(words[1]))
        return
    turn.say("calendar.rhythm.shown", station=escape(station.name),
             rhythm=escape(station.rhythm) or "—", minutes=station.rhythm_minutes)


async def _cancel(turn: Turn, meeting_id: int, confirmed: bool) -> None:
    if not confirmed:
        turn.edit(turn.t("calendar.ask.cancel_sure"), inline([
            [(turn.t("calendar.btn.cancel_yes"), encode(FLOW, "cy", meeting_id))],
            [(turn.t("calendar.btn.back"), encode(FLOW, "v", meeting_id))]]))
        return
    try:
        await cancel_meeting(turn.session, meeting_id, turn.now)
    except MeetingError as error:
        refuse(turn, error)
        return
    await show_card(turn, meeting_id)


async def on_button(turn: Turn) -> None:
    group_locale(turn)
    cb = turn.callback
    target = cb.int_arg(0) if cb is not None else None
    if cb is None or target is None:
        await on_stale_button(turn)
        return
    if await staff_of(turn) is None:
        turn.toast("triage.not_staff", alert=True)
        return
    if cb.action in _ON_MEETING and await meeting_outside(turn.session, target,
                                                          await staff_area_of(turn)):
        turn.toast("staff_chats.meeting_not_yours", alert=True)  # another area's (or forged)
        return
    if cb.action == "pg":
        await _list(turn, target)
    elif cb.action == "v":
        await show_card(turn, target)
    elif cb.action in _ASK:
        turn.set_state(FLOW, cb.action, {"mid": target})
        prompt(turn, _ASK[cb.action])
    elif cb.action in ("cx", "cy"):
        await _cancel(turn, target, cb.action == "cy")
    elif not await meeting_form.on_button(turn, cb.action, target) and not (
        await meeting_close.on_button(turn, cb.action, target)
    ):
        await on_stale_button(turn)


async def _apply_text(turn: Turn, step: str, meeting_id: int, text: str) -> None:
    if step == "mv":
        starts, ends = parse_when(text, turn.config.tz)
        await move_meeting(turn.session, meeting_id, starts, ends, turn.now)
    elif step == "pl":
        await edit_meeting(turn.session, meeting_id, turn.now, place=text)
    elif step == "tp":
        await edit_meeting(turn.session, meeting_id, turn.now, topic=text)
    elif step == "wi":
        count = int(text) if text.strip().isdigit() and len(text.strip()) <= 4 else 0
        await add_walk_ins(turn.session, meeting_id, count)


async def on_reply(turn: Turn) -> None:
    """A reply to one of our prompts: the step in the dialog state says what it answers."""
    group_locale(turn)
    if await staff_of(turn) is None:
        return
    state = turn.state
    if state is None or state.flow != FLOW:
        turn.say("calendar.no_question")
        return
    data, text = turn.data, turn.message_text.strip()
    if await meeting_form.on_text(turn, state.step, data, text):
        return
    if await meeting_close.on_text(turn, state.step, data, text):
        return
    meeting_id = int(data.get("mid", 0))
    if await meeting_outside(turn.session, meeting_id, await staff_area_of(turn)):
        turn.say("staff_chats.meeting_not_yours")
        return
    try:
        await _apply_text(turn, state.step, meeting_id, text)
    except MeetingError as error:
        refuse(turn, error)  # the question stays open: a corrected reply is welcome
        return
    turn.clear_state()
    turn.say("calendar.saved")
    await show_card(turn, meeting_id, in_place=False)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    answer = STAFF_GROUPS & filters.REPLY & CalendarPrompt()
    return [
        staff_command(services, "meetings", on_meetings, "meetings"),
        staff_command(services, "rhythm", on_rhythm, "rhythm"),
        MessageHandler(answer & filters.TEXT & ~filters.COMMAND,
                       wrap(services, staff_gate(on_reply), "meeting_reply")),
        MessageHandler(answer & filters.PHOTO, wrap(services, staff_gate(meeting_close.on_photo),
                                                      "meeting_photo")),
        CallbackQueryHandler(wrap(services, on_button, "meeting_button"), pattern=f"^{FLOW}:"),
    ]


def jobs(services: Services) -> list[Job]:
    return meeting_close.jobs(services)
