"""/start: who we are, consent, then "where do you live?" until the resident confirms a station.

Nothing about the person is stored before they press 同意 (the consent button creates the
Resident row); 不同意 stores nothing. The address step is the dialog state ``onboarding/address``
(``onboarding/confirm`` while buttons are offered; typing again is always allowed). Callback data
(``ob:…``): ``agree``, ``decline``, ``pick:<12-digit community>``, ``town:<page>``,
``dist:<6-digit district>`` (a name in several districts: the district first), ``retry``,
``change``. A pick is accepted only for a code this resident was offered (kept in the state).

``/start <invitation>`` is not ours: see ``on_invite_payload``.
"""

from __future__ import annotations

from telegram import Message
from telegram.ext import CallbackQueryHandler, CommandHandler, filters
from telegram.ext.filters import MessageFilter

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import ONBOARDING, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import Button, inline, remove_keyboard
from dialogs.kernel.turn import Turn, escape, refresh_area
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.address import FLOW, ask_address
from dialogs.resident.address import carried as _carried
from dialogs.resident.station import show_card
from storage.dialog_state import clear_state
from storage.drafts import Draft, DraftError, looks_like_prose
from storage.invites import looks_like_invite
from storage.residents import (
    ResidentError,
    community_label,
    give_consent,
    set_home_community,
    set_home_station,
)
from storage.routing import Candidate, Router, RouteResult, RouteStatus

__all__ = ["FLOW", "CB", "handlers", "on_invite_payload", "InviteStart", "ask_address"]

CB = ONBOARDING
PRIVATE = filters.ChatType.PRIVATE
NEARBY_STATIONS = 3  # stations listed for a shared location
NEARBY_NAMES = 6  # communities named per station
NEARBY_BUTTONS = 12  # communities offered as buttons
FAR_AWAY_M = 15_000.0  # a shared location farther than this from every station: probably outside
_ROUTER = "router"


class InviteStart(MessageFilter):
    """``/start <payload>`` where the payload is an invitation code (deputy or staff link)."""

    def filter(self, message: Message) -> bool:
        parts = (message.text or "").split(maxsplit=1)
        return len(parts) == 2 and parts[0].split("@")[0] == "/start" and looks_like_invite(parts[1])


INVITE_START = InviteStart(name="InviteStart")


# ---- the invitation hook ---------------------------------------------------------------------
async def on_invite_payload(turn: Turn) -> None:
    """``/start <invitation>``: a deputy or staff invitation, redeemed once by
    :func:`dialogs.staff.invitations.redeem_start` (never taken for a resident's sign-up)."""
    from dialogs.staff.invitations import redeem_start

    await redeem_start(turn)


# ---- /start and consent ----------------------------------------------------------------------
async def on_start(turn: Turn) -> None:
    resident = turn.resident
    if resident is None:
        buttons = [(turn.t("onboarding.agree"), encode(CB, "agree")),
                   (turn.t("onboarding.decline"), encode(CB, "decline"))]
        turn.send(_consent_text(turn), inline([buttons]))
    elif resident.station_id is None:
        ask_address(turn)
    else:
        await show_card(turn, resident.station_id)


def _consent_text(turn: Turn) -> str:
    return turn.t("onboarding.welcome") + "\n\n" + turn.t("onboarding.consent")


async def on_agree(turn: Turn) -> None:
    if turn.resident is not None:
        turn.toast("onboarding.already_agreed", alert=True)
        if turn.resident.station_id is None:
            ask_address(turn)
        return
    turn.resident = await give_consent(
        turn.session, telegram_user_id=turn.user_id, chat_id=turn.chat_id, locale=turn.locale,
        now=turn.now,
    )
    turn.edit(_consent_text(turn) + "\n\n" + turn.t("onboarding.agreed"))
    chosen = turn.data.get("station") if turn.in_flow(FLOW, "consent") else None
    if isinstance(chosen, int):  # came from a station's QR code (dialogs.resident.checkin)
        await set_home_station(turn.session, turn.resident, chosen)
        turn.clear_state()
        await show_card(turn, chosen)
        return
    ask_address(turn)


