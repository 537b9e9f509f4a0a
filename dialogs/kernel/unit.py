"""The thin shell around every handler: one unit of work per update, exactly once, state loaded
and saved, replies sent only after the change is committed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import CallbackContext, ExtBot

from dialogs.kernel.context import Services
from dialogs.kernel.turn import Reply, Turn
from storage import update_inbox
from storage.lost_answers import adopt_card
from storage.updates import claim_update

__all__ = ["TurnHandler", "PtbContext", "PtbCallback", "wrap", "run_turn", "Dispatcher", "MAX_INLINE_WAIT"]

log = logging.getLogger(__name__)

TurnHandler = Callable[[Turn], Awaitable[None]]
# The context PTB hands every callback with the default `ContextTypes` (we keep no PTB-side data).
PtbContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
PtbCallback = Callable[[Update, PtbContext], Coroutine[Any, Any, None]]
MAX_INLINE_WAIT = 3.0  # seconds we wait for a 429 on a direct reply before handing it to the outbox


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
        await update_inbox.settle(session, update.update_id, _replayable(update, turn.replies))
    if turn.enqueued:
        services.outbox_signal.set()
    await deliver_replies(services, bot, update, turn.replies)
    return turn


def _is_private_command(update: Update) -> bool:
    msg = update.message
    return (msg is not None and msg.chat.type == "private" and bool(msg.text)
            and (msg.text or "").startswith("/"))


def _replayable(update: Update, replies: list[Reply]) -> list[dict[str, Any]]:
    """The replies as Bot API calls the outbox can make after a crash (an edit becomes a new
    message; toasts and files are not worth a repeat)."""
    chat = update.effective_chat
    if chat is None:
        return []
    calls: list[dict[str, Any]] = []
    for reply in replies:
        params: dict[str, Any] = {"chat_id": chat.id}
        if reply.kind in ("text", "edit"):
            params |= {"text": reply.text, "parse_mode": "HTML"}
            if reply.markup is not None:
                params["reply_markup"] = reply.markup.to_dict()
            calls.append({"method": "sendMessage", "payload": params})
        elif reply.kind in ("venue", "location"):
            params |= {"latitude": reply.latitude, "longitude": reply.longitude}
            if reply.kind == "venue":
                params |= {"title": reply.title, "address": reply.text}
            calls.append({"method": "send" + reply.kind.capitalize(), "payload": params})
    return calls


async def _find_lost_card(turn: Turn) -> None:
    """A staff card whose posting was never confirmed is found by a reply to it or a press of
    its button: the update carries the message (see ``storage/lost_answers.py``)."""
    staff, update = turn.config.staff_chat_id, turn.update
    if staff is None or update.effective_chat is None or update.effective_chat.id != staff:
        return
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


async def deliver_replies(services: Services, bot: Any, update: Update, replies: list[Reply]) -> None:
    query = update.callback_query
    if query is not None:
        toast = next((r for r in replies if r.kind == "toast"), None)
        try:
            await query.answer(toast.text if toast else None, show_alert=bool(toast and toast.alert))
        except BadRequest:
            pass  # the query is too old to answer; the rest still goes out
    chat = update.effective_chat
    if chat is None:
        return
    for reply in replies:
        if reply.kind == "toast":
            continue
        await _deliver_one(services, bot, chat.id, update, reply)


async def _deliver_one(services: Services, bot: Any, chat_id: int, update: Update, reply: Reply) -> None:
    for attempt in range(2):
        if services.on_direct_send is not None:
            services.on_direct_send(chat_id)
        try:
            await _call(bot, chat_id, update, reply)
            return
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
            if attempt == 0 and wait <= MAX_INLINE_WAIT:
                await asyncio.sleep(wait)
                continue
            await _hand_to_outbox(services, chat_id, reply)
            return
        except Forbidden:
            log.info("direct reply refused: the user blocked the bot")
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            if reply.kind == "edit":  # the message is gone or too old: send a fresh one
                reply = Reply("text", text=reply.text, markup=reply.markup)
                continue
            raise
        except NetworkError as exc:  # the change is committed: the answer must not be lost either
            log.warning("direct reply failed on the network; handed to the outbox")
            # If it may have arrived, the outbox's copy is its one repeat.
            await _hand_to_outbox(services, chat_id, reply,
                                  maybe_sent=getattr(exc, "outcome_unknown", False))
            return


async def _call(bot: Any, chat_id: int, update: Update, reply: Reply) -> None:
    if reply.kind == "text":
        # The raw call: the answer is not needed, so PTB need not parse it into a Message
        # (a noticeable share of the CPU an update costs).
        params: dict[str, Any] = {"chat_id": chat_id, "text": reply.text, "parse_mode": "HTML"}
        if reply.markup is not None:
            params["reply_markup"] = reply.markup
        await bot.do_api_request("sendMessage", api_kwargs=params)
    elif reply.kind == "edit":
        message = update.callback_query.message if update.callback_query else None
        if not isinstance(message, Message):
            raise BadRequest("message to edit not found")
        await bot.edit_message_text(
            reply.text, chat_id=chat_id, message_id=message.message_id, reply_markup=reply.markup
        )
    elif reply.kind == "document":
        from telegram import InputFile

        await bot.send_document(
            chat_id, InputFile(reply.content, filename=reply.filename), caption=reply.text or None
        )
    elif reply.kind in ("venue", "location"):
        # Not bot.send_venue/send_location: PTB adds the default parse_mode to them, a parameter
        # these methods do not have (the strict emulator refuses it).
        params = {"chat_id": chat_id, "latitude": reply.latitude,
                                  "longitude": reply.longitude}
        if reply.kind == "venue":
            params |= {"title": reply.title, "address": reply.text}
        await bot.do_api_request("send" + reply.kind.capitalize(), api_kwargs=params)


async def _hand_to_outbox(services: Services, chat_id: int, reply: Reply,
                          maybe_sent: bool = False) -> None:
    """A reply Telegram asked us to hold back for long goes through the outbox: not dropped."""
    from storage.outbox import enqueue

    if reply.kind not in ("text", "edit"):
        return
    payload: dict[str, Any] = {"chat_id": chat_id, "text": reply.text, "parse_mode": "HTML"}
    if reply.markup is not None:
        payload["reply_markup"] = reply.markup.to_dict()
    async with services.db.unit_of_work() as session:
        row = await enqueue(session, chat_id=chat_id, method="sendMessage", payload=payload,
                            purpose="deferred_reply", now=services.clock())
        if row is not None and maybe_sent:
            row.uncertain = 1
    services.outbox_signal.set()


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
