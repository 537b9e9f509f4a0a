"""The deputy's inbox in their private chat: /inbox lists their open tickets, oldest deadline
first; each ticket offers reply, ask the resident for more, hand back to staff, mark resolved.

Who is a deputy is looked up server-side on every update (a linked Telegram account, see
:mod:`.invitations`); a deputy sees and handles only tickets assigned to them: anything else is
refused without saying what the ticket is about. Typed answers are a dialog step kept in the
database (flow ``inbox``), so they survive restarts.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.deputy.ticket import FLOW, deputy_buttons, media_calls, render_for_deputy
from dialogs.everyone import on_stale_button
from dialogs.forwarded import forward_marks, remember_forward
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Reply, Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.ticket_actions import Inputs, run_action
from dialogs.ticket_text import format_due
from locales import t
from storage.deputies import deputy_name
from storage.lifecycle import TRANSITIONS, LifecycleError, list_for_deputy
from storage.models import OutboxPurpose, Suggestion
from storage.roles import Actor, deputy_actor
from storage.ticket_view import (
    current_deadline,
    get_suggestion,
    is_overdue,
    load_ticket_view,
    public_lines,
    ticket_attachments,
)

__all__ = ["handlers", "STATE_FLOW", "MAX_LISTED"]

STATE_FLOW = "inbox"
MAX_LISTED = 20
PRIVATE = filters.ChatType.PRIVATE
# button action -> (dialog step / lifecycle action, prompt key)
_STEPS = {
    "rp": ("reply", "inbox.prompt.reply"),
    "in": ("request_info", "inbox.prompt.info"),
    "hb": ("hand_back", "inbox.prompt.back"),
    "rs": ("resolve", "inbox.prompt.resolve"),
}


async def on_inbox(turn: Turn) -> None:
    actor = await deputy_actor(turn.session, turn.user_id)
    if actor is None or actor.id is None:
        turn.say("inbox.not_deputy")
        return
    tickets = await list_for_deputy(turn.session, actor.id, limit=MAX_LISTED)
    if not tickets:
        turn.say("inbox.empty")
        return
    lines, rows = [], []
    for suggestion in tickets:
        kind, due = current_deadline(suggestion)
        lines.append(turn.t(
            "inbox.line", ticket=suggestion.ticket, status=turn.t(f"lifecycle.status.{suggestion.status.value}"),
            which=turn.t(f"triage.deadline.{kind}"), due=format_due(due, turn.config.tz),
            overdue=turn.t("triage.card.overdue") if is_overdue(suggestion, turn.now) else ""))
        rows.append([(turn.t("inbox.button.open", ticket=suggestion.ticket), encode(FLOW, "op", suggestion.id))])
    turn.say("inbox.list", inline(rows), count=len(tickets), lines="\n".join(lines))


async def _deputy_and_ticket(turn: Turn, sid: int | None) -> tuple[Actor, Suggestion] | None:
    """The deputy pressing and the ticket, if it is theirs; otherwise a polite alert."""
    actor = await deputy_actor(turn.session, turn.user_id)
    if actor is None:
        turn.toast("inbox.not_deputy", alert=True)
        return None
    suggestion = await get_suggestion(turn.session, sid)
    if suggestion is None:
        await on_stale_button(turn)
        return None
    if suggestion.assignee_deputy_id != actor.id:
        turn.replies.append(_alert(LifecycleError("not_assigned_to_you", ticket=suggestion.ticket)
                                   .render(turn.locale)))
        return None
    return actor, suggestion


def _alert(text: str) -> Reply:
    """An alert with a rendered text (answerCallbackQuery allows 200 characters)."""
    return Reply("toast", text=text[:190], alert=True)


async def _show(turn: Turn, suggestion: Suggestion) -> None:
    view = await load_ticket_view(turn.session, suggestion.id)
    assert view is not None
    lines = await public_lines(turn.session, suggestion.id)
    turn.send(render_for_deputy(view, turn.locale, turn.config, turn.now, "open", lines),
              deputy_buttons(view, turn.locale))


async def _send_attachments(turn: Turn, suggestion: Suggestion) -> None:
    """The ticket's photos and voice messages, sent again to the deputy (through the outbox,
    which keeps to the chat's pace)."""
    attachments = await ticket_attachments(turn.session, suggestion.id)
    if not attachments:
        turn.toast("inbox.no_attachments", alert=True)
        return
    caption = turn.t("inbox.media_caption", ticket=suggestion.ticket)
    for method, call in media_calls(attachments, turn.chat_id, caption):
        await turn.enqueue(turn.chat_id, method, call, purpose=OutboxPurpose.DEPUTY_MEDIA,
                           suggestion_id=suggestion.id)
    turn.toast("inbox.attachments_coming", count=len(attachments))


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    found = await _deputy_and_ticket(turn, cb.int_arg(0) if cb is not None else None)
    if cb is None or found is None:
        return
    actor, suggestion = found
    if cb.action == "op":
        await _show(turn, suggestion)
        return
    if cb.action == "at":
        await _send_attachments(turn, suggestion)
        return
    if cb.action == "rn":  # resolve without a closing word
        await _finish(turn, actor, suggestion.id, "resolve", None)
        return
    if cb.action not in _STEPS:
        await on_stale_button(turn)
        return
    step, prompt = _STEPS[cb.action]
    if suggestion.status not in TRANSITIONS[step].sources:
        turn.replies.append(_alert(LifecycleError(
            "not_allowed", ticket=suggestion.ticket, action=step, status=suggestion.status,
        ).render(turn.locale)))
        return
    turn.set_state(STATE_FLOW, step, {"sid": suggestion.id})
    markup = None
    if step == "resolve":
        markup = inline([[(turn.t("inbox.button.resolve_now"), encode(FLOW, "rn", suggestion.id))]])
    turn.say(prompt, markup, ticket=suggestion.ticket)


