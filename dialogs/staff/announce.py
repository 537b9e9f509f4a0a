"""``/announce`` in the staff group: text (or one photo or document with a caption) → audience →
preview (exactly what one recipient receives, and how many will) → optional English text, send
time, urgent → confirm. The preview message becomes the broadcast's progress card, which the
broadcast lane edits in place, with pause / resume / cancel. Residents find "no more
announcements" under every announcement. State lives in the database (dialog_states)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from telegram import InlineKeyboardMarkup, Message
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import STAFF_GROUPS, staff_area_of, staff_command, staff_gate
from locales import t
from storage import broadcasts as engine
from storage.models import Broadcast, District, OutboxPurpose, Station, Town

__all__ = ["handlers", "FLOW", "render_card", "announcement_payloads", "unsubscribe_markup"]

FLOW = "an"
TEXT_LIMIT, CAPTION_LIMIT = 3900, 1000
_TARGETS = {"subscribers": "station", "home": "station", "open_at": "station", "town": "town",
            "district": "district", "area": ""}


def unsubscribe_markup(locale: str) -> dict[str, Any]:
    return inline([[(t(locale, "announce.btn_off"), encode(FLOW, "off"))]]).to_dict()


def announcement_payloads(text: str, text_en: str | None, media_kind: str | None,
                          media_file_id: str | None) -> dict[str, dict[str, Any]]:
    """What one recipient receives, per language (zh first: the fallback)."""
    out: dict[str, dict[str, Any]] = {}
    for locale, body in (("zh", text), ("en", text_en or text)):
        escaped = html.escape(body, quote=False)
        params: dict[str, Any] = {"parse_mode": "HTML", "reply_markup": unsubscribe_markup(locale)}
        if media_kind in ("photo", "document") and media_file_id:
            params |= {media_kind: media_file_id, "caption": escaped}
            method = "sendPhoto" if media_kind == "photo" else "sendDocument"
        else:
            params["text"] = escaped
            method = "sendMessage"
        out[locale] = {"method": method, "params": params}
    return out


def _duration(seconds: float | None, locale: str) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return t(locale, "announce.duration", minutes=minutes, seconds=secs)


def render_card(broadcast: Broadcast, progress: Any, final: bool, locale: str = "zh") -> dict[str, Any]:
    """The progress card (or, ``final``, its last state without buttons)."""
    counts = progress.counts
    text = t(locale, "announce.card", id=broadcast.id,
             status=t(locale, f"announce.status_{broadcast.status}"), sent=counts["sent"],
             total=broadcast.total, skipped=counts["skipped"], blocked=counts["blocked"],
             failed=counts["failed"], rate=f"{progress.rate:.1f}",
             left=_duration(progress.seconds_left, locale))
    if final:
        text = t(locale, "announce.final", id=broadcast.id, sent=counts["sent"], total=broadcast.total,
                 skipped=counts["skipped"], blocked=counts["blocked"], failed=counts["failed"],
                 status=t(locale, f"announce.status_{broadcast.status}"))
        return {"text": text, "parse_mode": "HTML"}
    return {"text": text, "parse_mode": "HTML", "reply_markup": _card_markup(broadcast, locale).to_dict()}


def _card_markup(broadcast: Broadcast, locale: str) -> InlineKeyboardMarkup:
    if broadcast.status == "paused":
        first = (t(locale, "announce.btn_resume"), encode(FLOW, "r", broadcast.id))
    else:
        first = (t(locale, "announce.btn_pause"), encode(FLOW, "p", broadcast.id))
    return inline([[first, (t(locale, "announce.btn_stop"), encode(FLOW, "c", broadcast.id))]])


# ---- compose -------------------------------------------------------------------------------
async def on_announce(turn: Turn) -> None:
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    turn.set_state(FLOW, "text", {"chat": turn.chat_id})
    turn.say("announce.ask_text", inline([[(turn.t("announce.btn_cancel"), encode(FLOW, "x"))]]))


async def on_group_message(turn: Turn) -> None:
    """A message in the staff group: a step of this person's /announce dialog, or nothing."""
    if not turn.in_flow(FLOW) or turn.state is None or turn.state.data.get("chat") != turn.chat_id:
        return
    group_locale(turn)
    if await staff_of(turn) is None:
        return
    step = turn.state.step
    if step == "text":
        await _take_text(turn)
    elif step == "target":
        await _take_target(turn)
    elif step == "en":
        data = turn.data
        data["en"] = turn.message_text.strip()[:TEXT_LIMIT]
        await _preview(turn, data)
    elif step == "at":
        await _take_time(turn)


