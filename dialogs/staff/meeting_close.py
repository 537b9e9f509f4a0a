"""After a meeting: closing it with minutes and photos (planned → held, or not held), and 代录 —
a suggestion recorded for a resident without Telegram, at the meeting, by a staff member.

The close card goes to the area's staff group when a meeting ends, with reminders after 3 and 7
days until it is closed (``storage.closing``). Steps live in the dialog state: ``cl_minutes``,
``cl_photos``; ``ob_cat``, ``ob_text``, ``ob_contact``, ``ob_channel``.

Buttons: ``mt:cl`` close, ``mt:cd`` done (archive), ``mt:nh`` not held, ``mt:ob`` record on
behalf, ``mt:oc:<category index>``, ``mt:oa:<1 phone | 2 in person>``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.resident.station_render import when
from dialogs.staff.card import queue_card
from dialogs.staff.meeting_card import FLOW, PROMPT_MARK, prompt, refuse, show_card, staff_target
from dialogs.staff.roles import group_locale, staff_of
from locales import t
from storage.closing import MAX_PHOTOS, close_meeting, due_close_notices
from storage.deadlines import Deadlines
from storage.lifecycle import LifecycleError
from storage.meeting_rules import MeetingError, cancel_meeting
from storage.models import AnswerChannel, Category, Meeting, OutboxPurpose, Station
from storage.on_behalf import record_on_behalf
from storage.outbox import enqueue

__all__ = ["on_button", "on_text", "on_photo", "jobs", "split_contact", "CHANNELS"]

CHANNELS = {1: AnswerChannel.PHONE, 2: AnswerChannel.IN_PERSON}
NONE = ("-", "－", "—", "无")


async def _categories(turn: Turn) -> list[Category]:
    return list(await turn.session.scalars(select(Category).order_by(Category.position,
                                                                       Category.code)))


async def _finish_close(turn: Turn, meeting_id: int) -> None:
    data = turn.data if turn.in_flow(FLOW) else {}
    actor = turn.user_id or None
    try:
        await close_meeting(turn.session, meeting_id, minutes=str(data.get("minutes", "")),
                            photos=[(str(p[0]), str(p[1])) for p in data.get("photos", [])],
                            closed_by=actor, now=turn.now)
    except MeetingError as error:
        refuse(turn, error)
        return
    turn.clear_state()
    turn.say("calendar.close.done")
    await show_card(turn, meeting_id, in_place=False)


async def on_button(turn: Turn, action: str, target: int) -> bool:
    data = turn.data if turn.in_flow(FLOW) else {}
    if action == "cl":
        turn.set_state(FLOW, "cl_minutes", {"mid": target})
        prompt(turn, "calendar.ask.minutes")
    elif action == "cd" and int(data.get("mid", 0)) == target:
        await _finish_close(turn, target)
    elif action == "nh":
        try:
            await cancel_meeting(turn.session, target, turn.now)
        except MeetingError as error:
            refuse(turn, error)
            return True
        turn.edit(turn.t("calendar.close.not_held"))
    elif action == "ob":
        turn.set_state(FLOW, "ob_cat", {"mid": target})
        cats = await _categories(turn)
        names = [c.name_en if turn.locale == "en" else c.name_zh for c in cats]
        buttons = [(name, encode(FLOW, "oc", i)) for i, name in enumerate(names)]
        turn.send(turn.t("calendar.ask.ob_category"),
                  inline([buttons[i:i + 3] for i in range(0, len(buttons), 3)]))
    elif action == "oc" and turn.in_flow(FLOW, "ob_cat"):
        cats = await _categories(turn)
        if not 0 <= target < len(cats):
            turn.toast("calendar.form.expired", alert=True)
            return True
        data["cat"] = cats[target].code
        turn.set_state(FLOW, "ob_text", data)
        prompt(turn, "calendar.ask.ob_text")
    elif action == "oa" and turn.in_flow(FLOW, "ob_channel") and target in CHANNELS:
        await _record(turn, data, CHANNELS[target])
    elif action in ("cd", "oc", "oa"):
        turn.toast("calendar.form.expired", alert=True)
    else:
        return False
    return True


def split_contact(text: str) -> tuple[str, str]:
    """"name phone" (either may be missing; ``-`` for neither)."""
    if text in NONE:
        return "", ""
    words = text.split()
    phone = next((w for w in reversed(words) if sum(ch.isdigit() for ch in w) >= 5), "")
    return " ".join(w for w in words if w != phone), phone


async def _record(turn: Turn, data: dict[str, Any], channel: AnswerChannel) -> None:
    actor = await staff_of(turn)
    meeting = await turn.session.get(Meeting, int(data.get("mid", 0)))
    if actor is None or meeting is None:
        refuse(turn, MeetingError("unknown_meeting"))
        return
    if channel == AnswerChannel.PHONE and not data.get("phone"):
        turn.toast("calendar.ob.phone_needed", alert=True)
        return
    deadlines = Deadlines(turn.config.first_response_days, turn.config.resolution_days,
                          turn.config.tz)
    try:
        suggestion = await record_on_behalf(
            turn.session, actor, station_id=meeting.station_id, category_code=str(data["cat"]),
            text=str(data.get("text", "")), now=turn.now, deadlines=deadlines,
            answer_channel=channel, meeting_id=meeting.id, name=data.get("name"),
            phone=data.get("phone"), consent=bool(data.get("name") or data.get("phone")),
        )
    except (LifecycleError, MeetingError) as error:
        turn.say("calendar.ob.refused", reason=escape(str(getattr(error, "reason", error))))
        return
    turn.clear_state()
    await queue_card(turn.session, turn.config, suggestion.id, turn.now)
    turn.edit(turn.t("calendar.ob.recorded", ticket=suggestion.ticket,
                     channel=turn.t(f"calendar.channel.{channel.value}")))


async def on_text(turn: Turn, step: str, data: dict[str, Any], text: str) -> bool:
    if step == "cl_minutes":
        data["minutes"] = text
        turn.set_state(FLOW, "cl_photos", data)
        prompt(turn, "calendar.ask.photos", limit=MAX_PHOTOS)
        turn.send(turn.t("calendar.close.press_done"),
                  inline([[(turn.t("calendar.btn.archive"), encode(FLOW, "cd", data["mid"]))]]))
    elif step == "ob_text":
        if not text:
            turn.say("calendar.errors.minutes_missing")
            return True
        data["text"] = text
        turn.set_state(FLOW, "ob_contact", data)
        prompt(turn, "calendar.ask.ob_contact")
    elif step == "ob_contact":
        data["name"], data["phone"] = split_contact(text)
        turn.set_state(FLOW, "ob_channel", data)
        turn.send(turn.t("calendar.ask.ob_channel"), inline([
            [(turn.t("calendar.channel.phone"), encode(FLOW, "oa", 1)),
             (turn.t("calendar.channel.in_person"), encode(FLOW, "oa", 2))]]))
    elif step == "cl_photos":
        turn.say("calendar.close.press_done_first")
    else:
        return False
    return True


async def on_photo(turn: Turn) -> None:
    """A photo replied to the photos prompt while closing a meeting."""
    group_locale(turn)
    message = turn.update.effective_message
    if await staff_of(turn) is None or message is None or not message.photo:
        return
    if not turn.in_flow(FLOW, "cl_photos"):
        turn.say("calendar.no_question")
        return
    data = turn.data
    photos = list(data.get("photos", []))
    if len(photos) >= MAX_PHOTOS:
        refuse(turn, MeetingError("too_many_photos", limit=MAX_PHOTOS))
        return
    best = message.photo[-1]
    photos.append([best.file_id, best.file_unique_id])
    data["photos"] = photos
    turn.set_state(FLOW, "cl_photos", data)
    turn.say("calendar.close.photo_kept", n=len(photos))


# ---- the close card and its reminders ------------------------------------------------------------
async def _send_close_notices(services: Services) -> None:
    config, locale = services.config, services.config.default_locale
    async with services.db.unit_of_work() as session:
        now = services.clock()
        sent = 0
        for meeting, stage in await due_close_notices(session, now):
            station = await session.get(Station, meeting.station_id)
            target = await staff_target(session, config, meeting.station_id)
            if target is None or station is None:
                continue
            text = PROMPT_MARK + " " + t(
                locale, "calendar.close.card" if stage == 0 else "calendar.close.reminder",
                kind=t(locale, f"station.kind.{meeting.kind}"), station=escape(station.name),
                when=when(locale, config.tz, meeting.starts_at, meeting.ends_at), stage=stage)
            rows = [[(t(locale, "calendar.btn.close"), encode(FLOW, "cl", meeting.id)),
                     (t(locale, "calendar.btn.not_held"), encode(FLOW, "nh", meeting.id))],
                    [(t(locale, "calendar.btn.walk_ins"), encode(FLOW, "wi", meeting.id)),
                     (t(locale, "calendar.btn.on_behalf"), encode(FLOW, "ob", meeting.id))],
                    [(t(locale, "calendar.btn.refresh"), encode(FLOW, "v", meeting.id))]]
            payload: dict[str, Any] = {"chat_id": target[0], "text": text, "parse_mode": "HTML",
                                       "reply_markup": inline(rows).to_dict()}
            if target[1] is not None:
                payload["message_thread_id"] = target[1]
            sent += await enqueue(session, chat_id=target[0], method="sendMessage", payload=payload,
                                  purpose=OutboxPurpose.MEETING_CLOSE, now=now) is not None
    if sent:
        services.outbox_signal.set()


def jobs(services: Services) -> list[Job]:
    return [Job("meeting_close", 300.0, lambda: _send_close_notices(services))]
