"""The weekly summary: on the configured day and hour (``JIAZHAN_WEEKLY_REPORT``, default
``mon 09:00``, ``off`` to stop), every staff group gets last week's figures for its own area —
the totals in a few lines under one chart (activities and voter contacts per town, or per home
and station for a town's group). Once a week per group, across restarts: the audit log is the
stamp (``storage.report_group``). A photo the bot drew is not a file Telegram knows yet, so the
outbox row carries it (base64) and the delivery worker uploads it.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

from dialogs.kernel.context import Services
from dialogs.kernel.flow import Job
from dialogs.kernel.turn import cached_area, escape
from dialogs.staff.report_send import MAX_BARS, gather, render, totals_text
from locales import t
from storage import outbox
from storage.models import OutboxPurpose
from storage.report_group import last_week, mark_weekly_sent, staff_group_ids, weekly_due, weekly_sent
from storage.report_render import render_report_charts, report_labels
from storage.staff_chats import StaffArea, staff_area

__all__ = ["jobs", "send_weekly"]

_WEEK = timedelta(days=7)


async def _owed(services: Services, monday: date) -> list[tuple[StaffArea, str]]:
    """The staff groups still without this week's summary, with their areas' names."""
    config = services.config
    out = []
    async with services.db.reading() as session:
        whole = (await cached_area(session, services)).display(config.default_locale)
        for chat_id in await staff_group_ids(session, config.staff_chat_id):
            if await weekly_sent(session, chat_id, monday):
                continue
            area = await staff_area(session, chat_id, config.staff_chat_id)
            if area is not None:
                out.append((area, area.name if not area.whole else whole))
    return out


async def send_weekly(services: Services) -> int:
    """Queue the weekly summary for every staff group that is owed one; returns how many."""
    config = services.config
    monday = weekly_due(services.clock(), config.tz, config.weekly_report)
    if monday is None:
        return 0
    first, last = last_week(monday + _WEEK)
    locale = config.default_locale
    labels = report_labels(locale)
    queued = 0
    for area, name in await _owed(services, monday):
        report, _ = await gather(services, area, first, last, ledger=False, trend=False)
        ((_, png),) = await render(services, _chart, report, labels)
        caption = (t(locale, "report_group.weekly_heading", name=escape(name),
                     first=first.isoformat(), last=last.isoformat()) + "\n"
                   + totals_text(locale, report["totals"]))
        now = services.clock()
        async with services.db.unit_of_work() as session:
            if await weekly_sent(session, area.chat_id, monday):  # another process was quicker
                continue
            mark_weekly_sent(session, area.chat_id, monday, now)
            await outbox.enqueue(session, chat_id=area.chat_id, method="sendPhoto", payload={
                "chat_id": area.chat_id, "caption": caption, "parse_mode": "HTML",
                "photo": {"upload": base64.b64encode(png).decode("ascii"),
                          "filename": f"weekly-{first.isoformat()}.png"},
            }, purpose=OutboxPurpose.WEEKLY_REPORT, now=now)
        queued += 1
    return queued


def _chart(report: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, bytes]]:
    return render_report_charts(report, labels, which=("towns",), max_rows=MAX_BARS)


def jobs(services: Services) -> list[Job]:
    async def weekly() -> None:
        await send_weekly(services)

    return [Job("weekly_report", 60.0, weekly)]
