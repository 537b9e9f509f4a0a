"""The guided dialog that creates a one-off meeting in the staff group: station (a code or part
of a name), kind (buttons), date and time, place, topic (replies to prompts), deputies (toggle
buttons), then the meeting is created and its card shown. Every answer is kept in the dialog
state (``mt`` / ``f_*``), so the dialog survives a restart; a bad answer is one sentence and the
question stays open.

Buttons: ``mt:new:0`` start, ``mt:fs:<station>``, ``mt:fk:<kind index>``, ``mt:fd:<deputy>``
toggle, ``mt:fo:0`` create.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialogs.kernel.callbacks import encode
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Turn, escape
from dialogs.resident.station_render import when
from dialogs.staff.meeting_card import FLOW, prompt, refuse, show_card
from dialogs.staff.scope import staff_area_of
from storage.assignees import assign_choices
from storage.meeting_rules import MeetingError, check_times, create_meeting, parse_when
from storage.meeting_views import find_stations
from storage.models import MeetingKind, Station

__all__ = ["on_button", "on_text", "KINDS"]

KINDS = tuple(MeetingKind)
NONE = ("-", "－", "—", "无")


async def _ask_kind(turn: Turn, data: dict[str, Any], station: Station) -> None:
    data["sid"] = station.id
    turn.set_state(FLOW, "f_kind", data)
    rows = [[(turn.t(f"station.kind.{k.value}"), encode(FLOW, "fk", i))] for i, k in enumerate(KINDS)]
    turn.send(turn.t("calendar.ask.kind", station=escape(station.name)), inline(rows))


async def _deputy_rows(turn: Turn, data: dict[str, Any]) -> list[list[Button]]:
    chosen = set(data.get("deps", []))
    rows: list[list[Button]] = [[(("✅ " if d.id in chosen else "▫️ ") + d.name, encode(FLOW, "fd", d.id))]
                                for d in await assign_choices(turn.session, int(data["sid"]))]
    rows.append([(turn.t("calendar.btn.create"), encode(FLOW, "fo", 0))])
    return rows


async def _summary(turn: Turn, data: dict[str, Any]) -> str:
    station = await turn.session.get(Station, int(data["sid"]))
    starts, ends = datetime.fromisoformat(data["starts"]), datetime.fromisoformat(data["ends"])
    return turn.t("calendar.form.summary", station=escape(station.name if station else ""),
                  kind=turn.t(f"station.kind.{data['kind']}"),
                  when=when(turn.locale, turn.config.tz, starts, ends),
                  place=escape(data.get("place") or (station.address if station else "")),
                  topic=escape(data.get("topic", "")) or "—")


async def _create(turn: Turn, data: dict[str, Any]) -> None:
    try:
        meeting = await create_meeting(
            turn.session, station_id=int(data["sid"]), kind=MeetingKind(data["kind"]),
            starts_at=datetime.fromisoformat(data["starts"]),
            ends_at=datetime.fromisoformat(data["ends"]), now=turn.now,
            place=data.get("place", ""), topic=data.get("topic", ""),
            deputy_ids=[int(d) for d in data.get("deps", [])],
        )
    except MeetingError as error:
        refuse(turn, error)
        return
    turn.clear_state()
    turn.edit(turn.t("calendar.form.created"))
    await show_card(turn, meeting.id, in_place=False)


async def on_button(turn: Turn, action: str, target: int) -> bool:
    """The form's buttons; False when the action is not the form's."""
    data = turn.data if turn.in_flow(FLOW) else {}
    if action == "new":
        turn.set_state(FLOW, "f_station", {})
        prompt(turn, "calendar.ask.station")
    elif action == "fs" and turn.in_flow(FLOW, "f_pick"):
        station = await turn.session.get(Station, target)
        if station is None or target not in data.get("found", []):
            refuse(turn, MeetingError("unknown_station"))
        else:
            await _ask_kind(turn, data, station)
    elif action == "fk" and turn.in_flow(FLOW, "f_kind") and 0 <= target < len(KINDS):
        data["kind"] = KINDS[target].value
        turn.set_state(FLOW, "f_when", data)
        prompt(turn, "calendar.ask.when")
    elif action == "fd" and turn.in_flow(FLOW, "f_deps"):
        chosen = set(data.get("deps", []))
        data["deps"] = sorted(chosen ^ {target})
        turn.set_state(FLOW, "f_deps", data)
        turn.edit(await _summary(turn, data), inline(await _deputy_rows(turn, data)))
    elif action == "fo" and turn.in_flow(FLOW, "f_deps"):
        await _create(turn, data)
    elif action in ("fs", "fk", "fd", "fo"):
        turn.toast("calendar.form.expired", alert=True)
    else:
        return False
    return True


async def _on_station_words(turn: Turn, data: dict[str, Any], text: str) -> None:
    found = await find_stations(turn.session, text, area=await staff_area_of(turn))
    if not found:
        turn.say("calendar.list.no_station", words=escape(text))
        return
    if len(found) == 1:
        await _ask_kind(turn, data, found[0])
        return
    data["found"] = [s.id for s in found]
    turn.set_state(FLOW, "f_pick", data)
    turn.send(turn.t("calendar.ask.pick_station"),
              inline([[(s.name, encode(FLOW, "fs", s.id))] for s in found]))


async def on_text(turn: Turn, step: str, data: dict[str, Any], text: str) -> bool:
    """A reply to one of the form's prompts; False when the step is not the form's."""
    if step == "f_station":
        await _on_station_words(turn, data, text)
        return True
    if step == "f_when":
        try:
            starts, ends = parse_when(text, turn.config.tz)
            check_times(starts, ends, turn.now)
        except MeetingError as error:
            refuse(turn, error)
            return True
        data |= {"starts": starts.isoformat(), "ends": ends.isoformat()}
        turn.set_state(FLOW, "f_place", data)
        prompt(turn, "calendar.ask.place_new")
        return True
    if step in ("f_place", "f_topic"):
        data["place" if step == "f_place" else "topic"] = "" if text in NONE else text
        if step == "f_place":
            turn.set_state(FLOW, "f_topic", data)
            prompt(turn, "calendar.ask.topic_new")
            return True
        turn.set_state(FLOW, "f_deps", data)
        turn.send(await _summary(turn, data), inline(await _deputy_rows(turn, data)))
        return True
    return False
