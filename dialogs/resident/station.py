"""/station and /subscribe: the station card, deputies' cards, calendar files, subscriptions.

Callback data (``st:…``): ``card:<station>``, ``dep:<deputy>``, ``ics:<meeting>``,
``sub:<station>[:c]``, ``unsub:<station>[:c]``, ``rem:<station>:<0|1>[:c]`` — ``c`` means the
button sits on a card, which is redrawn in place. ``sg:start`` belongs to the suggestion dialog and
``ob:change`` to onboarding. Public information (cards, calendar files) needs no consent;
subscriptions do. Every button is checked again here: an old or forged one changes nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import STATION, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident import reminders
from dialogs.resident.booking import book_button
from dialogs.resident.station_render import (
    calendar_event,
    deputy_card_text,
    station_card_text,
    when,
)
from storage.calendar import event_ics
from storage.models import MeetingKind, MeetingStatus, Station, Subscription
from storage.residents import (
    ResidentError,
    set_remind,
    subscribe,
    subscription,
    unsubscribe,
)
from storage.stations import (
    StationCard,
    get_station,
    load_deputy_card,
    load_meeting,
    load_station_card,
)

__all__ = ["FLOW", "handlers", "jobs", "show_card", "card_markup"]

FLOW = STATION
SUGGEST_START = "sg:start"  # handled by the suggestion dialog
CHANGE_ADDRESS = "ob:change"  # handled by dialogs.resident.onboarding
PRIVATE = filters.ChatType.PRIVATE
_DEPUTY_BUTTONS = 8


def _subscription_rows(turn: Turn, station_id: int, sub: Subscription | None, on_card: bool
                       ) -> list[list[Button]]:
    tail = ("c",) if on_card else ()
    if sub is None:
        return [[(turn.t("station.btn_subscribe"), encode(FLOW, "sub", station_id, *tail))]]
    remind_key = "station.btn_remind_on" if sub.remind else "station.btn_remind_off"
    return [[
        (turn.t("station.btn_unsubscribe"), encode(FLOW, "unsub", station_id, *tail)),
        (turn.t(remind_key), encode(FLOW, "rem", station_id, 0 if sub.remind else 1, *tail)),
    ]]


def card_markup(turn: Turn, card: StationCard, sub: Subscription | None,
                own: Station | None = None) -> InlineKeyboardMarkup:
    sid = card.station.id
    rows: list[list[Button]] = [[(turn.t("station.btn_suggest"), SUGGEST_START)]]
    if turn.resident is not None and turn.resident.station_id is not None:
        rows += _subscription_rows(turn, sid, sub, on_card=True)
    if card.meetings:
        rows.append([(turn.t("station.btn_calendar"), encode(FLOW, "ics", card.meetings[0].meeting.id))])
    if any(v.meeting.kind == MeetingKind.RECEPTION for v in card.meetings):
        rows.append([book_button(turn.locale, sid)])
    people = [(turn.t("station.btn_deputy", name=d.name), encode(FLOW, "dep", d.id))
              for d in card.deputies[:_DEPUTY_BUTTONS]]
    rows += [people[i:i + 2] for i in range(0, len(people), 2)]
    if card.home is not None and card.home.id != sid:
        rows.append([(turn.t("station.btn_home", name=card.home.name), encode(FLOW, "card", card.home.id))])
    if own is not None and own.id != sid:  # another station's card: the way back to one's own
        rows.append([(turn.t("station.btn_own", name=own.name), encode(FLOW, "card", own.id))])
    if turn.resident is not None:
        rows.append([(turn.t("station.btn_change"), CHANGE_ADDRESS)])
    return inline(rows)


async def show_card(turn: Turn, station_id: int, *, in_place: bool = False) -> bool:
    """Send (or redraw in place) the station card, with a venue pin when it has coordinates."""
    card = await load_station_card(turn.session, station_id, turn.now)
    if card is None:
        turn.say("station.gone")
        return False
    sub = own = None
    if turn.resident is not None:
        sub = await subscription(turn.session, turn.resident.id, station_id)
        if turn.resident.station_id not in (None, station_id):
            own = await get_station(turn.session, turn.resident.station_id)
    text = station_card_text(turn.locale, turn.config.tz, card)
    markup = card_markup(turn, card, sub, own)
    if in_place:
        turn.edit(text, markup)
        return True
    s = card.station
    if s.latitude is not None and s.longitude is not None:
        turn.send_venue(s.latitude, s.longitude, s.name, s.address or s.name)
    turn.send(text, markup)
    return True


def _home_station(turn: Turn) -> int | None:
    """The resident's station, or None after telling them how to get one."""
    if turn.resident is None or turn.resident.station_id is None:
        turn.say("station.no_home")
        return None
    return turn.resident.station_id


async def on_station(turn: Turn) -> None:
    station_id = _home_station(turn)
    if station_id is not None:
        await show_card(turn, station_id)


