"""``/evaluate`` in a staff group: voters' 评议 of a deputy's annual report.

``/evaluate`` lists the group's evaluations (open and closed, with results) and offers a new one;
``/evaluate <code or name>`` starts one for that deputy at once. Then: the deputy → a preview
(exactly what one resident receives, then the deputy's stations, the period — last year by
default —, the summary drafted from the deputy's figures, the closing time — 14 days by default
— and how many residents will be asked), each of which staff may change → confirm. A group
bound to an area (``/bind``) evaluates only deputies of its stations; the default staff group
any. Text is asked with a prompt staff answer by replying (its text starts with 🗳✍️); the step
lives in the dialog state (``ev``), so a restart loses nothing.

Callback data ``ev:<action>``: ``n`` new, ``p``/``s``/``c`` ask for the period, summary,
closing time, ``ok`` open it, ``x`` discard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import ForceReply, Message
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from dialogs.kernel.callbacks import EVALUATION as FLOW
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff import evaluation_render as render
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import STAFF_GROUPS, staff_area_of, staff_command, staff_gate
from storage import evaluations as store
from storage.assignees import find_deputies
from storage.deputies import get_deputy
from storage.models import OutboxPurpose
from storage.staff_chats import area_station_ids

__all__ = ["handlers", "jobs", "FLOW", "PROMPT_MARK", "EvaluationPrompt"]

PROMPT_MARK = "🗳✍️"
DEFAULT_DAYS = 14
_ASK = {"p": ("period", "evaluation.ask_period"), "s": ("summary", "evaluation.ask_summary"),
        "c": ("closes", "evaluation.ask_closes")}
_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"


class EvaluationPrompt(filters.MessageFilter):
    """A reply to one of our evaluation prompts (a bot message starting with 🗳✍️)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (replied is not None and replied.from_user is not None and replied.from_user.is_bot
                and (replied.text or "").startswith(PROMPT_MARK))


def _prompt(turn: Turn, key: str, /, **fields: object) -> None:
    turn.send(f"{PROMPT_MARK} " + turn.t(key, **fields),
              ForceReply(selective=True, input_field_placeholder=turn.t("evaluation.reply_here")))


async def _group_stations(turn: Turn) -> list[int] | None:
    """The stations this staff group serves (None: all, the default staff group)."""
    area = await staff_area_of(turn)
    if area is None:
        return []
    ids = await area_station_ids(turn.session, area)
    return None if ids is None else sorted(ids)


# ---- /evaluate ------------------------------------------------------------------------------
async def on_evaluate(turn: Turn) -> None:
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    parts = turn.message_text.split(maxsplit=1)
    if len(parts) > 1:
        turn.set_state(FLOW, "deputy", {"chat": turn.chat_id})
        await _take_deputy(turn, parts[1])
        return
    lines = await render.list_lines(turn.session, turn.locale, turn.config.tz,
                                    await _group_stations(turn))
    text = turn.t("evaluation.list_head") + "\n\n" + (
        "\n".join(lines) or turn.t("evaluation.list_none"))
    turn.send(text, inline([[(turn.t("evaluation.btn_new"), encode(FLOW, "n"))]]))


async def _take_deputy(turn: Turn, ref: str) -> None:
    found = await find_deputies(turn.session, ref)
    if not found:
        _prompt(turn, "evaluation.deputy_unknown", name=escape(ref.strip()[:64]))
        return
    if len(found) > 1:
        names = "\n".join(turn.t("evaluation.deputy_line", code=escape(d.code), name=escape(d.name))
                          for d in found)
        _prompt(turn, "evaluation.deputy_several", name=escape(ref.strip()[:64]), names=names)
        return
    deputy = found[0]
    within = await _group_stations(turn)
    stations = await store.deputy_station_ids(turn.session, deputy.id, within)
    if not stations:
        anywhere = within is not None and await store.deputy_station_ids(turn.session, deputy.id)
        turn.clear_state()
        turn.say("evaluation.outside" if anywhere else "evaluation.no_stations",
                 name=escape(deputy.name))
        return
    first, last = store.default_period(turn.now.astimezone(turn.config.tz).date())
    closes = _end_of_day(turn.now.astimezone(turn.config.tz).date() + timedelta(days=DEFAULT_DAYS),
                         turn)
    data = {"chat": turn.chat_id, "dep": deputy.id, "stations": stations,
            "from": first.isoformat(), "to": last.isoformat(), "closes": closes.isoformat()}
    await _redraft(turn, data)
    await _preview(turn, data)


