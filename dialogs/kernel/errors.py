"""One error handler: log without personal data, keep what the user wrote, tell them and staff."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from dialogs.kernel.context import Services
from locales import pick_locale, t
from storage import update_inbox
from storage.outbox import OutboxPurpose, enqueue
from storage.processed_updates import record_unhandled

__all__ = ["make_error_handler", "STAFF_ALERT_INTERVAL"]

log = logging.getLogger("jiazhan.errors")
STAFF_ALERT_INTERVAL = 60.0  # seconds between two error alerts to the staff group


def _what_they_wrote(update: Update) -> str | None:
    msg = update.effective_message
    if msg is None:
        return None
    return msg.text or msg.caption or None


def make_error_handler(services: Services) -> Any:
    last_alert = [0.0]

    async def on_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        error = context.error
        name = type(error).__name__ if error else "unknown"
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        # Only the exception type and where it happened: messages may quote user text.
        log.error("handler failed with %s\n%s", name, frames)
        if not isinstance(update, Update):
            return
        now = services.clock()
        try:
            async with services.db.unit_of_work() as session:
                await record_unhandled(session, update.update_id, now, _what_they_wrote(update) or "")
                await update_inbox.forget(session, [update.update_id])
                if services.config.staff_chat_id and time.monotonic() - last_alert[0] > STAFF_ALERT_INTERVAL:
                    last_alert[0] = time.monotonic()
                    text = t(services.config.default_locale, "common.error_staff",
                             error=name, update_id=update.update_id)
                    await enqueue(session, chat_id=services.config.staff_chat_id,
                                  method="sendMessage",
                                  payload={"chat_id": services.config.staff_chat_id, "text": text},
                                  purpose=OutboxPurpose.OPS_ALERT, now=now)
        except Exception:  # noqa: BLE001 - the error path must not raise
            log.exception("could not record the failed update")
        chat = update.effective_chat
        if chat is not None and chat.type == "private":
            user = update.effective_user
            locale = pick_locale(user.language_code if user else None, services.config.default_locale)
            try:
                await context.bot.send_message(chat.id, t(locale, "common.error_saved"))
            except TelegramError:
                log.warning("could not tell the user about the error")

    return on_error
