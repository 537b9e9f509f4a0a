"""Scheduled work for triage: deadline reminders, overdue marks, the daily digest, and cards kept
in step with their tickets. Every job is idempotent (stamped in the database) and reads time only
from the service clock."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.kernel.callbacks import DEPUTY, encode
from dialogs.kernel.context import Services
from dialogs.kernel.flow import Job
from dialogs.kernel.keyboards import inline
from dialogs.staff.card import queue_card, refresh_card
from dialogs.ticket_text import format_due
from locales import t
from storage import outbox
from storage.card_sync import stale_cards, without_card
from storage.deadline_watch import DueNotice, collect_due_notices
from storage.deputies import deputy_chat, deputy_locale
from storage.digest import DigestFigures, digest_figures, digest_owed, mark_digest_sent
from storage.outbox import OutboxPurpose
from storage.staff_chats import bound_chat_ids, served_stations, staff_areas

__all__ = ["jobs", "send_reminders", "send_digest", "sync_cards", "post_missing_cards"]



async def _remind_deputy(session: AsyncSession, services: Services, notice: DueNotice) -> bool:
    chat_id = await deputy_chat(session, notice.assignee_deputy_id)
    if chat_id is None:
        return False
    config = services.config
    locale = await deputy_locale(session, chat_id, config.default_locale)
    text = t(locale, f"inbox.reminder.{notice.stage}", ticket=notice.ticket,
             which=t(locale, f"triage.deadline.{notice.deadline}"),
             due=format_due(notice.due_at, config.tz))
    markup = inline([[(t(locale, "inbox.button.open", ticket=notice.ticket),
                       encode(DEPUTY, "op", notice.suggestion_id))]])
    row = await outbox.enqueue(
        session, chat_id=chat_id, method="sendMessage",
        payload={"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                 "reply_markup": markup.to_dict()},
        purpose=OutboxPurpose.DEADLINE_REMINDER, suggestion_id=notice.suggestion_id, now=services.clock(),
    )
    return row is not None


async def send_reminders(services: Services) -> int:
    """Remind assignees before and at each deadline; mark overdue cards. Returns reminders."""
    now = services.clock()
    sent = 0
    async with services.db.unit_of_work() as session:
        for notice in await collect_due_notices(session, now):
            if await _remind_deputy(session, services, notice):
                sent += 1
            if notice.stage == "due":
                await refresh_card(session, services.config, notice.suggestion_id, now)
    return sent


async def send_digest(services: Services) -> bool:
    """The daily digest in every staff group (the default one and each bound one, with its
    area's figures), once a day at the configured local time (within two hours of it); a group
    whose area has nothing to report gets no message. True when one was written."""
    config = services.config
    now = services.clock()
    written = False
    async with services.db.unit_of_work() as session:
        for area in await staff_areas(session, config.staff_chat_id):
            chat = None if area.chat_id == config.staff_chat_id else area.chat_id
            day = await digest_owed(session, now, tz=config.tz, at=config.digest_time, chat_id=chat)
            if day is None:
                continue
            figures = await digest_figures(session, now, area)
            mark_digest_sent(session, day, now, chat_id=chat)
            if figures.empty:  # a quiet area gets no message
                continue
            text = digest_figures_text(figures, config.default_locale, day)
            await outbox.enqueue(
                session, chat_id=area.chat_id, method="sendMessage",
                payload={"chat_id": area.chat_id, "text": text, "parse_mode": "HTML"},
                purpose=OutboxPurpose.STAFF_DIGEST, now=now,
            )
            written = True
    return written


def digest_figures_text(figures: DigestFigures, locale: str, day: str) -> str:
    rate = (f"{100 * figures.satisfied / figures.rated:.0f}%" if figures.rated
            else t(locale, "triage.digest_no_rate"))
    return t(locale, "triage.digest", date=day, new=figures.new, unassigned=figures.unassigned,
             overdue=figures.overdue, resolved=figures.resolved, rated=figures.rated,
             satisfied=figures.satisfied, rate=rate, open=figures.open)


async def sync_cards(services: Services) -> int:
    """Re-render cards whose ticket changed since (a rating, a follow-up, a script)."""
    now = services.clock()
    async with services.db.unit_of_work() as session:
        behind = await stale_cards(session, now)
        for sid in behind:
            await refresh_card(session, services.config, sid, now)
    return len(behind)


async def post_missing_cards(services: Services) -> int:
    """Cards for open suggestions sent while no staff group served them (none configured, or
    their area not bound yet); the group's 20 messages a minute are kept by the outbox."""
    now = services.clock()
    posted = 0
    if services.config.staff_chat_id is None:
        async with services.db.reading() as session:  # no group at all: nothing to look at
            if not await bound_chat_ids(session):  # (nor the write lock to take, on SQLite)
                return 0
    async with services.db.unit_of_work() as session:
        served = served_stations(services.config.staff_chat_id)
        for sid in await without_card(session, stations=served):
            posted += await queue_card(session, services.config, sid, now)
    if posted:
        services.outbox_signal.set()
    return posted


def jobs(services: Services) -> list[Job]:
    async def reminders() -> None:
        await send_reminders(services)

    async def digest() -> None:
        await send_digest(services)

    async def cards() -> None:
        await sync_cards(services)

    async def missing() -> None:
        await post_missing_cards(services)

    return [
        Job("missing_cards", 300.0, missing),
        Job("deadline_reminders", 60.0, reminders),
        Job("staff_digest", 60.0, digest),
        Job("card_sync", 20.0, cards),
    ]
