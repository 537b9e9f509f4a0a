"""Sending a turn's replies to the person who wrote, after the change is committed.

Replies go straight to the Bot API (no outbox round trip: the person is waiting). A 429 worth
waiting for is waited out once; a longer one, or a network error, hands the reply to the outbox
so a committed answer is never lost. A button press is always answered first (its toast, or
nothing), so the client stops its spinner.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from telegram import InputFile, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from dialogs.kernel.context import Services
from dialogs.kernel.turn import Reply
from storage.outbox import OutboxPurpose, enqueue

__all__ = ["deliver_replies", "replayable", "MAX_INLINE_WAIT"]

log = logging.getLogger("dialogs.kernel.unit")
MAX_INLINE_WAIT = 3.0  # seconds we wait for a 429 on a direct reply before handing it to the outbox


def replayable(update: Update, replies: list[Reply]) -> list[dict[str, Any]]:
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
        if reply.kind == "later":
            await _run_later(reply, bot)
            continue
        await _deliver_one(services, bot, chat.id, update, reply)


async def _run_later(reply: Reply, bot: Any) -> None:
    if reply.later is None:
        return
    try:
        await reply.later(bot)
    except Exception as exc:  # noqa: BLE001 - the turn is committed; one failed extra is logged
        log.error("work after the reply failed: %s", type(exc).__name__)


async def _deliver_one(services: Services, bot: Any, chat_id: int, update: Update, reply: Reply) -> None:
    if reply.render is not None:
        reply = replace(reply, content=await asyncio.to_thread(reply.render), render=None)
    for attempt in range(2):
        if services.pace_direct is not None:
            await services.pace_direct(chat_id, 1)
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
        await bot.send_document(
            chat_id, InputFile(reply.content, filename=reply.filename), caption=reply.text or None,
            reply_markup=reply.markup,
        )
    elif reply.kind == "photo":
        await bot.send_photo(
            chat_id, InputFile(reply.content, filename=reply.filename), caption=reply.text or None,
            reply_markup=reply.markup,
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
    if reply.kind not in ("text", "edit"):
        return
    payload: dict[str, Any] = {"chat_id": chat_id, "text": reply.text, "parse_mode": "HTML"}
    if reply.markup is not None:
        payload["reply_markup"] = reply.markup.to_dict()
    async with services.db.unit_of_work() as session:
        row = await enqueue(session, chat_id=chat_id, method="sendMessage", payload=payload,
                            purpose=OutboxPurpose.DEFERRED_REPLY, now=services.clock())
        if row is not None and maybe_sent:
            row.uncertain = 1