async def on_decline(turn: Turn) -> None:
    if turn.resident is not None:
        turn.toast("onboarding.already_agreed", alert=True)
        return
    # Nothing about this person stays: not even a language choice made before.
    await clear_state(turn.session, turn.user_id)
    turn.edit(turn.t("onboarding.declined"))


# ---- where do you live? ----------------------------------------------------------------------
async def _router(turn: Turn) -> Router:
    router = turn.services.cache.get(_ROUTER)
    if not isinstance(router, Router):
        router = await Router.load(turn.session)
        turn.services.cache[_ROUTER] = router
    return router


async def on_message(turn: Turn) -> None:
    """Anything the resident sends while we wait for an address."""
    msg = turn.update.effective_message
    if turn.resident is None:  # state left from before a /forget, say
        turn.clear_state()
        turn.say("onboarding.not_started")
        return
    if msg is not None and msg.location is not None:
        await _nearest(turn, msg.location.latitude, msg.location.longitude)
    elif msg is not None and msg.text:
        await _route(turn, msg.text)
    else:
        ask_address(turn, "onboarding.text_only")


def _station_label(turn: Turn, name: str | None) -> str:
    return escape(name) if name else turn.t("onboarding.no_station")


async def _route(turn: Turn, text: str) -> None:
    result: RouteResult = (await _router(turn)).route(text)
    reason = turn.t(f"routing.reason.{result.reason}") if result.reason else ""
    if result.status is RouteStatus.NONE or not result.candidates:
        town = (await _router(turn)).town_named(text) if result.reason == "town_only" else None
        if town is not None:
            await _list_town(turn, town.code, 0, text)
            return
        if result.reason in _NOT_AN_ADDRESS and looks_like_prose(text):
            await _keep_as_suggestion(turn)
            return
        ask_address(turn, "onboarding.not_found", reason=reason)
        return
    # A name in many places (辛庄村: 14 across the city) keeps them all; the district comes first.
    candidates = result.candidates if result.reason == "duplicate_name" else result.candidates[:5]
    if len({c.district_code for c in candidates}) > 1:
        _ask_district(turn, candidates, text, reason)
        return
    _offer(turn, candidates, text, reason, result.reason)


def _ask_district(turn: Turn, candidates: tuple[Candidate, ...], text: str, reason: str) -> None:
    """The same name in several districts: which district? (then which town, in ``on_district``)."""
    turn.set_state(FLOW, "confirm", {**_carried(turn), "offered": [c.code for c in candidates],
                                     "address": text.strip()[:200]})
    counts: dict[str, tuple[str, int]] = {}
    for c in candidates:
        name, n = counts.get(c.district_code, (c.district, 0))
        counts[c.district_code] = (name, n + 1)
    buttons = [(turn.t("onboarding.district_button", name=name, count=n), encode(CB, "dist", code))
               for code, (name, n) in counts.items()]
    rows: list[list[Button]] = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(turn.t("onboarding.retype"), encode(CB, "retry"))])
    turn.say("onboarding.choose_district", inline(rows), reason=reason,
             name=escape(candidates[0].name), count=len(candidates))


def _offer(
    turn: Turn, candidates: tuple[Candidate, ...], text: str, reason: str, code: str | None
) -> None:
    turn.set_state(FLOW, "confirm", {**_carried(turn), "offered": [c.code for c in candidates],
                                     "address": text.strip()[:200]})
    retry = [(turn.t("onboarding.retype"), encode(CB, "retry"))]
    if len(candidates) == 1:
        c = candidates[0]
        station = _station_label(turn, c.station.name if c.station else None)
        # One question: an uncertain match is asked as such, not with a second 「是这里吗？」.
        key = "onboarding.found_uncertain" if code == "uncertain" else "onboarding.found"
        note = f"\n{reason}" if reason and key == "onboarding.found" else ""
        turn.say(key, inline([[(turn.t("onboarding.confirm"), encode(CB, "pick", c.code))], retry]),
                 name=escape(c.name), town=escape(c.town), station=station, note=note)
        return
    rows: list[list[Button]] = [
        [(turn.t("onboarding.candidate", name=c.name, town=c.town), encode(CB, "pick", c.code))]
        for c in candidates
    ]
    turn.say("onboarding.choose", inline([*rows, retry]), reason=reason)