async def _take_text(turn: Turn) -> None:
    message = turn.update.effective_message
    assert isinstance(message, Message)
    data = turn.data
    text = turn.message_text.strip()
    if message.photo:
        data["media"], data["file"] = "photo", message.photo[-1].file_id
    elif message.document is not None:
        data["media"], data["file"] = "document", message.document.file_id
    limit = CAPTION_LIMIT if data.get("media") else TEXT_LIMIT
    if not text or len(text) > limit:
        turn.say("announce.bad_text", limit=limit)
        return
    data["text"] = text
    turn.set_state(FLOW, "audience", data)
    rows = [[(turn.t(f"announce.aud_{kind}"), encode(FLOW, "k", kind))] for kind in _TARGETS]
    rows.append([(turn.t("announce.btn_cancel"), encode(FLOW, "x"))])
    turn.say("announce.ask_audience", inline(rows))


async def _scope(turn: Turn) -> tuple[str | None, str | None]:
    """The group's area: (district_code, town_code); (None, None) is the whole service area
    (the default group's, ``dialogs.staff.scope``)."""
    area = await staff_area_of(turn)
    if area is None:
        return None, None
    return area.district_code, area.town_code


async def _take_target(turn: Turn) -> None:
    data = turn.data
    kind, wanted = str(data.get("kind")), turn.message_text.strip()
    district, town = await _scope(turn)
    audience: dict[str, Any] | None = None
    label, in_scope = wanted, True
    if _TARGETS.get(kind) == "station":
        station = await turn.session.scalar(select(Station).where(
            or_(Station.code == wanted, Station.name == wanted)).limit(1))
        if station is not None:
            audience, label = {"kind": kind, "station_id": station.id}, station.name
            station_district = await turn.session.scalar(
                select(Town.district_code).where(Town.code == station.town_code))
            in_scope = (town is None or station.town_code == town) and (
                district is None or station_district == district)
    elif kind == "town":
        found = await turn.session.scalar(select(Town).where(
            or_(Town.code == wanted, Town.name == wanted, Town.short_name == wanted)).limit(1))
        if found is not None:
            audience, label = {"kind": "town", "town_code": found.code}, found.name
            in_scope = (town is None or found.code == town) and (
                district is None or found.district_code == district)
    elif kind == "district":
        found_d = await turn.session.scalar(select(District).where(
            or_(District.code == wanted, District.name == wanted)).limit(1))
        if found_d is not None:
            audience, label = {"kind": "district", "district_code": found_d.code}, found_d.name
            in_scope = town is None and (district is None or found_d.code == district)
    if audience is None:
        turn.say("announce.not_found", name=escape(wanted))
        return
    if not in_scope:
        turn.say("announce.outside", name=escape(label))
        return
    data["audience"], data["label"] = audience, label
    await _preview(turn, data)


