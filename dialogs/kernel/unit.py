"""The thin shell around every handler: one unit of work per update, exactly once.

load the person and their dialog state → claim the update id (a duplicate does nothing) → run
the handler → save the dialog state → keep the replies in the update inbox (replayed after a
crash) → commit (which wakes the delivery worker if the handler wrote to the outbox) → send the
replies (:mod:`.replies`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.ext import CallbackContext, ExtBot

from dialogs.kernel.context import Services
from dialogs.kernel.replies import deliver_replies, replayable
from dialogs.kernel.turn import Turn
from storage import update_inbox
from storage.lost_answers import adopt_card
from storage.processed_updates import claim_update

__all__ = ["TurnHandler", "PtbContext", "PtbCallback", "wrap", "run_turn", "Dispatcher"]

log = logging.getLogger(__name__)

TurnHandler = Callable[[Turn], Awaitable[None]]
# The context PTB hands every callback with the default `ContextTypes` (we keep no PTB-side data).
PtbContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
PtbCallback = Callable[[Update, PtbContext], Coroutine[Any, Any, None]]


def wrap(services: Services, fn: TurnHandler, name: str) -> PtbCallback:
    """Turn a `async def handler(turn)` into a PTB callback."""

    async def callback(update: Update, context: PtbContext) -> None:
        started = time.perf_counter()
        await run_turn(services, update, context.bot, fn)
        if services.on_handled is not None:
            services.on_handled(name, time.perf_counter() - started)

    callback.__name__ = f"turn_{name}"
    return callback


async def run_turn(services: Services, update: Update, bot: Any, fn: TurnHandler) -> Turn | None:
    now = services.clock()
    async with services.db.lazy_unit_of_work() as (session, writing):
        turn = Turn(session=session, update=update, services=services, now=now)
        await turn.load()  # reads first: SQLite's single writer is not held up by them
        await writing()
        if not await claim_update(session, update.update_id, now):
            await update_inbox.settle(session, update.update_id, [])
            log.info("duplicate update skipped")
            return None
        if _is_private_command(update) and turn.state is not None and turn.state.flow != "idle":
            turn.clear_state()  # a command always wins over an unfinished dialog (a draft stays)
        await _find_lost_card(turn)
        await fn(turn)
        await turn.persist_state()
        # The inbox keeps the answer, not the update: a crash before it is sent re-sends it.
        await update_inbox.settle(session, update.update_id, replayable(update, turn.replies))
    await deliver_replies(services, bot, update, turn.replies)
    return turn


def _is_private_command(update: Update) -> bool:
    msg = update.message
    return (msg is not None and msg.chat.type == "private" and bool(msg.text)
            and (msg.text or "").startswith("/"))


async def _find_lost_card(turn: Turn) -> None:
    """A staff card whose posting was never confirmed is found by a reply to it or a press of
    its button: the update carries the message (see ``storage/lost_answers.py``)."""
    update = turn.update
    chat = update.effective_chat
    if chat is None or not (chat.id == turn.config.staff_chat_id or chat.id in turn.bound_chats):
        return
    staff = chat.id
    if update.callback_query is not None:
        message: object = update.callback_query.message
    else:
        message = update.message.reply_to_message if update.message is not None else None
    if not isinstance(message, Message) or message.from_user is None or not message.from_user.is_bot:
        return
    markup = message.reply_markup
    buttons = [b.callback_data for row in (markup.inline_keyboard if markup else ())
               for b in row if isinstance(b.callback_data, str)]
    text = message.text or message.caption or ""
    if buttons and text:
        await adopt_card(turn.session, chat_id=staff, message_id=message.message_id, text=text,
                         buttons=buttons, now=turn.now)


class Dispatcher:
    """Routes free messages (not commands, not buttons) to the flow the user is in."""

    def __init__(self, fallback: TurnHandler) -> None:
        self._flows: dict[str, TurnHandler] = {}
        self._fallback = fallback

    def on_message(self, flow: str, fn: TurnHandler) -> None:
        self._flows[flow] = fn

    async def __call__(self, turn: Turn) -> None:
        state = turn.state
        fn = self._flows.get(state.flow) if state is not None else None
        await (fn or self._fallback)(turn)
