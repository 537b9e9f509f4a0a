"""What works everywhere: /help, /language, /cancel, unknown text and stale or forged buttons."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.kernel.callbacks import LANGUAGE, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline, remove_keyboard
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, wrap
from locales import LOCALES, t
from storage.drafts import is_greeting
from storage.roles import deputy_actor

__all__ = ["handlers", "on_unknown", "on_stale_button", "PRIVATE"]

PRIVATE = filters.ChatType.PRIVATE
FLOW = LANGUAGE


async def on_help(turn: Turn) -> None:
    text = turn.t("common.help")
    if await deputy_actor(turn.session, turn.user_id) is not None:  # a linked deputy also sees their own commands
        text += "\n\n" + turn.t("common.help_deputy")
    turn.send(text)


async def on_group_help(turn: Turn) -> None:
    """/help in a staff group lists what staff can do; other groups get no answer."""
    if turn.chat_id == turn.config.staff_chat_id or turn.chat_id in turn.bound_chats:
        turn.send(t(turn.config.default_locale, "common.help_staff"))


async def on_language(turn: Turn) -> None:
    buttons = [(turn.t(f"common.language_name_{loc}"), encode(FLOW, "set", loc)) for loc in LOCALES]
    turn.say("common.language_choose", inline([buttons]))


async def on_language_button(turn: Turn) -> None:
    cb = turn.callback
    chosen = cb.arg(0) if cb is not None else ""
    if chosen not in LOCALES:
        await on_stale_button(turn)
        return
    turn.locale = chosen
    if turn.resident is not None:
        turn.resident.locale = chosen
    if turn.state is not None:
        turn.set_state(turn.state.flow, turn.state.step, {**turn.data, "locale": chosen})
    else:
        turn.set_state("idle", "idle", {"locale": chosen})
    turn.edit(turn.t("common.language_set"))
    turn.say("common.help")


async def on_cancel(turn: Turn) -> None:
    had_dialog = turn.state is not None and turn.state.flow != "idle"
    turn.clear_state()
    turn.say("common.cancelled" if had_dialog else "common.nothing_to_cancel", remove_keyboard())


async def on_unknown(turn: Turn) -> None:
    """Text outside any dialog: a helpful answer, never silence."""
    msg = turn.update.effective_message
    if msg is not None and msg.text is None and msg.location is None:
        turn.say("common.unknown_media")
        return
    if turn.resident is None and msg is not None and not is_greeting(msg.text or ""):
        turn.say("common.guest_words")  # nothing is kept before consent: say so
        return
    turn.say("common.unknown_text")


async def on_unknown_command(turn: Turn) -> None:
    turn.say("common.unknown_command")


async def on_stale_button(turn: Turn) -> None:
    """A button from an old message, or callback data we never made: refuse kindly, change nothing."""
    turn.toast("common.stale_button", alert=True)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        CommandHandler("help", wrap(services, on_help, "help"), filters=PRIVATE),
        CommandHandler("help", wrap(services, on_group_help, "help_staff"),
                       filters=filters.ChatType.GROUPS),
        CommandHandler("language", wrap(services, on_language, "language"), filters=PRIVATE),
        CommandHandler("cancel", wrap(services, on_cancel, "cancel"), filters=PRIVATE),
        CallbackQueryHandler(wrap(services, on_language_button, "language"), pattern=f"^{FLOW}:"),
    ]
