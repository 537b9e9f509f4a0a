"""/my: a resident follows their suggestions — the list with statuses, each ticket's public
timeline, a follow-up message (also how they reply to a pushed answer), and the rating of a
resolved ticket (满意 / 基本满意 / 不满意, with an optional comment; 不满意 reopens it)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import TRACKING, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, TurnHandler, wrap
from dialogs.resident.suggest.confirm import deadlines_of
from dialogs.resident.suggest.gate import send_to_onboarding
from dialogs.resident.tracking_view import LIST_LIMIT, render_list, render_timeline
from dialogs.staff.notices import tell_staff
from dialogs.ticket_text import due_day, format_day
from storage import lifecycle
from storage.categories import categories_by_code, get_category
from storage.deputies import deputy_names
from storage.models import ActorKind, Satisfaction, Suggestion
from storage.roles import Actor
from storage.ticket_view import get_suggestion

__all__ = ["handlers", "FLOW"]

FLOW = TRACKING
VERDICTS = {"s": Satisfaction.SATISFIED, "b": Satisfaction.BASIC, "u": Satisfaction.UNSATISFIED}


def _actor(turn: Turn) -> Actor | None:
    resident = turn.resident
    if resident is None or resident.forgotten_at is not None:
        return None
    return Actor.resident(resident.id)


async def _own(turn: Turn, suggestion_id: int | None) -> Suggestion | None:
    """The resident's own suggestion by id (from a button: checked, never trusted)."""
    actor = _actor(turn)
    if actor is None or suggestion_id is None:
        return None
    suggestion = await get_suggestion(turn.session, suggestion_id)
    if suggestion is None or not lifecycle.may_view(suggestion, actor):
        return None
    return suggestion


async def on_my(turn: Turn) -> None:
    actor = _actor(turn)
    if actor is None or actor.id is None:
        send_to_onboarding(turn)
        return
    suggestions = await lifecycle.list_for_resident(turn.session, actor.id, limit=LIST_LIMIT)
    codes = {s.category_code for s in suggestions}
    categories = await categories_by_code(turn.session, codes)
    text, markup = render_list(turn, suggestions, categories)
    if turn.in_flow(FLOW):
        turn.clear_state()  # leaving a half-written follow-up or comment
    turn.send(text, markup)


async def on_open(turn: Turn) -> None:
    suggestion = await _own(turn, turn.callback.int_arg(0) if turn.callback else None)
    if suggestion is None:
        await on_stale_button(turn)
        return
    entries = await lifecycle.public_timeline(turn.session, suggestion.id)
    deputy_ids = {e.actor_id for e in entries
                  if e.actor_kind is ActorKind.DEPUTY and e.actor_id is not None}
    names = await deputy_names(turn.session, deputy_ids)
    authors = {e.id: names[e.actor_id] for e in entries
               if e.actor_kind is ActorKind.DEPUTY and e.actor_id in names}
    category = await get_category(turn.session, suggestion.category_code)
    turn.send(*render_timeline(turn, suggestion, category, entries, authors))


