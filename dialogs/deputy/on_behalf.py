"""代录 by a deputy, in their private chat: at a reception they are on, the 「✍️ 代录意见」 button on
the meeting (``ag:ob:<meeting>``) records what a resident without Telegram said — category,
their words, name and phone only with spoken consent, answer by phone or in person. The steps
live in the dialog state (``deputy_ob``); the suggestion gets a ticket and its triage card.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dialogs.kernel.callbacks import encode
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.staff.card import queue_card
from dialogs.staff.meeting_close import CHANNELS, split_contact
from storage.deadlines import Deadlines
from storage.lifecycle import LifecycleError
from storage.meeting_rules import MeetingError
from storage.models import Category, Meeting, MeetingDeputy
from storage.on_behalf import record_on_behalf
from storage.roles import deputy_actor

__all__ = ["STATE", "start", "on_button", "on_message"]

STATE = "deputy_ob"
FLOW = "ag"


async def _categories(turn: Turn) -> list[Category]:
    return list(await turn.session.scalars(select(Category).order_by(Category.position,
                                                                       Category.code)))


async def start(turn: Turn, deputy_id: int, meeting_id: int) -> None:
    if await turn.session.get(MeetingDeputy, (meeting_id, deputy_id)) is None:
        turn.toast("calendar.errors.not_on_meeting", alert=True)
        return
    turn.set_state(STATE, "category", {"mid": meeting_id})
    names = [c.name_en if turn.locale == "en" else c.name_zh for c in await _categories(turn)]
    buttons = [(name, encode(FLOW, "oc", i)) for i, name in enumerate(names)]
    turn.send(turn.t("calendar.ask.ob_category"),
              inline([buttons[i:i + 3] for i in range(0, len(buttons), 3)]))


async def on_button(turn: Turn, action: str, target: int) -> bool:
    """``oc`` category, ``oa`` channel; False when the action is not ours."""
    if action not in ("oc", "oa"):
        return False
    data = turn.data if turn.in_flow(STATE) else {}
    if action == "oc" and turn.in_flow(STATE, "category"):
        cats = await _categories(turn)
        if 0 <= target < len(cats):
            data["cat"] = cats[target].code
            turn.set_state(STATE, "text", data)
            turn.say("calendar.ask.ob_text")
            return True
    if action == "oa" and turn.in_flow(STATE, "channel") and target in CHANNELS:
        await _record(turn, data, target)
        return True
    turn.toast("calendar.form.expired", alert=True)
    return True


async def on_message(turn: Turn) -> None:
    """The deputy's words, then the contact line."""
    data, text = turn.data, turn.message_text.strip()
    if turn.in_flow(STATE, "text") and text:
        data["text"] = text
        turn.set_state(STATE, "contact", data)
        turn.say("calendar.ask.ob_contact")
    elif turn.in_flow(STATE, "contact") and text:
        data["name"], data["phone"] = split_contact(text)
        turn.set_state(STATE, "channel", data)
        turn.send(turn.t("calendar.ask.ob_channel"), inline([
            [(turn.t("calendar.channel.phone"), encode(FLOW, "oa", 1)),
             (turn.t("calendar.channel.in_person"), encode(FLOW, "oa", 2))]]))
    else:
        turn.say("calendar.ob.use_buttons")


async def _record(turn: Turn, data: dict[str, Any], channel_key: int) -> None:
    actor = await deputy_actor(turn.session, turn.user_id)
    meeting = await turn.session.get(Meeting, int(data.get("mid", 0)))
    channel = CHANNELS[channel_key]
    if actor is None or meeting is None:
        turn.toast("calendar.errors.unknown_meeting", alert=True)
        return
    if channel_key == 1 and not data.get("phone"):
        turn.toast("calendar.ob.phone_needed", alert=True)
        return
    config = turn.config
    try:
        suggestion = await record_on_behalf(
            turn.session, actor, station_id=meeting.station_id, category_code=str(data["cat"]),
            text=str(data.get("text", "")), now=turn.now,
            deadlines=Deadlines(config.first_response_days, config.resolution_days, config.tz),
            answer_channel=channel, meeting_id=meeting.id, name=data.get("name"),
            phone=data.get("phone"), consent=bool(data.get("name") or data.get("phone")))
    except (LifecycleError, MeetingError) as error:
        turn.say("calendar.ob.refused", reason=escape(str(getattr(error, "reason", error))))
        return
    turn.clear_state()
    await queue_card(turn.session, turn.config, suggestion.id, turn.now)
    turn.edit(turn.t("calendar.ob.recorded", ticket=suggestion.ticket,
                     channel=turn.t(f"calendar.channel.{channel.value}")))
