"""Edited messages are never new messages.

Telegram lets people edit what they sent for 48 hours, and tells the bot with an
``edited_message`` update. Every other handler would read that as a fresh message (a second
answer to the resident, a second follow-up), so this flow is tried first and takes every edit:

* a staff member's answer to a card, or a deputy's typed answer, that was passed on to the
  resident: the ticket's timeline gets the new words and the resident's copy is edited in place,
  marked 「（已修改）」/"(edited)" (rewritten unmarked if it had not been sent yet); the author is
  told in one line. An internal note is corrected in the timeline the same way.
* anything else already acted on (a resident's suggestion text or follow-up, an address, a
  command): one sentence saying edits are not passed on — never a second answer;
* a live location moving, an edit without words, or ordinary chat in the staff group: nothing.
"""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.notices import render_answer_to_resident
from dialogs.staff.card import refresh_card
from dialogs.staff.replies import replied_card
from dialogs.staff.roles import group_locale, in_staff_chat, staff_of
from locales import t
from storage.forwarding import CopyState, Forwarded, apply_edit, find_forward
from storage.models import TimelineEntry, Visibility
from storage.roles import Actor, deputy_actor
from storage.ticket_view import notice_of_entry

__all__ = ["handlers"]

_NOTE_PREFIXES = ("!", "！", "/note")


def _new_words(found: Forwarded, text: str) -> str:
    words = text.strip()
    if found.entry.visibility is Visibility.INTERNAL:
        for prefix in _NOTE_PREFIXES:
            if words.startswith(prefix):
                return words[len(prefix):].strip()
    return words


async def _copy_as_now(
    turn: Turn, found: Forwarded, words: str, *, edited: bool
) -> dict[str, object] | None:
    """The resident's copy rendered with the new words (as ``notify_resident`` renders it)."""
    suggestion, entry = found.suggestion, found.entry
    notice = await notice_of_entry(turn.session, suggestion, entry)
    if notice is None:
        return None
    locale = notice.locale
    shown = TimelineEntry(kind=entry.kind, text=words, actor_kind=entry.actor_kind,
                          actor_id=entry.actor_id, visibility=entry.visibility)  # not stored
    text, markup = render_answer_to_resident(suggestion, shown, locale, notice.author,
                                             notice.station_name)
    if edited:
        text = f"{text}\n\n{t(locale, 'cards.edited_mark')}"
    return {"text": text, "parse_mode": "HTML", "reply_markup": markup.to_dict()}


async def _actor(turn: Turn) -> Actor | None:
    if in_staff_chat(turn):
        return await staff_of(turn)
    return await deputy_actor(turn.session, turn.user_id)


async def on_edited(turn: Turn) -> None:
    message = turn.update.edited_message
    if message is None:
        return
    text = message.text if message.text is not None else message.caption
    if text is None:
        return  # a live location moving, or media edited without words
    in_group = in_staff_chat(turn)
    if in_group:
        group_locale(turn)
    found = await find_forward(turn.session, message.chat.id, message.message_id)
    actor = await _actor(turn) if found is not None else None
    words = _new_words(found, text) if found is not None else ""
    if found is None or actor is None or not words:
        if turn.is_private or (in_group and await replied_card(turn) is not None):
            turn.say("common.edit_not_forwarded")
        return
    state = found.copy_state(turn.now)
    payload = (await _copy_as_now(turn, found, words, edited=state is CopyState.SENT)
               if state in (CopyState.WAITING, CopyState.SENT) else None)
    state = await apply_edit(turn.session, found, actor, text=words, copy_payload=payload,
                             now=turn.now)
    await refresh_card(turn.session, turn.config, found.suggestion.id, turn.now)
    if state is CopyState.SENDING:
        turn.say("common.edit_while_sending")
    elif (found.entry.visibility is Visibility.INTERNAL or state is not CopyState.SENT
          or payload is None):  # a note, a copy rewritten unseen, or nobody to show it to
        turn.say("common.edit_recorded", ticket=found.suggestion.ticket)
    else:
        turn.say("common.edit_applied", ticket=found.suggestion.ticket)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [MessageHandler(filters.UpdateType.EDITED_MESSAGE, wrap(services, on_edited, "edited"))]
