"""Figures on demand in a staff group: ``/digest`` (today's digest now, whatever the time)
and ``/stats`` (the three rates over the stations, per town). Staff only; the answer is a
reply in the group, so it needs no outbox row.

Each group gets its own area's figures (``dialogs.staff.scope``): the default group the whole
service area (the city's office sees the city), a district's group its whole district (also the
towns that have a group of their own), a town's group its town."""

from __future__ import annotations

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher
from dialogs.staff.jobs import digest_figures_text
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import staff_area_of, staff_command
from storage.deadlines import local_date
from storage.digest import digest_figures
from storage.stats import rates_by_town
from storage.stats_render import render_rates_by_town

__all__ = ["handlers", "on_digest", "on_stats"]


async def on_digest(turn: Turn) -> None:
    """Today's digest of the group's area now (the scheduled one still comes at its time)."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    figures = await digest_figures(turn.session, turn.now, await staff_area_of(turn))
    day = local_date(turn.now, turn.config.tz).isoformat()
    turn.send(digest_figures_text(figures, turn.locale, day))


async def on_stats(turn: Turn) -> None:
    """Response, resolution and satisfaction rates of the group's area, overall and per town."""
    group_locale(turn)
    if await staff_of(turn) is None:
        turn.say("triage.not_staff")
        return
    overall, towns = await rates_by_town(turn.session, turn.now, await staff_area_of(turn))
    day = local_date(turn.now, turn.config.tz).isoformat()
    turn.send(render_rates_by_town(overall, towns, turn.locale, day))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        staff_command(services, "digest", on_digest, "digest"),
        staff_command(services, "stats", on_stats, "stats"),
    ]