def _end_of_day(day: date, turn: Turn) -> datetime:
    return datetime.combine(day, time(23, 59, 59), turn.config.tz)


async def _redraft(turn: Turn, data: dict[str, Any]) -> None:
    deputy = await get_deputy(turn.session, int(data["dep"]))
    data["summary"], data["summary_en"] = await render.draft_summary(
        turn.session, deputy_id=int(data["dep"]), deputy=deputy.name if deputy else "",
        station_ids=list(data["stations"]), first=date.fromisoformat(data["from"]),
        last=date.fromisoformat(data["to"]), tz=turn.config.tz, now=turn.now)


async def _renderer(turn: Turn, data: dict[str, Any]
                    ) -> Callable[[int], dict[str, dict[str, Any]]]:
    """What one resident receives, for an evaluation id (known only once it is opened)."""
    deputy = await get_deputy(turn.session, int(data["dep"]))
    stations = await store.station_names(turn.session, list(data["stations"]))

    def payloads(evaluation_id: int) -> dict[str, dict[str, Any]]:
        return render.ask_payloads(
            evaluation_id, deputy=deputy.name if deputy else "", stations=stations,
            first=date.fromisoformat(data["from"]), last=date.fromisoformat(data["to"]),
            summary=str(data["summary"]), summary_en=data.get("summary_en"),
            closes_at=datetime.fromisoformat(data["closes"]), tz=turn.config.tz)

    return payloads


async def _preview(turn: Turn, data: dict[str, Any]) -> None:
    """Exactly what one resident receives (its buttons do nothing here), then the summary card;
    both through the outbox so that they keep their order."""
    first = (await _renderer(turn, data))(0)["zh" if turn.locale == "zh" else "en"]
    await turn.enqueue(turn.chat_id, first["method"], {**first["params"], "chat_id": turn.chat_id},
                       purpose=OutboxPurpose.BROADCAST_PREVIEW)
    turn.set_state(FLOW, "preview", data)
    deputy = await get_deputy(turn.session, int(data["dep"]))
    names = await store.station_names(turn.session, list(data["stations"]))
    text = turn.t("evaluation.preview", deputy=escape(deputy.name if deputy else ""),
                  stations=escape("、".join(names)),
                  period=render.period_text(turn.locale, date.fromisoformat(data["from"]),
                                            date.fromisoformat(data["to"])),
                  closes=render.stamp(datetime.fromisoformat(data["closes"]), turn.config.tz),
                  count=await store.count_asked(turn.session, list(data["stations"])))
    markup = inline([
        [(turn.t("evaluation.btn_open"), encode(FLOW, "ok"))],
        [(turn.t("evaluation.btn_period"), encode(FLOW, "p")),
         (turn.t("evaluation.btn_summary"), encode(FLOW, "s"))],
        [(turn.t("evaluation.btn_closes"), encode(FLOW, "c")),
         (turn.t("evaluation.btn_cancel"), encode(FLOW, "x"))],
    ])
    await turn.enqueue(turn.chat_id, "sendMessage", {
        "chat_id": turn.chat_id, "text": text, "parse_mode": "HTML",
        "reply_markup": markup.to_dict()}, purpose=OutboxPurpose.BROADCAST_PREVIEW)


# ---- replies to prompts ---------------------------------------------------------------------
def _parse_period(text: str) -> tuple[date, date] | None:
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return (date(year, 1, 1), date(year, 12, 31)) if 2000 <= year <= 2100 else None
    found = re.findall(_DATE, text)
    if len(found) != 2:
        return None
    try:
        first, last = (date(int(y), int(m), int(d)) for y, m, d in found)
    except ValueError:
        return None
    return (first, last) if first <= last else None