_NOT_AN_ADDRESS = ("not_recognised", "too_long")
TOWN_PAGE = 10  # villages and communities per page when a town is typed alone


async def _list_town(turn: Turn, town_code: str, page: int, address: str) -> None:
    """A town typed alone: its villages and communities as buttons, a page at a time."""
    places = (await _router(turn)).communities_of(town_code)
    if not places:
        ask_address(turn, "onboarding.not_found", reason=turn.t("routing.reason.town_only"))
        return
    pages = (len(places) + TOWN_PAGE - 1) // TOWN_PAGE
    page = max(0, min(page, pages - 1))
    shown = places[page * TOWN_PAGE:(page + 1) * TOWN_PAGE]
    turn.set_state(FLOW, "confirm", {**_carried(turn), "offered": [c.code for c in places],
                                     "town": town_code, "address": address[:200]})
    buttons = [(c.name, encode(CB, "pick", c.code)) for c in shown]
    rows: list[list[Button]] = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    nav: list[Button] = []
    if page > 0:
        nav.append((turn.t("onboarding.page_back"), encode(CB, "town", page - 1)))
    if page + 1 < pages:
        nav.append((turn.t("onboarding.page_next"), encode(CB, "town", page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(turn.t("onboarding.retype"), encode(CB, "retry"))])
    text = turn.t("onboarding.town_list", town=escape(places[0].town), count=len(places),
                  page=page + 1, pages=pages)
    if turn.update.callback_query is not None:
        turn.edit(text, inline(rows))
    else:
        turn.send(text, inline(rows))


async def on_district(turn: Turn) -> None:
    """A district chosen for a name found in several: its places, each with its town."""
    cb = turn.callback
    district = cb.arg(0) if cb is not None else ""
    offered = [str(code) for code in turn.data.get("offered") or []]
    address = str(turn.data.get("address") or "")
    if (turn.resident is None or not turn.in_flow(FLOW, "confirm") or len(district) != 6
            or not any(code.startswith(district) for code in offered)):
        await on_stale_button(turn)
        return
    result = (await _router(turn)).route(address)
    kept = tuple(c for c in result.candidates if c.district_code == district and c.code in offered)
    if not kept:
        await on_stale_button(turn)
        return
    turn.edit(turn.t("onboarding.district_chosen", name=escape(kept[0].district)))
    reason = turn.t("routing.reason.duplicate_name") if len(kept) > 1 else ""
    _offer(turn, kept, address, reason, None)


async def on_town_page(turn: Turn) -> None:
    cb = turn.callback
    page = cb.int_arg(0) if cb is not None else None
    town = turn.data.get("town")
    if turn.resident is None or not turn.in_flow(FLOW, "confirm") or page is None or not town:
        await on_stale_button(turn)
        return
    await _list_town(turn, str(town), page, str(turn.data.get("address") or ""))


async def _keep_as_suggestion(turn: Turn) -> None:
    """Sentences where an address was expected: a complaint, kept in the draft until the
    resident has a station (then offered as a suggestion)."""
    from dialogs.resident.suggest.intake import keep_loose

    msg = turn.update.effective_message
    assert msg is not None
    try:
        draft, _ = keep_loose(turn, msg)
    except DraftError as refused:
        turn.say(refused.key, None, **refused.fields)
        ask_address(turn)
        return
    ask_address(turn, "suggest.kept_ask_address", draft=draft.to_json())


def _distance(turn: Turn, metres: float) -> str:
    if metres < 1000:
        return turn.t("onboarding.distance_m", metres=int(round(metres, -1)))
    return turn.t("onboarding.distance_km", km=f"{metres / 1000:.1f}")


async def _nearest(turn: Turn, latitude: float, longitude: float) -> None:
    """A shared location: stations are assigned by village and community, not by distance, so
    the nearest stations are shown with the communities each serves, and the resident picks
    their own (which gives the station that really serves them)."""
    try:
        found = (await _router(turn)).nearby(latitude, longitude, NEARBY_STATIONS)
    except ValueError:
        found = []
    if not found:
        ask_address(turn, "onboarding.no_nearby")
        return
    lines: list[str] = []
    offered: list[Candidate] = []
    for station, metres, places in found:
        names = "、".join(escape(c.name) for c in places[:NEARBY_NAMES])
        more = turn.t("onboarding.and_more", count=len(places) - NEARBY_NAMES) \
            if len(places) > NEARBY_NAMES else ""
        lines.append(turn.t("onboarding.nearby_line", station=escape(station.name),
                            distance=_distance(turn, metres), names=names + more))
        offered += places[:NEARBY_BUTTONS - len(offered)]
    turn.set_state(FLOW, "confirm", {**_carried(turn), "offered": [c.code for c in offered]})
    note = turn.t("onboarding.far_away") if found[0][1] > FAR_AWAY_M else ""
    buttons = [(c.name, encode(CB, "pick", c.code)) for c in offered]
    rows: list[list[Button]] = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(turn.t("onboarding.retype"), encode(CB, "retry"))])
    turn.say("onboarding.nearby", inline(rows), lines="\n".join(lines), note=note)