async def _finish(turn: Turn, actor: Actor, sid: int, action: str, text: str | None) -> bool:
    """Do the deputy's action; True when done (the dialog step is over)."""
    marks = await forward_marks(turn.session)
    try:
        done = await run_action(turn.session, turn.config, actor, sid, action, Inputs(text=text),
                                turn.now)
    except LifecycleError as err:
        turn.send(err.render(turn.locale))
        return err.key not in ("lifecycle.error.empty_text", "lifecycle.error.text_too_long")
    if text and action != "hand_back":  # an edit of the typed answer follows it to the resident
        await remember_forward(turn.session, turn.update, sid, marks)
    if action == "hand_back":
        await _tell_staff_handed_back(turn, actor, done, text or "")
    turn.clear_state()
    rows = [[(turn.t("inbox.button.inbox"), encode(FLOW, "ls", 0))]]
    turn.say(f"inbox.done.{action}", inline(rows), ticket=done.ticket)
    return True


async def _tell_staff_handed_back(turn: Turn, actor: Actor, suggestion: Suggestion, reason: str) -> None:
    # Beside the card, in the group that has it (a bound group's card too), else the default.
    chat_id = suggestion.card_chat_id or turn.config.staff_chat_id
    if chat_id is None or actor.id is None:
        return
    name, _ = await deputy_name(turn.session, actor.id)
    text = t(turn.config.default_locale, "triage.handed_back", ticket=suggestion.ticket,
             name=escape(name), reason=escape(reason))
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if suggestion.card_message_id is not None and suggestion.card_chat_id == chat_id:
        payload["reply_parameters"] = {"message_id": suggestion.card_message_id,
                                       "allow_sending_without_reply": True}
        if suggestion.card_thread_id is not None:
            payload["message_thread_id"] = suggestion.card_thread_id
    await turn.enqueue(chat_id, "sendMessage", payload, purpose=OutboxPurpose.STAFF_NOTICE,
                       suggestion_id=suggestion.id)


async def on_text(turn: Turn) -> None:
    """The typed answer of an inbox step (reply, request_info, hand_back, resolve)."""
    step = turn.state.step if turn.state is not None else ""
    sid = turn.data.get("sid")
    actor = await deputy_actor(turn.session, turn.user_id)
    if actor is None or not isinstance(sid, int) or step not in {s for s, _ in _STEPS.values()}:
        turn.clear_state()
        turn.say("inbox.not_deputy" if actor is None else "inbox.step_lost")
        return
    text = turn.message_text.strip()
    if not text:
        turn.say("inbox.text_only")
        return
    await _finish(turn, actor, sid, step, text)


async def on_router(turn: Turn) -> None:
    cb = turn.callback
    if cb is not None and cb.action == "ls":
        await on_inbox(turn)
    else:
        await on_button(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    dispatcher.on_message(STATE_FLOW, on_text)
    return [
        CommandHandler("inbox", wrap(services, on_inbox, "inbox"), filters=PRIVATE),
        CallbackQueryHandler(wrap(services, on_router, "inbox_button"), pattern=f"^{FLOW}:"),
    ]