def _parse_closing(text: str, turn: Turn) -> datetime | None:
    text = text.strip()
    try:
        if re.fullmatch(_DATE, text):
            return _end_of_day(date.fromisoformat("-".join(
                f"{int(p):02d}" for p in text.split("-"))), turn)
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=turn.config.tz)
    except ValueError:
        return None


async def on_reply(turn: Turn) -> None:
    """A reply to one of our prompts: the step in the dialog state says what it answers."""
    group_locale(turn)
    if await staff_of(turn) is None:
        return
    if not turn.in_flow(FLOW) or turn.data.get("chat") != turn.chat_id:
        turn.say("evaluation.no_question")
        return
    step, data, text = turn.state.step if turn.state else "", turn.data, turn.message_text
    if step == "deputy":
        await _take_deputy(turn, text)
    elif step == "period":
        period = _parse_period(text)
        if period is None:
            _prompt(turn, "evaluation.bad_period")
            return
        data["from"], data["to"] = period[0].isoformat(), period[1].isoformat()
        if not data.get("own"):
            await _redraft(turn, data)
        await _preview(turn, data)
    elif step == "summary":
        summary = text.strip()
        if not summary or len(summary) > store.SUMMARY_LIMIT:
            _prompt(turn, "evaluation.bad_summary", limit=store.SUMMARY_LIMIT)
            return
        data.update(summary=summary, summary_en=None, own=True)
        await _preview(turn, data)
    elif step == "closes":
        closes = _parse_closing(text, turn)
        if closes is None or closes <= turn.now:
            _prompt(turn, "evaluation.bad_closing")
            return
        data["closes"] = closes.isoformat()
        await _preview(turn, data)
    else:
        turn.say("evaluation.no_question")


# ---- buttons --------------------------------------------------------------------------------
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None:
        return
    group_locale(turn)
    actor = await staff_of(turn)
    if actor is None:
        turn.toast("triage.not_staff", alert=True)
        return
    if cb.action == "n":
        turn.set_state(FLOW, "deputy", {"chat": turn.chat_id})
        _prompt(turn, "evaluation.ask_deputy")
        return
    if not turn.in_flow(FLOW) or turn.data.get("chat") != turn.chat_id or "dep" not in turn.data:
        turn.toast("evaluation.gone", alert=True)
        return
    data = turn.data
    if cb.action == "x":
        turn.clear_state()
        turn.edit(turn.t("evaluation.dropped"))
    elif cb.action in _ASK:
        step, key = _ASK[cb.action]
        turn.set_state(FLOW, step, data)
        _prompt(turn, key, limit=store.SUMMARY_LIMIT)
    elif cb.action == "ok":
        await _open(turn, data, actor)


async def _open(turn: Turn, data: dict[str, Any], actor: Any) -> None:
    payloads = await _renderer(turn, data)
    closes = datetime.fromisoformat(data["closes"])
    try:
        evaluation = await store.open_evaluation(
            turn.session, deputy_id=int(data["dep"]),
            period=(date.fromisoformat(data["from"]), date.fromisoformat(data["to"])),
            station_ids=list(data["stations"]), summary=str(data["summary"]),
            summary_en=data.get("summary_en"), closes_at=closes,
            render=lambda ev: payloads(ev.id), actor=actor, opened_by=turn.user_id,
            chat_id=turn.chat_id, now=turn.now)
    except store.EvaluationError as error:
        turn.toast(error.key, alert=True, **error.fields)
        return
    turn.clear_state()
    deputy = await get_deputy(turn.session, evaluation.deputy_id)
    turn.edit(turn.t("evaluation.opened", id=evaluation.id,
                     deputy=escape(deputy.name if deputy else ""), count=evaluation.asked,
                     closes=render.stamp(closes, turn.config.tz)))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        staff_command(services, "evaluate", on_evaluate, "evaluate"),
        MessageHandler(STAFF_GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND
                       & EvaluationPrompt(), wrap(services, staff_gate(on_reply),
                                                  "evaluate_reply")),
        CallbackQueryHandler(wrap(services, on_button, "evaluate_button"), pattern=f"^{FLOW}:"),
    ]


def jobs(services: Services) -> list[Job]:
    return render.jobs(services)