# ---- confirming ------------------------------------------------------------------------------
async def _settle_home(turn: Turn, place: str, station_id: int) -> None:
    from dialogs.resident.suggest.intake import NO_STATION, offer_after_home

    carried = _carried(turn)
    if carried:
        turn.set_state("idle", "idle", carried)
    else:
        turn.clear_state()
    turn.edit(turn.t("onboarding.picked", place=place))
    turn.say("onboarding.saved", remove_keyboard())
    await show_card(turn, station_id)
    waiting = Draft.from_json(carried.get("draft"))
    if waiting is not None and waiting.station_id == NO_STATION:  # written before a home
        offer_after_home(turn, waiting)


async def on_pick(turn: Turn) -> None:
    cb = turn.callback
    code = cb.arg(0) if cb is not None else ""
    offered = turn.data.get("offered") or []
    if turn.resident is None or not turn.in_flow(FLOW, "confirm") or code not in offered:
        await on_stale_button(turn)
        return
    try:
        station = await set_home_community(turn.session, turn.resident, code,
                                           address_text=turn.data.get("address"))
    except ResidentError as refused:
        turn.toast(refused.key, alert=True, **refused.fields)
        return
    label = await community_label(turn.session, code)
    await _settle_home(turn, escape(label or station.name), station.id)


async def on_retry(turn: Turn) -> None:
    if turn.resident is None or not turn.in_flow(FLOW):
        await on_stale_button(turn)
        return
    turn.edit(turn.t("onboarding.retry_ack"))
    ask_address(turn)


async def on_change(turn: Turn) -> None:
    if turn.resident is None:
        await on_stale_button(turn)
        return
    ask_address(turn)


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    action = cb.action if cb is not None else ""
    handler = {"agree": on_agree, "decline": on_decline, "pick": on_pick,
               "retry": on_retry, "change": on_change,
               "town": on_town_page, "dist": on_district}.get(action, on_stale_button)
    await handler(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(FLOW, on_message)
    return [
        CommandHandler("start", wrap(services, on_start, "start"), filters=PRIVATE & ~INVITE_START),
        CallbackQueryHandler(wrap(services, on_button, "onboarding_button"), pattern=f"^{CB}:"),
        # Last of ours: an invitation nobody else took (see on_invite_payload).
        CommandHandler("start", wrap(services, on_invite_payload, "invite_start"),
                       filters=PRIVATE & INVITE_START),
    ]


ROUTER_REFRESH = 600.0  # seconds: an import in another process reaches routing this soon


async def refresh_router(services: Services) -> None:
    """Rebuild the cached address index from the database (new aliases, stations, coverage),
    and the service area with it (an import may have added a district)."""
    async with services.db.reading() as session:
        services.cache[_ROUTER] = await Router.load(session)
        await refresh_area(session, services)


def jobs(services: Services) -> list[Job]:
    return [Job("refresh_router", ROUTER_REFRESH, lambda: refresh_router(services))]