async def _take_time(turn: Turn) -> None:
    data = turn.data
    try:
        local = datetime.strptime(turn.message_text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        turn.say("announce.bad_time")
        return
    when = local.replace(tzinfo=turn.config.tz)
    if when <= turn.now:
        turn.say("announce.bad_time")
        return
    data["at"] = when.isoformat()
    await _preview(turn, data)


async def _area_audience(turn: Turn) -> tuple[dict[str, Any], str]:
    """"Everyone" of the group's area: its town, its district, or the whole service area."""
    area = await staff_area_of(turn)
    if area is not None and area.town_code is not None:
        return {"kind": "town", "town_code": area.town_code}, area.name
    if area is not None and area.district_code is not None:
        return {"kind": "district", "district_code": area.district_code}, area.name
    return {"kind": "area"}, turn.area_name


async def _preview(turn: Turn, data: dict[str, Any]) -> None:
    """Exactly what one recipient receives (through the outbox, like theirs), then the summary."""
    payloads = announcement_payloads(data["text"], data.get("en"), data.get("media"), data.get("file"))
    first = payloads["zh"]
    await turn.enqueue(turn.chat_id, first["method"], {**first["params"], "chat_id": turn.chat_id},
                       purpose=OutboxPurpose.BROADCAST_PREVIEW)
    count = await engine.count_audience(turn.session, data["audience"])
    turn.set_state(FLOW, "preview", data)
    # Through the outbox too, so the summary comes after the preview (one chat keeps its order).
    await turn.enqueue(turn.chat_id, "sendMessage", {
        "chat_id": turn.chat_id, "text": _summary(turn, data, count), "parse_mode": "HTML",
        "reply_markup": _summary_markup(turn, data).to_dict()}, purpose=OutboxPurpose.BROADCAST_PREVIEW)


def _summary(turn: Turn, data: dict[str, Any], count: int) -> str:
    when = turn.t("announce.now")
    if data.get("at"):
        when = datetime.fromisoformat(data["at"]).astimezone(turn.config.tz).strftime("%Y-%m-%d %H:%M")
    return turn.t("announce.preview", audience=escape(turn.t(f"announce.aud_{data['audience']['kind']}"))
                  + " · " + escape(str(data.get("label", ""))), count=count,
                  en=escape(data.get("en") or turn.t("announce.none")), when=when,
                  urgent=turn.t("announce.yes" if data.get("urgent") else "announce.no"))


def _summary_markup(turn: Turn, data: dict[str, Any]) -> InlineKeyboardMarkup:
    urgent = "announce.btn_urgent_off" if data.get("urgent") else "announce.btn_urgent_on"
    return inline([
        [(turn.t("announce.btn_confirm"), encode(FLOW, "ok"))],
        [(turn.t("announce.btn_en"), encode(FLOW, "en")), (turn.t("announce.btn_at"), encode(FLOW, "at"))],
        [(turn.t(urgent), encode(FLOW, "u")), (turn.t("announce.btn_cancel"), encode(FLOW, "x"))],
    ])


# ---- buttons -------------------------------------------------------------------------------
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None:
        return
    if cb.action in ("off", "on"):
        await _resident_toggle(turn, cb.action == "off")
        return
    group_locale(turn)
    actor = await staff_of(turn)
    if actor is None:
        turn.toast("triage.not_staff", alert=True)
        return
    if cb.action in ("p", "r", "c"):
        await _control(turn, cb.action, cb.int_arg(0), actor)
        return
    if not turn.in_flow(FLOW) or turn.state is None or turn.state.data.get("chat") != turn.chat_id:
        turn.toast("announce.gone")
        return
    data = turn.data
    if cb.action == "x":
        turn.clear_state()
        turn.edit(turn.t("announce.dropped"))
    elif cb.action == "k" and cb.arg(0) in _TARGETS:
        kind = cb.arg(0)
        if kind == "area":
            data["audience"], data["label"] = await _area_audience(turn)
            await _preview(turn, data)
            return
        data["kind"] = kind
        turn.set_state(FLOW, "target", data)
        turn.edit(turn.t(f"announce.ask_{_TARGETS[kind]}"))
    elif cb.action == "en" and "audience" in data:
        turn.set_state(FLOW, "en", data)
        turn.say("announce.ask_en")
    elif cb.action == "at" and "audience" in data:
        turn.set_state(FLOW, "at", data)
        turn.say("announce.ask_at")
    elif cb.action == "u" and "audience" in data:
        data["urgent"] = not data.get("urgent")
        turn.set_state(FLOW, "preview", data)
        count = await engine.count_audience(turn.session, data["audience"])
        turn.edit(_summary(turn, data, count), _summary_markup(turn, data))
    elif cb.action == "ok" and "audience" in data:
        await _confirm(turn, data, actor)


async def _confirm(turn: Turn, data: dict[str, Any], actor: Any) -> None:
    broadcast = await engine.create_broadcast(
        turn.session, kind="custom",
        payloads=announcement_payloads(data["text"], data.get("en"), data.get("media"), data.get("file")),
        audience=data["audience"], text=data["text"], text_en=data.get("en"),
        media_kind=data.get("media"), media_file_id=data.get("file"), urgent=bool(data.get("urgent")),
        send_at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
        chat_id=turn.chat_id, created_by=turn.user_id, now=turn.now)
    await engine.confirm(turn.session, broadcast.id, now=turn.now, actor=actor)
    query = turn.update.callback_query
    if query is not None and isinstance(query.message, Message):
        await engine.set_card(turn.session, broadcast.id, turn.chat_id, query.message.message_id)
    turn.clear_state()
    counts = await engine.counts(turn.session, broadcast.id)
    turn.edit(**_card_args(broadcast, counts, turn.locale))


def _card_args(broadcast: Broadcast, counts: dict[str, int], locale: str) -> dict[str, Any]:
    from types import SimpleNamespace

    progress = SimpleNamespace(counts=counts, rate=0.0, seconds_left=None)
    body = render_card(broadcast, progress, broadcast.status in ("done", "cancelled"), locale)
    markup = None if "reply_markup" not in body else _card_markup(broadcast, locale)
    return {"text": body["text"], "markup": markup}


async def _control(turn: Turn, action: str, broadcast_id: int | None, actor: Any) -> None:
    change = {"p": engine.pause, "r": engine.resume, "c": engine.cancel}[action]
    area = await staff_area_of(turn)
    only = None if area is not None and area.whole else turn.chat_id  # a bound group: its own
    try:
        broadcast = await change(turn.session, broadcast_id or 0, actor, now=turn.now, chat_id=only)
    except engine.BroadcastError as exc:
        turn.toast(exc.key)
        return
    counts = await engine.counts(turn.session, broadcast.id)
    turn.edit(**_card_args(broadcast, counts, turn.locale))
    turn.toast(f"announce.done_{action}")


async def _resident_toggle(turn: Turn, off: bool) -> None:
    if turn.resident is None:
        turn.toast("announce.gone")
        return
    await engine.turn_off_announcements(turn.session, turn.resident.id, now=turn.now, off=off)
    turn.toast("announce.off_done" if off else "announce.on_done", alert=True)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    content = filters.TEXT | filters.PHOTO | filters.Document.ALL
    return [
        staff_command(services, "announce", on_announce, "announce"),
        MessageHandler(STAFF_GROUPS & ~filters.COMMAND & ~filters.REPLY & content,
                       wrap(services, staff_gate(on_group_message), "announce_step")),
        CallbackQueryHandler(wrap(services, on_button, "announce_button"), pattern=f"^{FLOW}:"),
    ]