async def on_followup_button(turn: Turn) -> None:
    """「补充留言」 on the timeline, or 「回复」 on a pushed answer."""
    suggestion = await _own(turn, turn.callback.int_arg(0) if turn.callback else None)
    if suggestion is None:
        await on_stale_button(turn)
        return
    refused = lifecycle.refusal(suggestion, Actor.resident(suggestion.resident_id or 0),
                                "add_followup")
    if refused is not None:
        turn.send(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        return
    turn.set_state(FLOW, "followup", {"suggestion_id": suggestion.id})
    turn.say("tracking.ask_followup", ticket=suggestion.ticket)


async def on_rate_button(turn: Turn) -> None:
    cb = turn.callback
    suggestion = await _own(turn, cb.int_arg(0) if cb else None)
    verdict = VERDICTS.get(cb.arg(1)) if cb else None
    if suggestion is None or verdict is None:
        await on_stale_button(turn)
        return
    refused = lifecycle.refusal(suggestion, Actor.resident(suggestion.resident_id or 0), "rate")
    if refused is not None:
        turn.send(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        return
    turn.set_state(FLOW, "comment", {"suggestion_id": suggestion.id, "verdict": verdict.value})
    key = "tracking.ask_comment_unsatisfied" if verdict is Satisfaction.UNSATISFIED \
        else "tracking.ask_comment"
    turn.say(key, inline([[(turn.t("tracking.button_no_comment"), encode(FLOW, "ratenow"))]]),
             ticket=suggestion.ticket, verdict=turn.t(f"lifecycle.satisfaction.{verdict.value}"))


async def on_rate_now(turn: Turn) -> None:
    if not turn.in_flow(FLOW, "comment"):
        await on_stale_button(turn)
        return
    await _rate(turn, None)


async def on_message(turn: Turn) -> None:
    """Text while writing a follow-up or a rating comment."""
    msg = turn.update.effective_message
    text = msg.text if msg is not None else None
    step = turn.state.step if turn.state is not None else ""
    if not text:
        turn.say("tracking.text_only")
        return
    if step == "comment":
        await _rate(turn, text)
    elif step == "followup":
        await _followup(turn, text)
    else:
        turn.clear_state()
        turn.say("tracking.lost")


async def _followup(turn: Turn, text: str) -> None:
    suggestion = await _own(turn, _int(turn.data.get("suggestion_id")))
    actor = _actor(turn)
    if suggestion is None or actor is None:
        turn.clear_state()
        turn.say("tracking.lost")
        return
    try:
        await lifecycle.add_followup(turn.session, suggestion, actor, now=turn.now, text=text)
    except lifecycle.LifecycleError as refused:  # too long, or the ticket is closed meanwhile
        turn.send(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        if refused.key != "lifecycle.error.text_too_long":
            turn.clear_state()
        return
    await tell_staff(turn, suggestion, "followup", text=text.strip())
    turn.clear_state()
    turn.say("tracking.followup_added", _timeline_button(turn, suggestion.id),
             ticket=suggestion.ticket)


async def _rate(turn: Turn, comment: str | None) -> None:
    suggestion = await _own(turn, _int(turn.data.get("suggestion_id")))
    actor = _actor(turn)
    verdict = str(turn.data.get("verdict") or "")
    if suggestion is None or actor is None or verdict not in {v.value for v in Satisfaction}:
        turn.clear_state()
        turn.say("tracking.lost")
        return
    try:
        await lifecycle.rate(turn.session, suggestion, actor, now=turn.now, satisfaction=verdict,
                             comment=comment, deadlines=deadlines_of(turn))
    except lifecycle.LifecycleError as refused:
        turn.send(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        if refused.key != "lifecycle.error.text_too_long":
            turn.clear_state()
        return
    await tell_staff(turn, suggestion, "rating", text=comment, verdict=verdict)
    turn.clear_state()
    if suggestion.satisfaction is Satisfaction.UNSATISFIED:
        due = format_day(turn.locale, due_day(suggestion.resolution_due, turn.config.tz))
        turn.say("tracking.reopened", _timeline_button(turn, suggestion.id),
                 ticket=suggestion.ticket, due=due)
    else:
        turn.say("tracking.thanks", _timeline_button(turn, suggestion.id),
                 ticket=suggestion.ticket)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _timeline_button(turn: Turn, suggestion_id: int) -> InlineKeyboardMarkup:
    return inline([[(turn.t("tracking.button_timeline"), encode(FLOW, "open", suggestion_id))],
                   [(turn.t("tracking.button_back"), encode(FLOW, "list"))]])


_ACTIONS: dict[str, TurnHandler] = {
    "list": on_my,
    "open": on_open,
    "add": on_followup_button,
    "reply": on_followup_button,
    "rate": on_rate_button,
    "ratenow": on_rate_now,
}


async def on_button(turn: Turn) -> None:
    handler = _ACTIONS.get(turn.callback.action) if turn.callback else None
    await (handler or on_stale_button)(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(FLOW, on_message)
    return [
        CommandHandler("my", wrap(services, on_my, "my"), filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(wrap(services, on_button, "tracking"), pattern=f"^{FLOW}:"),
    ]
