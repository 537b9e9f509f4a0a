"""200 suggestions arrive at once: the staff group still gets at most 20 messages a minute, every
card arrives, and a burst of changes to a card costs one edit.

Time is scaled: the window is WINDOW seconds instead of 60 and every limit is scaled alike
(20 per window per group, 30/s overall times the same factor), on the emulator's side (token
buckets, 429 past them) and on the pacer's side, so the storm takes seconds and the group limit is
the one that binds. The worker and the pacer are the production ones.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from telegram import Bot

from bot.delivery import DeliveryWorker
from bot.emulator import BotApiEmulator, Limits
from bot.pacing import Limits as PacerLimits
from dialogs.kernel.context import DialogConfig
from dialogs.staff.card import queue_card, refresh_card
from storage import Database, lifecycle, outbox
from storage.deadlines import Deadlines
from storage.models import (
    OutboxMessage,
    OutboxStatus,
    Priority,
    Resident,
    StationCoverage,
)
from storage.roles import Actor

CHAT = -1001000000099
WINDOW = 0.3  # seconds standing for Telegram's minute
SCALE = 60 / WINDOW  # every limit is scaled alike (the overall 30/s too)
PER_WINDOW = 20
JITTER = 0.05  # the pacer records a send just before the HTTP call, the emulator on arrival;
# on a loaded 2-core machine arrivals bunch by tens of ms (a pacer ignoring the limit would send
# all 200 at once, far outside this margin; the emulator's own 429s are asserted below too)
STORM = 200
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


async def _storm(db: Database, config: DialogConfig) -> list[int]:
    """200 suggestions and their cards in one go, then three changes to each of the first ten
    while their cards are still waiting."""
    async with db.unit_of_work() as s:
        coverage = await s.scalar(select(StationCoverage).limit(1))
        assert coverage is not None
        resident = Resident(telegram_user_id=5555, chat_id=5555, consent_at=NOW,
                            community_code=coverage.community_code,
                            station_id=coverage.station_id)
        s.add(resident)
        await s.flush()
        ids = []
        for i in range(STORM):
            suggestion = await lifecycle.create_suggestion(
                s, resident_id=resident.id, station_id=coverage.station_id,
                category_code="urban", text=f"第 {i} 条：路灯不亮", now=NOW,
                deadlines=Deadlines())
            assert await queue_card(s, config, suggestion.id, NOW)
            ids.append(suggestion.id)
    async with db.unit_of_work() as s:
        for sid in ids[:10]:
            for priority in (Priority.HIGH, Priority.URGENT, Priority.NORMAL):
                await lifecycle.set_priority(s, sid, Actor.system(), now=NOW, priority=priority)
                await refresh_card(s, config, sid, NOW)
    return ids


async def _drain(worker: DeliveryWorker, db: Database, timeout: float) -> None:
    task = asyncio.create_task(worker.run())
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            async with db.reading() as s:
                if await outbox.depth(s) == 0:
                    return
            await asyncio.sleep(0.05)
        raise AssertionError("the outbox did not drain in time")
    finally:
        worker.stop()
        await task


async def test_two_hundred_cards_keep_the_group_rate_and_none_is_lost(
    demo_template: Path, tmp_path: Path
) -> None:
    db_file = tmp_path / "storm.sqlite3"
    shutil.copyfile(demo_template, db_file)
    db = Database(f"sqlite+aiosqlite:///{db_file}")
    emulator = BotApiEmulator("123456:STORM", limits=Limits(
        global_rate=30 * SCALE, global_burst=30 * SCALE,
        group_rate=PER_WINDOW / WINDOW, group_burst=PER_WINDOW))
    root = await emulator.start()
    emulator.group(CHAT, "家站工作群", admins=(9001,))
    bot = Bot("123456:STORM", base_url=root + "/bot")
    await bot.initialize()
    try:
        config = DialogConfig(staff_chat_id=CHAT)
        ids = await _storm(db, config)
        worker = DeliveryWorker(
            db, bot, signal=asyncio.Event(), clock=lambda: NOW, batch=50,
            limits=PacerLimits(per_second=25 * SCALE, group_per_minute=PER_WINDOW,
                               group_window=WINDOW))
        started = time.monotonic()
        await _drain(worker, db, timeout=30.0)
        elapsed = time.monotonic() - started
    finally:
        await bot.shutdown()
        await emulator.stop()

    shown = {m.text.split("\n")[0] for m in emulator.group(CHAT).messages()}
    assert len(emulator.group(CHAT).messages()) == STORM  # every card, no other message
    assert len(shown) == STORM
    sends = sorted(emulator.sent_times(CHAT))
    assert len(sends) == STORM
    for i in range(len(sends) - PER_WINDOW):  # never 21 in any window (JITTER: the pacer
        assert sends[i + PER_WINDOW] - sends[i] >= WINDOW - JITTER  # stamps before the call)
    assert elapsed >= (STORM / PER_WINDOW - 1) * WINDOW * 0.95
    assert not [r for r in emulator.refusals if "Too Many Requests" in r]
    edits = [c for c in emulator.calls if c.method == "editMessageText" and c.ok]
    assert len(edits) == 10  # three changes to each of ten cards: one edit each
    async with db.reading() as s:
        statuses = dict((await s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
        assert statuses == {OutboxStatus.SENT: STORM + 10}
    assert len(ids) == STORM
    assert emulator.violations == []
    await db.dispose()
