"""A deputy's own record (履职档案) in their private chat: ``/report`` sends this year's record as
a picture and a one-page summary, with buttons for last year (``dr:y:<year>``) and for the annual
report draft as a DOCX in Chinese or English (``dr:d:<year>:<locale>``).

The deputy is looked up from the account on every update; the callback data carries only a year
and a language, so nobody can ask for another deputy's record. ``/report`` from anyone else in a
private chat is answered with what it is for (``/report`` in staff groups is the staff's, another
flow). The record is read before the update's unit of work takes SQLite's write lock
(``_preloading``), and the picture and the document are made after the commit in a worker thread
(``Turn.send_rendered``): nothing slow runs while other writers wait.
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable
from functools import partial

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from dialogs.everyone import on_stale_button
from dialogs.kernel.callbacks import RECORD, decode, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Handlers
from dialogs.kernel.keyboards import Button, inline
from dialogs.kernel.turn import Turn
from dialogs.kernel.unit import Dispatcher, PtbCallback, PtbContext, run_turn
from locales import LOCALES
from storage.annual_report import annual_report_docx, annual_report_filename
from storage.deadlines import local_date
from storage.deputy_record import DeputyRecord, load_deputy_record, record_period
from storage.record_render import record_summary, render_record_png
from storage.roles import deputy_actor

__all__ = ["FLOW", "handlers", "on_report", "on_button"]

FLOW = RECORD
PRIVATE = filters.ChatType.PRIVATE


def _buttons(turn: Turn, record: DeputyRecord) -> list[list[Button]]:
    this_year = local_date(turn.now, turn.config.tz).year
    other = record.year - 1 if record.year == this_year else this_year
    return [[(turn.t("record.button.year", year=other), encode(FLOW, "y", other))],
            [(turn.t("record.button.docx_zh"), encode(FLOW, "d", record.year, "zh")),
             (turn.t("record.button.docx_en"), encode(FLOW, "d", record.year, "en"))]]


_Preloaded = tuple[int, int, DeputyRecord | None]  # deputy id, year, record


async def _preload(services: Services, update: Update) -> _Preloaded | None:
    """The record the update asks for, read in a session of its own (no write lock)."""
    user = update.effective_user
    now, tz = services.clock(), services.config.tz
    year: int | None = local_date(now, tz).year
    if update.callback_query is not None:
        cb = decode(update.callback_query.data)
        year = cb.int_arg(0) if cb is not None else None
    if user is None or year is None or record_period(year, local_date(now, tz)) is None:
        return None
    async with services.db.reading() as session:
        actor = await deputy_actor(session, user.id)
        if actor is None or actor.id is None:
            return None
        return actor.id, year, await load_deputy_record(session, actor.id, year, tz, now)


_RecordHandler = Callable[[Turn, "_Preloaded | None"], Awaitable[None]]


def _preloading(services: Services, fn: _RecordHandler, name: str) -> PtbCallback:
    """Like ``wrap``, with the record read first and handed to ``fn``."""

    async def callback(update: Update, context: PtbContext) -> None:
        started = time.perf_counter()
        preloaded = await _preload(services, update)

        async def with_record(turn: Turn) -> None:
            await fn(turn, preloaded)

        await run_turn(services, update, context.bot, with_record)
        if services.on_handled is not None:
            services.on_handled(name, time.perf_counter() - started)

    callback.__name__ = f"turn_{name}"
    return callback


async def _record(turn: Turn, year: int, preloaded: _Preloaded | None) -> DeputyRecord | None:
    """The record of the deputy behind this account (None: not a deputy, or no such year:
    the answer is said)."""
    actor = await deputy_actor(turn.session, turn.user_id)
    if actor is None or actor.id is None:
        _refuse(turn, "record.not_deputy")
        return None
    today = local_date(turn.now, turn.config.tz)
    if preloaded is not None and preloaded[:2] == (actor.id, year):
        record = preloaded[2]
    elif record_period(year, today) is not None:  # linked meanwhile: read it here
        record = await load_deputy_record(turn.session, actor.id, year, turn.config.tz, turn.now)
    else:
        record = None
    if record is None:
        _refuse(turn, "record.bad_year")
    return record


def _refuse(turn: Turn, key: str) -> None:
    if turn.update.callback_query is not None:
        turn.toast(key, alert=True)
    else:
        turn.say(key)


def _show(turn: Turn, record: DeputyRecord) -> None:
    caption = turn.t("record.photo_caption", name=html.escape(record.name), year=record.year,
                     first=record.first.isoformat(), last=record.last.isoformat())
    turn.send_rendered("photo", f"record-{record.code}-{record.year}.png",
                       partial(render_record_png, turn.locale, record), caption)
    turn.send(record_summary(turn.locale, record), inline(_buttons(turn, record)))


async def on_report(turn: Turn, preloaded: _Preloaded | None = None) -> None:
    """/report in a private chat: this year's record."""
    record = await _record(turn, local_date(turn.now, turn.config.tz).year, preloaded)
    if record is not None:
        _show(turn, record)


async def on_button(turn: Turn, preloaded: _Preloaded | None = None) -> None:
    cb = turn.callback
    year = cb.int_arg(0) if cb is not None else None
    if cb is None or year is None or cb.action not in ("y", "d") or (
            cb.action == "d" and cb.arg(1) not in LOCALES):
        await on_stale_button(turn)
        return
    record = await _record(turn, year, preloaded)
    if record is None:
        return
    if cb.action == "y":
        turn.toast("record.working", year=year)
        _show(turn, record)
        return
    locale = cb.arg(1)
    turn.toast("record.working", year=year)
    turn.send_rendered("document", annual_report_filename(locale, record),
                       partial(annual_report_docx, locale, record),
                       turn.t("record.doc_caption", name=html.escape(record.name), year=year))


def handlers(services: Services, dispatcher: Dispatcher) -> Handlers:
    return [
        CommandHandler("report", _preloading(services, on_report, "deputy_report"),
                       filters=PRIVATE),
        CallbackQueryHandler(_preloading(services, on_button, "deputy_report_button"),
                             pattern=f"^{FLOW}:"),
    ]
