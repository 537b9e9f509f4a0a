"""Making a staff group's report and putting it in the group: the queries in a read-only session
(never inside an update's transaction, so SQLite's writer is not held), the charts and the
workbook in a worker thread, one at a time (``asyncio.to_thread``: residents' updates go on being
answered), then the charts as one album and the workbook with the totals as its caption.

A group may take 20 messages a minute: a report is five (the menu, three photos, the workbook),
and one group gets at most one report a minute (:data:`COOLDOWN`). Telegram's 429 is waited out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InputFile, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, RetryAfter

from dialogs.kernel.context import Services
from dialogs.kernel.turn import escape
from locales import t
from storage.report import build_report, ledger_rows
from storage.report_group import area_scope
from storage.report_render import render_report_charts, report_labels, report_xlsx_bytes
from storage.staff_chats import StaffArea

__all__ = ["COOLDOWN", "MAX_BARS", "cooldown_left", "gather", "render", "send_report",
           "totals_text"]

log = logging.getLogger(__name__)
COOLDOWN = timedelta(seconds=60)  # one report a minute per group (5 of its 20 messages)
MAX_BARS = 30  # bars per chart in a photo (a city has 349 towns: all of them are in the workbook)
MAX_WAIT = 90.0  # the longest 429 waited out before the report is given up
_LOCK, _LAST = "report_group.render", "report_group.last"


def cooldown_left(services: Services, chat_id: int, now: datetime) -> int:
    """Seconds until this group may have another report (0: now, and the clock starts)."""
    last = services.cache.setdefault(_LAST, {})
    assert isinstance(last, dict)
    previous = last.get(chat_id)
    if isinstance(previous, datetime) and now - previous < COOLDOWN:
        return max(1, int((COOLDOWN - (now - previous)).total_seconds()))
    last[chat_id] = now
    return 0


async def render(services: Services, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker thread, one rendering at a time in this process (the machine's
    other core stays with the event loop)."""
    lock = services.cache.get(_LOCK)
    if not isinstance(lock, asyncio.Lock):
        lock = asyncio.Lock()
        services.cache[_LOCK] = lock
    async with lock:
        return await asyncio.to_thread(fn, *args)


def _rate(value: float | None, locale: str) -> str:
    return f"{100 * value:.0f}%" if value is not None else t(locale, "report_group.no_figure")


def totals_text(locale: str, totals: Mapping[str, Any]) -> str:
    median = totals["median_first_response_hours"]
    return t(locale, "report_group.totals", **{
        **totals,
        "response_rate": _rate(totals["response_rate"], locale),
        "resolution_rate": _rate(totals["resolution_rate"], locale),
        "satisfaction_rate": _rate(totals["satisfaction_rate"], locale),
        "median": f"{median:g}" if median is not None else t(locale, "report_group.no_figure"),
    })


async def gather(services: Services, area: StaffArea, first: date, last: date, *,
                 ledger: bool = True, trend: bool = True
                 ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with services.db.reading() as session:
        scope = await area_scope(session, area)
        report = await build_report(session, first, last, services.config.tz, services.clock(),
                                    scope, trend=trend)
        rows = (await ledger_rows(session, first, last, services.config.tz, scope)
                if ledger else [])
    return report, rows


def _make(report: dict[str, Any], ledger: list[dict[str, Any]], labels: dict[str, str]
          ) -> tuple[list[tuple[str, bytes]], bytes]:
    return (render_report_charts(report, labels, max_rows=MAX_BARS),
            report_xlsx_bytes(report, ledger, labels))


async def _send(services: Services, chat_id: int, count: int,
                call: Callable[[], Awaitable[Any]]) -> bool:
    """One Bot API call of ``count`` messages; a 429 is waited out (up to MAX_WAIT)."""
    for _ in range(3):
        if services.pace_direct is not None:
            await services.pace_direct(chat_id, count)
        try:
            await call()
            return True
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            if seconds > MAX_WAIT:
                break
            await asyncio.sleep(seconds)
        except (Forbidden, BadRequest) as exc:
            log.warning("report not delivered to a staff group: %s", type(exc).__name__)
            return False
    log.warning("report given up: the staff group is rate limited")
    return False


async def send_report(services: Services, bot: Any, area: StaffArea, name: str, first: date,
                      last: date, locale: str) -> None:
    """The report of ``area`` for [first, last]: three charts as one album, then the workbook
    with the totals as its caption."""
    chat_id = area.chat_id
    try:
        report, ledger = await gather(services, area, first, last)
        charts, workbook = await render(services, _make, report, ledger, report_labels(locale))
    except Exception as exc:  # noqa: BLE001 - tell the group rather than leave it waiting
        log.error("report failed: %s", type(exc).__name__)
        await _send(services, chat_id, 1, lambda: bot.send_message(
            chat_id, t(locale, "report_group.failed")))
        return
    fields = {"name": escape(name), "first": first.isoformat(), "last": last.isoformat()}
    caption = t(locale, "report_group.album_caption", **fields)
    media = [InputMediaPhoto(png, filename=f"report-{chart}.png", parse_mode="HTML",
                             caption=caption if index == 0 else None)
             for index, (chart, png) in enumerate(charts)]
    if not await _send(services, chat_id, len(media),
                       lambda: bot.send_media_group(chat_id, media)):
        return
    text = (t(locale, "report_group.heading", **fields) + "\n"
            + totals_text(locale, report["totals"]))
    filename = f"report-{first.isoformat()}-{last.isoformat()}.xlsx"
    await _send(services, chat_id, 1, lambda: bot.send_document(
        chat_id, InputFile(workbook, filename=filename), caption=text, parse_mode="HTML"))

