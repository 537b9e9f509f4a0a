"""Figures on demand in the staff group: ``/digest`` (today's digest now, whatever the time)
and ``/stats`` (the three rates over the stations, per town). Staff only; the answer is a
reply in the group, so it needs no outbox row."""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff.jobs import digest_figures_text
from dialogs.staff.roles import group_locale, staff_of
from storage.deadlines import local_date
from storage.digest import digest_figures
from storage.stats import rates_by_town
from storage.stats_render import render_rates_by_town

__all__ = ["handlers", "on_digest", "on_stats"]


async def on_digest(turn: Turn) -> None:
    """Today's digest now (the scheduled one still comes at its time)."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    figures = await digest_figures(turn.session, turn.now)
    day = local_date(turn.now, turn.config.tz).isoformat()
    turn.send(digest_figures_text(figures, turn.locale, day))


async def on_stats(turn: Turn) -> None:
    """Response, resolution and satisfaction rates, over all stations and per town."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    overall, towns = await rates_by_town(turn.session, turn.now)
    day = local_date(turn.now, turn.config.tz).isoformat()
    turn.send(render_rates_by_town(overall, towns, turn.locale, day))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    chat_id = services.config.staff_chat_id
    if chat_id is None:
        return []
    in_group = filters.Chat(chat_id)
    return [
        CommandHandler("digest", wrap(services, on_digest, "digest"), filters=in_group),
        CommandHandler("stats", wrap(services, on_stats, "stats"), filters=in_group),
    ]
