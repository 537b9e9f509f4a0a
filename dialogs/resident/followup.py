"""回访 "was it really fixed?": some days (``JIAZHAN_FOLLOWUP_DAYS``) after a suggestion was
resolved its resident is asked once 「问题还解决着吗？」 with two buttons. "Still fixed" is
recorded; "came back" asks for a few optional words and reopens the suggestion for its handler
(staff are told beside the card, the card is refreshed). Never during quiet hours."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import FOLLOWUP, TRACKING, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, TurnHandler, wrap
from dialogs.resident.suggest.confirm import deadlines_of
from dialogs.staff.card import refresh_card
from dialogs.staff.notices import tell_staff
from dialogs.ticket_text import category_name, clip, due_day, format_day
from locales import t
from storage import lifecycle, outbox
from storage.broadcasts import in_quiet_hours
from storage.categories import categories_by_code
from storage.followup import claim, due_followups
from storage.models import OutboxPurpose, Suggestion
from storage.roles import Actor
from storage.ticket_view import get_suggestion

__all__ = ["handlers", "jobs", "ask_due", "FLOW", "question_markup"]

FLOW = FOLLOWUP
_QUOTE = 60  # characters of the resident's own words shown back to them in the question


def question_markup(suggestion_id: int, locale: str) -> InlineKeyboardMarkup:
    return inline([[(t(locale, "followup.button_fixed"), encode(FLOW, "ok", suggestion_id)),
                    (t(locale, "followup.button_back"), encode(FLOW, "back", suggestion_id))]])


async def ask_due(services: Services) -> int:
    """Ask every resident whose suggestion is due for the question now (none in quiet hours).
    Each is claimed in the same transaction as its message: asked once, whoever runs this."""
    config = services.config
    now = services.clock()
    if in_quiet_hours(now, config.tz):
        return 0
    asked = 0
    async with services.db.unit_of_work() as session:
        due = await due_followups(session, now, days=config.followup_days)
        suggestions = {d.suggestion_id: await get_suggestion(session, d.suggestion_id)
                       for d in due}
        categories = await categories_by_code(
            session, {s.category_code for s in suggestions.values() if s is not None})
        for item in due:
            suggestion = suggestions[item.suggestion_id]
            if suggestion is None or not await claim(session, item.suggestion_id, now):
                continue
            locale = item.locale
            text = t(locale, "followup.ask", ticket=item.ticket,
                     category=escape(category_name(categories.get(suggestion.category_code),
                                                   locale)),
                     text=escape(clip(suggestion.text or "", _QUOTE)))
            payload = {"chat_id": item.chat_id, "text": text, "parse_mode": "HTML",
                       "reply_markup": question_markup(item.suggestion_id, locale).to_dict()}
            row = await outbox.enqueue(session, chat_id=item.chat_id, method="sendMessage",
                                       payload=payload, purpose=OutboxPurpose.FOLLOWUP,
                                       suggestion_id=item.suggestion_id,
                                       resident_id=item.resident_id, now=now)
            asked += row is not None
    return asked


async def _own(turn: Turn, suggestion_id: int | None) -> tuple[Suggestion, Actor] | None:
    """The resident's own suggestion by id (from a button: checked, never trusted)."""
    resident = turn.resident
    if resident is None or resident.forgotten_at is not None or suggestion_id is None:
        return None
    actor = Actor.resident(resident.id)
    suggestion = await get_suggestion(turn.session, suggestion_id)
    if suggestion is None or not lifecycle.may_view(suggestion, actor):
        return None
    return suggestion, actor


def _timeline_button(turn: Turn, suggestion_id: int) -> InlineKeyboardMarkup:
    return inline([[(turn.t("tracking.button_timeline"), encode(TRACKING, "open", suggestion_id))]])


async def on_fixed(turn: Turn) -> None:
    found = await _own(turn, turn.callback.int_arg(0) if turn.callback else None)
    if found is None:
        await on_stale_button(turn)
        return
    suggestion, actor = found
    try:
        await lifecycle.confirm_fixed(turn.session, suggestion, actor, now=turn.now)
    except lifecycle.LifecycleError as refused:
        turn.edit(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        return
    await refresh_card(turn.session, turn.config, suggestion.id, turn.now)
    turn.clear_state()
    turn.edit(turn.t("followup.thanks_fixed", ticket=suggestion.ticket),
              _timeline_button(turn, suggestion.id))


async def on_came_back(turn: Turn) -> None:
    found = await _own(turn, turn.callback.int_arg(0) if turn.callback else None)
    if found is None:
        await on_stale_button(turn)
        return
    suggestion, actor = found
    refused = lifecycle.refusal(suggestion, actor, "followup_came_back")
    if refused is None and suggestion.followup_answer is not None:
        refused = lifecycle.LifecycleError("followup_answered", ticket=suggestion.ticket)
    if refused is not None:
        turn.edit(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        return
    turn.set_state(FLOW, "comment", {"suggestion_id": suggestion.id})
    turn.edit(turn.t("followup.ask_comment", ticket=suggestion.ticket),
              inline([[(turn.t("followup.button_no_comment"), encode(FLOW, "now"))]]))


async def on_no_comment(turn: Turn) -> None:
    if not turn.in_flow(FLOW, "comment"):
        await on_stale_button(turn)
        return
    await _reopen(turn, None)


async def on_message(turn: Turn) -> None:
    """Text while telling what came back."""
    if not turn.in_flow(FLOW, "comment"):
        turn.clear_state()
        turn.say("tracking.lost")
        return
    text = turn.message_text
    if not text.strip():
        turn.say("tracking.text_only")
        return
    await _reopen(turn, text)


async def _reopen(turn: Turn, comment: str | None) -> None:
    suggestion_id = turn.data.get("suggestion_id")
    found = await _own(turn, suggestion_id if isinstance(suggestion_id, int) else None)
    if found is None:
        turn.clear_state()
        turn.say("tracking.lost")
        return
    suggestion, actor = found
    try:
        await lifecycle.came_back(turn.session, suggestion, actor, now=turn.now, comment=comment,
                                  deadlines=deadlines_of(turn))
    except lifecycle.LifecycleError as refused:
        turn.send(refused.render(turn.locale), _timeline_button(turn, suggestion.id))
        if refused.key != "lifecycle.error.text_too_long":
            turn.clear_state()
        return
    await tell_staff(turn, suggestion, "followup_came_back", text=(comment or "").strip() or None)
    turn.clear_state()
    due = format_day(turn.locale, due_day(suggestion.resolution_due, turn.config.tz))
    turn.say("followup.reopened", _timeline_button(turn, suggestion.id),
             ticket=suggestion.ticket, due=due)


_ACTIONS: dict[str, TurnHandler] = {"ok": on_fixed, "back": on_came_back, "now": on_no_comment}


async def on_button(turn: Turn) -> None:
    handler = _ACTIONS.get(turn.callback.action) if turn.callback else None
    await (handler or on_stale_button)(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(FLOW, on_message)
    return [CallbackQueryHandler(wrap(services, on_button, "followup"), pattern=f"^{FLOW}:")]


def jobs(services: Services) -> list[Job]:
    async def ask() -> None:
        await ask_due(services)

    return [Job("followup_questions", 300.0, ask)]  # a few minutes late is on time
