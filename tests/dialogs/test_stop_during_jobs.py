"""Stopping the service while a long job runs: a city's first start announces thousands of new
meetings in one job, and a stop (a deploy, Ctrl-C) in the middle of it must stop cleanly — no
exception, nothing half-written — and the next start does the work again."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings
from storage import Database
from storage.announcements import ANNOUNCEMENT_KIND
from storage.models import Broadcast, Meeting, Resident, Station, Subscription

pytestmark = pytest.mark.e2e
TOKEN = "123456:TEST"
MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # announcements go out


def _clock() -> Callable[[], datetime]:
    """The service's clock: 09:00 local when the test starts, then real time."""
    started = time.monotonic()
    return lambda: MORNING.astimezone(UTC) + timedelta(seconds=time.monotonic() - started)


async def _subscribe_everywhere(db: Database, clock: Callable[[], datetime]) -> None:
    """One resident subscribed to every station of the city: every coming meeting is news."""
    async with db.unit_of_work() as s:
        resident = Resident(telegram_user_id=5555, chat_id=5555, locale="zh",
                            consent_at=clock())
        s.add(resident)
        await s.flush()
        for station_id in (await s.scalars(select(Station.id))).all():
            s.add(Subscription(resident_id=resident.id, station_id=station_id))


async def _announced(db: Database) -> tuple[int, int]:
    async with db.reading() as s:
        meetings = await s.scalar(select(func.count()).select_from(Meeting)
                                  .where(Meeting.announced_at.is_not(None)))
        broadcasts = await s.scalar(select(func.count()).select_from(Broadcast)
                                    .where(Broadcast.kind == ANNOUNCEMENT_KIND))
    return int(meetings or 0), int(broadcasts or 0)


async def test_stop_while_the_first_start_announces_the_citys_meetings(
    city_template: Path, tmp_path: Path
) -> None:
    db_file = tmp_path / "city.sqlite3"
    shutil.copyfile(city_template, db_file)
    url = f"sqlite+aiosqlite:///{db_file}"
    clock = _clock()
    db = Database(url)
    await _subscribe_everywhere(db, clock)
    await db.dispose()
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
    settings = Settings(bot_token=TOKEN, database_url=url, bot_api_url=await emulator.start(),
                        staff_chat_id=None, locale="zh")
    service = Service(settings, clock=clock, serve_http=False)
    try:
        await service.start()
        assert service.scheduler is not None
        for _ in range(600):  # the jobs before it run first
            if service.scheduler.current == "meeting_announcements":
                break
            await asyncio.sleep(0.05)
        assert service.scheduler.current == "meeting_announcements"
        await asyncio.sleep(0.5)  # well into it (the whole job takes a minute here)
        await asyncio.wait_for(service.stop(), 30)  # no exception, and not the job's minute
    finally:
        if service.app is not None:
            await service.stop()
        await emulator.stop()
    db = Database(url)
    try:
        # Nothing half-written: the interrupted job's transaction was rolled back as a whole,
        # so the next start announces every one of those meetings.
        assert await _announced(db) == (0, 0)
    finally:
        await db.dispose()
