"""Before a suggestion is begun or sent: the resident has a station, and today's limit is not
used up. Both answers say what to do next."""

from __future__ import annotations

from datetime import timedelta

from dialogs.kernel.callbacks import TRACKING, encode
from dialogs.kernel.keyboards import inline, reply_keyboard
from dialogs.kernel.turn import Turn
from dialogs.ticket_text import format_day
from storage import lifecycle
from storage.deadlines import local_date

__all__ = ["has_station", "send_to_onboarding", "over_daily_limit", "START_COMMAND"]

START_COMMAND = "/start"  # the onboarding command a resident without a station is sent to


def has_station(turn: Turn) -> bool:
    resident = turn.resident
    return (resident is not None and resident.consent_at is not None
            and resident.forgotten_at is None and resident.station_id is not None)


def send_to_onboarding(turn: Turn) -> None:
    turn.say("suggest.need_station", reply_keyboard([[START_COMMAND]]))


async def over_daily_limit(turn: Turn) -> bool:
    """Tell the resident (kindly) when today's suggestions are used up."""
    assert turn.resident is not None
    limit = turn.config.max_suggestions_per_day
    sent = await lifecycle.count_today(turn.session, turn.resident.id, turn.now, turn.config.tz)
    if sent < limit:
        return False
    day = format_day(turn.locale, local_date(turn.now, turn.config.tz) + timedelta(days=1))
    turn.say("suggest.daily_limit", inline([[(turn.t("suggest.button_my"),
                                              encode(TRACKING, "list"))]]),
             count=sent, limit=limit, day=day)
    return True
