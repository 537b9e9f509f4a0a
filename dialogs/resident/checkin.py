"""The QR codes on the wall: ``/start ci_<token>`` signs in at a meeting (a deputy: an attendance;
a resident who has agreed to our privacy terms: a contact with voters), once, on the meeting's
day; ``/start st_<station>`` is a station's permanent code (站码): it starts onboarding with that
station chosen, or shows its card to someone already signed up.
"""

from __future__ import annotations

from sqlalchemy import select
from telegram import Message
from telegram.ext import CommandHandler, filters
from telegram.ext.filters import MessageFilter

from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.station import show_card
from dialogs.resident.station_render import when
from storage.checkins import CHECKIN_PREFIX, check_in_deputy, check_in_resident
from storage.meeting_rules import MeetingError
from storage.models import Meeting, Station
from storage.roles import deputy_actor

__all__ = ["handlers", "STATION_PREFIX", "station_payload"]

STATION_PREFIX = "st_"
PRIVATE = filters.ChatType.PRIVATE


def station_payload(code: str) -> str:
    return f"{STATION_PREFIX}{code}"


class StartWith(MessageFilter):
    """``/start <prefix>…``"""

    def __init__(self, prefix: str) -> None:
        super().__init__(name=f"StartWith({prefix})")
        self.prefix = prefix

    def filter(self, message: Message) -> bool:
        parts = (message.text or "").split(maxsplit=1)
        return (len(parts) == 2 and parts[0].split("@")[0] == "/start"
                and parts[1].startswith(self.prefix))


def _payload(turn: Turn, prefix: str) -> str:
    parts = turn.message_text.split(maxsplit=1)
    return parts[1].removeprefix(prefix).strip() if len(parts) == 2 else ""


async def _signed_in(turn: Turn, meeting: Meeting, key: str) -> None:
    station = await turn.session.get(Station, meeting.station_id)
    turn.say(key, kind=turn.t(f"station.kind.{meeting.kind}"),
             station=escape(station.name if station else ""),
             when=when(turn.locale, turn.config.tz, meeting.starts_at, meeting.ends_at))


async def on_checkin(turn: Turn) -> None:
    token = _payload(turn, CHECKIN_PREFIX)
    deputy = await deputy_actor(turn.session, turn.user_id)
    try:
        if deputy is not None and deputy.id is not None:
            meeting, _ = await check_in_deputy(turn.session, token, deputy.id, turn.now,
                                               turn.config.tz)
            await _signed_in(turn, meeting, "calendar.checkin.deputy_ok")
            return
        if turn.resident is None:
            raise MeetingError("consent_needed")
        meeting, _ = await check_in_resident(turn.session, token, turn.resident, turn.now,
                                             turn.config.tz)
    except MeetingError as error:
        turn.say(f"calendar.errors.{error.reason}", **error.fields)
        return
    await _signed_in(turn, meeting, "calendar.checkin.resident_ok")


async def on_station_code(turn: Turn) -> None:
    code = _payload(turn, STATION_PREFIX)
    station = await turn.session.scalar(select(Station).where(Station.code == code))
    if station is None:
        turn.say("calendar.errors.unknown_station")
        return
    if turn.resident is not None:
        await show_card(turn, station.id)
        return
    turn.set_state("onboarding", "consent", {"station": station.id})
    buttons = [(turn.t("onboarding.agree"), encode("ob", "agree")),
               (turn.t("onboarding.decline"), encode("ob", "decline"))]
    turn.send(turn.t("calendar.checkin.station_welcome", station=escape(station.name)) + "\n\n"
              + turn.t("onboarding.welcome") + "\n\n" + turn.t("onboarding.consent"),
              inline([buttons]))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        CommandHandler("start", wrap(services, on_checkin, "checkin"),
                       filters=PRIVATE & StartWith(CHECKIN_PREFIX)),
        CommandHandler("start", wrap(services, on_station_code, "station_code"),
                       filters=PRIVATE & StartWith(STATION_PREFIX)),
    ]