async def on_subscribe(turn: Turn) -> None:
    """/subscribe shows whether the resident is subscribed to their station, with the button
    that changes it (never a silent toggle)."""
    station_id = _home_station(turn)
    if station_id is None or turn.resident is None:
        return
    card = await load_station_card(turn.session, station_id, turn.now, meetings=0)
    if card is None:
        turn.say("station.gone")
        return
    sub = await subscription(turn.session, turn.resident.id, station_id)
    text, markup = _subscription_message(turn, station_id, card.station.name, sub, "state")
    # What else they get: staff announcements, with the switch (storage.broadcasts).
    off = turn.resident.announcements_off_at is not None
    text += "\n\n" + turn.t("announce.sub_off" if off else "announce.sub_on")
    switch = (turn.t("announce.btn_on" if off else "announce.btn_off"), encode("an", "on" if off else "off"))
    markup = InlineKeyboardMarkup([*markup.inline_keyboard, [InlineKeyboardButton(switch[0], callback_data=switch[1])]])
    turn.send(text, markup)


def _subscription_message(turn: Turn, station_id: int, name: str, sub: Subscription | None,
                          why: str) -> tuple[str, InlineKeyboardMarkup]:
    """The words and buttons of a subscription message: ``why`` is ``state`` (what /subscribe
    shows) or ``changed`` (just subscribed or unsubscribed)."""
    rows = _subscription_rows(turn, station_id, sub, on_card=False)
    rows.append([(turn.t("station.btn_show"), encode(FLOW, "card", station_id))])
    if sub is None:
        key = "station.sub_state_off" if why == "state" else "station.unsubscribed_text"
        return turn.t(key, station=escape(name)), inline(rows)
    key = "station.sub_state_on" if why == "state" else "station.subscribed_text"
    remind = turn.t("station.remind_state_on" if sub.remind else "station.remind_state_off")
    return turn.t(key, station=escape(name), remind=remind), inline(rows)


async def _on_subscription_button(turn: Turn, action: str, station_id: int) -> None:
    cb = turn.callback
    assert cb is not None
    resident = turn.resident
    if resident is None or resident.station_id is None:
        turn.toast("station.no_home_short", alert=True)
        return
    sub: Subscription | None = None
    try:
        if action == "sub":
            sub = await subscribe(turn.session, resident, station_id, now=turn.now)
            turn.toast("station.subscribed")
        elif action == "unsub":
            await unsubscribe(turn.session, resident, station_id)
            turn.toast("station.unsubscribed")
        else:
            remind = cb.arg(1) == "1"
            sub = await set_remind(turn.session, resident, station_id, remind)
            turn.toast("station.remind_on" if remind else "station.remind_off")
    except ResidentError as refused:
        turn.toast(refused.key, alert=True, **refused.fields)
        return
    station = await get_station(turn.session, station_id)
    name = station.name if station is not None else ""
    on_card = "c" in cb.args[1:]
    if on_card:
        await show_card(turn, station_id, in_place=True)
    if action == "rem" and not on_card:
        turn.edit(*_subscription_message(turn, station_id, name, sub, "state"))
    elif action != "rem":  # said in words in the chat, not only in a passing toast
        text, markup = _subscription_message(turn, station_id, name, sub, "changed")
        if on_card:
            turn.send(text, markup)
        else:
            turn.edit(text, markup)


async def _on_calendar(turn: Turn, meeting_id: int) -> None:
    view = await load_meeting(turn.session, meeting_id)
    if view is None or view.meeting.status != MeetingStatus.PLANNED or view.meeting.ends_at <= turn.now:
        turn.toast("station.meeting_gone", alert=True)
        return
    content = event_ics(calendar_event(turn.locale, view), stamp=turn.now)
    m = view.meeting
    caption = turn.t("station.ics_caption", kind=turn.t(f"station.kind.{m.kind}"),
                     when=when(turn.locale, turn.config.tz, m.starts_at, m.ends_at))
    turn.send_document(f"jiazhan-{m.code}.ics", content, caption)


async def _on_deputy(turn: Turn, deputy_id: int) -> None:
    card = await load_deputy_card(turn.session, deputy_id, turn.now)
    if card is None:
        turn.toast("station.deputy_gone", alert=True)
        return
    rows: list[list[Button]] = [[(turn.t("station.btn_suggest"), SUGGEST_START)]]
    if card.meetings:
        rows.append([(turn.t("station.btn_calendar"), encode(FLOW, "ics", card.meetings[0].meeting.id))])
    rows += [[(turn.t("station.btn_back", name=s.name), encode(FLOW, "card", s.id))]
             for s in card.stations[:3]]
    turn.send(deputy_card_text(turn.locale, turn.config.tz, card), inline(rows))


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    target = cb.int_arg(0) if cb is not None else None
    if cb is None or target is None:
        await on_stale_button(turn)
        return
    if cb.action in ("sub", "unsub", "rem") and (cb.action != "rem" or cb.arg(1) in ("0", "1")):
        await _on_subscription_button(turn, cb.action, target)
    elif cb.action == "card":
        await show_card(turn, target)
    elif cb.action == "ics":
        await _on_calendar(turn, target)
    elif cb.action == "dep":
        await _on_deputy(turn, target)
    else:
        await on_stale_button(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        CommandHandler("station", wrap(services, on_station, "station"), filters=PRIVATE),
        CommandHandler("subscribe", wrap(services, on_subscribe, "subscribe"), filters=PRIVATE),
        CallbackQueryHandler(wrap(services, on_button, "station_button"), pattern=f"^{FLOW}:"),
    ]


def jobs(services: Services) -> list[Job]:
    return reminders.jobs(services)
