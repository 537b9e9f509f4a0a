"""Replying to a staff card in the staff group.

* plain text: an answer to the resident, who receives it signed by the station;
* text starting with ``!``, or ``/note text``: an internal note, never shown to the resident;
* ``/assign name``, ``/dup ticket``, ``/reject reason``, ``/hotline number``,
  ``/resolve [closing words]``, ``/tpl template``: the card's actions that need words.

Only staff replies count: anyone else's reply is politely refused and changes nothing. A reply to
any bot message about a ticket (its card, a follow-up notice, a rating, its photos) counts as a
reply to the card; replies to other messages are ordinary group chat and ignored.
"""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from dialogs.forwarded import forward_marks, remember_forward
from dialogs.kernel.callbacks import encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff.card import FLOW
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import STAFF_GROUPS, staff_command, staff_gate
from dialogs.ticket_actions import Inputs, run_action
from dialogs.ticket_text import format_day
from storage.answer_templates import fill_template, get_template
from storage.assignees import find_deputies
from storage.deputies import deputy_name
from storage.lifecycle import LifecycleError
from storage.models import Suggestion
from storage.residents import resident_locale
from storage.roles import Actor
from storage.staff_chats import chat_serves_suggestion
from storage.ticket_messages import ticket_named_in, ticket_of_message
from storage.ticket_view import load_ticket_view

__all__ = ["handlers", "replied_card", "NOTE_PREFIXES"]

NOTE_PREFIXES = ("!", "！")
# command -> (lifecycle action, whether words are required)
_COMMANDS = {
    "note": ("note", True),
    "dup": ("mark_duplicate", True),
    "reject": ("reject", True),
    "hotline": ("set_hotline", True),
    "resolve": ("resolve", False),
    "assign": ("assign", True),
    "tpl": ("reply", True),
}


async def replied_card(turn: Turn) -> Suggestion | None:
    """The suggestion this message replies to: its card, or any other bot message about it (a
    follow-up notice, a rating, its photos), so a reply to any of them acts like one to the card."""
    message = turn.update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is None or message is None:
        return None
    found = await ticket_of_message(turn.session, message.chat.id, replied.message_id)
    author = replied.from_user
    ours = author is not None and author.is_bot and author.username == turn.config.bot_username
    if found is None and ours:
        found = await ticket_named_in(turn.session, replied.text or replied.caption or "")
    return found


def _words(turn: Turn) -> str:
    """What follows the command (``/dup 2026-000001`` → ``2026-000001``)."""
    parts = turn.message_text.split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


async def _gate(turn: Turn) -> tuple[Actor, Suggestion] | None:
    """Staff replying to a card, or a polite word and None."""
    group_locale(turn)
    suggestion = await replied_card(turn)
    actor = await staff_of(turn)
    if actor is None:
        if suggestion is not None:
            turn.say("triage.not_staff_reply")
        return None
    if suggestion is None:
        turn.say("triage.need_card")
        return None
    if not await chat_serves_suggestion(turn.session, turn.chat_id, suggestion,
                                        turn.config.staff_chat_id):
        turn.say("staff_chats.not_yours")
        return None
    return actor, suggestion


async def on_card_reply(turn: Turn) -> None:
    """A reply to the card: answer the resident, or note internally with a leading ``!``."""
    group_locale(turn)
    if await replied_card(turn) is None:
        return  # ordinary conversation in the group
    gate = await _gate(turn)
    if gate is None:
        return
    actor, suggestion = gate
    text = turn.message_text.strip()
    marks = await forward_marks(turn.session)
    if text.startswith(NOTE_PREFIXES):
        await _act(turn, actor, suggestion, "note", Inputs(text=text[1:].strip()))
    else:
        await _act(turn, actor, suggestion, "reply", Inputs(text=text))
    # An edit of this message will follow it to the timeline and the resident's copy.
    await remember_forward(turn.session, turn.update, suggestion.id, marks)


async def _act(
    turn: Turn, actor: Actor, suggestion: Suggestion, action: str, inputs: Inputs
) -> None:
    try:
        done = await run_action(turn.session, turn.config, actor, suggestion.id, action, inputs,
                                turn.now)
    except LifecycleError as err:
        turn.send(err.render(turn.locale))
        return
    if action == "assign":
        name, linked = await deputy_name(turn.session, done.assignee_deputy_id)
        turn.say("triage.done.assigned" if linked else "triage.done.assigned_unlinked",
                 name=escape(name), ticket=done.ticket)
    elif action == "reply":
        view = await load_ticket_view(turn.session, done.id)
        turn.say("triage.replied", ticket=done.ticket,
                 station=escape(view.station_name if view is not None else ""))
    elif action == "note":
        turn.say("triage.noted", ticket=done.ticket)
    else:
        turn.say("triage.done.action", action=turn.t(f"lifecycle.action.{action}"),
                 ticket=done.ticket)


async def _assign_by_name(turn: Turn, actor: Actor, suggestion: Suggestion, query: str) -> None:
    found = list(await find_deputies(turn.session, query))
    if not found:
        turn.say("triage.search_none", query=escape(query[:32]))
    elif len(found) == 1:
        await _act(turn, actor, suggestion, "assign", Inputs(deputy_id=found[0].id))
    else:
        rows = [[(turn.t("triage.deputy_label" if d.telegram_user_id else "triage.deputy_unlinked",
                         name=d.name), encode(FLOW, "ad", suggestion.id, d.id))] for d in found]
        turn.say("triage.search_pick", inline(rows), ticket=suggestion.ticket,
                 query=escape(query[:32]))


async def _template_text(turn: Turn, suggestion: Suggestion, name: str) -> str | None:
    template = await get_template(turn.session, name)
    if template is None:
        turn.say("triage.tpl_missing", name=escape(name[:32]))
        return None
    locale = await resident_locale(turn.session, suggestion.resident_id) or turn.locale
    view = await load_ticket_view(turn.session, suggestion.id)
    assert view is not None
    fields = {
        "ticket": suggestion.ticket,
        "station": view.station_name,
        "category": view.category(locale),
        "date": format_day(locale, suggestion.created_at.astimezone(turn.config.tz).date()),
    }
    return fill_template(template.text, fields)


def _command_of(turn: Turn) -> str:
    first = turn.message_text.split(maxsplit=1)[0] if turn.message_text else ""
    return first.lstrip("/").split("@")[0].lower()


async def on_card_command(turn: Turn) -> None:
    command = _command_of(turn)
    gate = await _gate(turn)
    if gate is None or command not in _COMMANDS:
        return
    actor, suggestion = gate
    action, needs_words = _COMMANDS[command]
    words = _words(turn)
    if needs_words and not words:
        turn.say(f"triage.usage.{command}")
        return
    if command == "assign":
        await _assign_by_name(turn, actor, suggestion, words)
    elif command == "tpl":
        text = await _template_text(turn, suggestion, words)
        if text is not None:
            await _act(turn, actor, suggestion, "reply", Inputs(text=text))
    elif action in ("mark_duplicate", "reject", "set_hotline", "note", "resolve"):
        await _act(turn, actor, suggestion, action, Inputs(text=words or None))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    in_group = STAFF_GROUPS  # the default staff group and groups bound to an area
    return [
        staff_command(services, list(_COMMANDS), on_card_command, "card_command"),
        MessageHandler(in_group & filters.REPLY & filters.TEXT & ~filters.COMMAND,
                       wrap(services, staff_gate(on_card_reply), "card_reply")),
    ]
