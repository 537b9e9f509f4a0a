"""/privacy shows what we keep about the resident; /forget erases it after a confirmation.

The confirmation button carries the time it was offered (``pv:forget:<unix seconds>``) and is
refused after ``CONFIRM_TTL``: an old button never erases anything. /forget does not touch a
dialog in progress until it is confirmed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import PRIVACY, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import inline, remove_keyboard
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.resident.booking import tell_promoted
from dialogs.staff.card import refresh_card
from storage.residents import PrivacySummary, forget_resident, privacy_summary

__all__ = ["FLOW", "CONFIRM_TTL", "handlers"]

FLOW = PRIVACY
CONFIRM_TTL = timedelta(minutes=10)
PRIVATE = filters.ChatType.PRIVATE


def _summary_text(turn: Turn, summary: PrivacySummary) -> str:
    def given(value: str | None, shared: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> str:
        """What we keep: the resident's own value, and what they gave with suggestions."""
        parts = [escape(value)] if value else []
        parts += [turn.t("privacy.given_with", value=escape(v), tickets="、".join(tickets))
                  for v, tickets in shared if v != value]
        return "；".join(parts) if parts else turn.t("privacy.not_given")

    consent = (
        f"{summary.consent_at.astimezone(turn.config.tz):%Y-%m-%d %H:%M}"
        if summary.consent_at else turn.t("privacy.not_given")
    )
    subscriptions = "、".join(escape(s) for s in summary.subscriptions) or turn.t("privacy.none")
    return turn.t(
        "privacy.summary",
        locale=turn.t(f"common.language_name_{summary.locale}"),
        consent=consent,
        name=given(summary.display_name, summary.shared_names),
        phone=given(summary.phone, summary.shared_phones),
        address=given(summary.address_text),
        community=given(summary.community),
        station=given(summary.station),
        subscriptions=subscriptions,
        suggestions=summary.suggestions,
    )


async def on_privacy(turn: Turn) -> None:
    if turn.resident is None:
        turn.say("privacy.guest")
        return
    summary = await privacy_summary(turn.session, turn.resident)
    turn.send(_summary_text(turn, summary),
              inline([[(turn.t("privacy.btn_ask_forget"), encode(FLOW, "ask"))]]))


def _ask(turn: Turn, suggestions: int) -> None:
    stamp = int(turn.now.timestamp())
    buttons = [(turn.t("privacy.btn_forget"), encode(FLOW, "forget", stamp)),
               (turn.t("privacy.btn_keep"), encode(FLOW, "keep"))]
    turn.say("privacy.confirm", inline([buttons]), suggestions=suggestions)


async def on_forget(turn: Turn) -> None:
    if turn.resident is None:
        turn.say("privacy.nothing_to_forget")
        return
    summary = await privacy_summary(turn.session, turn.resident)
    _ask(turn, summary.suggestions)


def _fresh(turn: Turn, stamp: int | None) -> bool:
    if stamp is None:
        return False
    offered = datetime.fromtimestamp(stamp, tz=turn.now.tzinfo)
    return timedelta(0) <= turn.now - offered <= CONFIRM_TTL


async def on_button(turn: Turn) -> None:
    cb = turn.callback
    action = cb.action if cb is not None else ""
    if action == "ask":
        await on_forget(turn)
    elif action == "keep":
        turn.edit(turn.t("privacy.kept"))
    elif action == "forget" and cb is not None:
        if turn.resident is None:
            turn.edit(turn.t("privacy.nothing_to_forget"))
        elif not _fresh(turn, cb.int_arg(0)):
            turn.toast("privacy.confirm_expired", alert=True)
        else:
            report = await forget_resident(turn.session, turn.resident, now=turn.now)
            for suggestion_id in report.suggestion_ids:  # the cards stop showing name and phone
                await refresh_card(turn.session, turn.config, suggestion_id, turn.now)
            for seat in report.promoted:  # a seat they gave back went to the next in line
                await tell_promoted(turn, seat)
            turn.edit(turn.t("privacy.forgotten", suggestions=report.suggestions_kept,
                             subscriptions=report.subscriptions_removed))
            turn.say("privacy.forgotten_next", remove_keyboard())
    else:
        await on_stale_button(turn)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        CommandHandler("privacy", wrap(services, on_privacy, "privacy"), filters=PRIVATE),
        CommandHandler("forget", wrap(services, on_forget, "forget"), filters=PRIVATE),
        CallbackQueryHandler(wrap(services, on_button, "privacy_button"), pattern=f"^{FLOW}:"),
    ]
