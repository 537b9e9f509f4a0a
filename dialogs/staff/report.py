"""``/report`` in a staff group: the area's figures for this or the previous month, quarter or
year — three charts and the workbook (``jiazhan report``'s, without personal data), with the
totals in a few lines.

The group's area decides the scope: the default staff group reports on the whole service area,
a group bound with ``/bind`` on its district or town. Staff only (the group's administrators,
``JIAZHAN_ADMIN_IDS`` and people added with ``/staff add``); elsewhere the bot is silent. The
button press answers at once ("preparing …"); the report is made after the commit
(``dialogs.staff.report_send``). The weekly summary is ``dialogs.staff.weekly_report``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram.ext import CallbackQueryHandler

from dialogs.kernel.callbacks import REPORT, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers, Job
from dialogs.kernel.keyboards import inline
from dialogs.kernel.turn import Turn, escape
from dialogs.kernel.unit import Dispatcher, wrap
from dialogs.staff import weekly_report
from dialogs.staff.report_send import cooldown_left, send_report
from dialogs.staff.roles import group_locale, staff_of
from dialogs.staff.scope import staff_area_of, staff_command
from storage.deadlines import local_date
from storage.report_group import PERIODS, period_dates
from storage.staff_chats import StaffArea

__all__ = ["handlers", "jobs", "on_report", "on_period", "area_name"]


def area_name(turn: Turn, area: StaffArea) -> str:
    """The group's area as people say it: the bound district or town, else the service area."""
    return area.name if not area.whole else turn.area_name


def _menu(turn: Turn) -> Any:
    return inline([[(turn.t(f"report_group.button.{code}"), encode(REPORT, "p", code))
                    for code in row] for row in (PERIODS[:3], PERIODS[3:])])


def _schedule(turn: Turn) -> str:
    weekly = turn.config.weekly_report
    if weekly is None:
        return turn.t("report_group.weekly_off")
    day, at = weekly
    return turn.t("report_group.weekly_on", day=turn.t(f"report_group.day.{day}"),
                  time=at.strftime("%H:%M"))


async def on_report(turn: Turn) -> None:
    """/report: the period buttons (staff of a staff group only)."""
    group_locale(turn)
    area = await staff_area_of(turn)
    if area is None:
        return
    if await staff_of(turn) is None:
        turn.say("report_group.not_staff")
        return
    text = turn.t("report_group.menu", name=escape(area_name(turn, area))) + "\n" + _schedule(turn)
    turn.send(text, _menu(turn))


async def on_period(turn: Turn) -> None:
    """A period button: refuse what is not a staff press or not a period, keep the group within
    its message budget, then say "preparing" and make the report after the commit."""
    group_locale(turn)
    area = await staff_area_of(turn)
    if area is None or await staff_of(turn) is None:
        turn.toast("report_group.not_staff", alert=True)
        return
    cb = turn.callback
    today: date = local_date(turn.now, turn.config.tz)
    period = period_dates(cb.arg(0), today) if cb is not None and cb.action == "p" else None
    if period is None or (cb is not None and len(cb.args) != 1):
        turn.toast("report_group.bad_button", alert=True)
        return
    wait = cooldown_left(turn.services, turn.chat_id, turn.now)
    if wait:
        turn.toast("report_group.too_soon", alert=True, seconds=wait)
        return
    first, last = period
    name, locale, services = area_name(turn, area), turn.locale, turn.services
    turn.edit(turn.t("report_group.preparing", name=escape(name), first=first.isoformat(),
                     last=last.isoformat()))

    async def make(bot: Any) -> None:
        await send_report(services, bot, area, name, first, last, locale)

    turn.after_commit(make)


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        staff_command(services, "report", on_report, "report"),
        CallbackQueryHandler(wrap(services, on_period, "report_button"), pattern=f"^{REPORT}:"),
    ]


def jobs(services: Services) -> list[Job]:
    return weekly_report.jobs(services)
