"""Two service processes on one PostgreSQL database serve the whole city: one receives updates,
the other sends the outbox; each district's cards reach its own group, once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings
from dialogs.staff.card import queue_card
from storage import Database, lifecycle
from storage.deadlines import Deadlines
from storage.demo import load_demo
from storage.models import Resident, Station, StationCoverage, Town
from storage.staff_chats import bind_staff_chat

TOKEN = "123456:CITY"
GROUPS = {"110114": -1003000000001, "110118": -1003000000002}


@pytest.fixture
async def city_postgres(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own holding the whole-city demo (the shared one keeps its data)."""
    base = make_url(postgres_url)
    name = f"jiazhan_city_{uuid.uuid4().hex[:8]}"
    admin = Database(postgres_url)
    async with admin.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    await db.upgrade()
    async with db.unit_of_work() as session:
        await load_demo(session, area="北京市")
    await db.dispose()
    try:
        yield url
    finally:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.mark.postgres
async def test_a_receiver_and_a_worker_serve_the_city(city_postgres: str) -> None:
    emulator = BotApiEmulator(TOKEN, limits=Limits.unlimited())
    root = await emulator.start()
    emulator.group(-1003000000009, "默认工作群", admins=(9001,))
    settings = Settings(bot_token=TOKEN, database_url=city_postgres, bot_api_url=root,
                        staff_chat_id=-1003000000009, admin_ids=[9001])
    receiver, worker = Service(settings, serve_http=False), Service(settings, serve_http=False)
    await receiver.start()
    await worker.start(receive=False)
    tickets: dict[str, str] = {}
    try:
        for district, chat in GROUPS.items():
            emulator.group(chat, district, admins=(9001,))
        now = datetime.now(UTC)
        async with receiver.db.unit_of_work() as s:
            for district, chat in GROUPS.items():
                await bind_staff_chat(s, chat, district, by=9001, now=now)
                community, station = (await s.execute(
                    select(StationCoverage.community_code, StationCoverage.station_id)
                    .join(Station, Station.id == StationCoverage.station_id)
                    .join(Town, Town.code == Station.town_code)
                    .where(Town.district_code == district).limit(1))).one()
                resident = Resident(telegram_user_id=int(district), chat_id=int(district),
                                    community_code=community, station_id=station, consent_at=now)
                s.add(resident)
                await s.flush()
                suggestion = await lifecycle.create_suggestion(
                    s, resident_id=resident.id, station_id=station, category_code="urban",
                    text="路灯坏了。", now=now, deadlines=Deadlines(), community_code=community)
                assert await queue_card(s, receiver.services.config, suggestion.id, now)
                tickets[district] = suggestion.ticket
        worker.services.outbox_signal.set()
        for district, chat in GROUPS.items():
            await emulator.group(chat).wait_until(
                lambda ms, d=district: any(tickets[d] in (m.text or "") for m in ms), timeout=60)
        user = emulator.user(4242, language_code="zh-hans")
        await user.send("/start")
        (welcome,) = await user.wait_for(timeout=60)
    finally:
        # The first start announces the city's thousands of new meetings; a job still busy with
        # that when the service stops is cancelled (not a failure of what is tested here).
        for service in (worker, receiver):
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await service.stop()
        await emulator.stop()
    assert welcome.text.startswith("北京市人大代表家站")
    for district, chat in GROUPS.items():
        cards = [m for m in emulator.group(chat).messages() if tickets[district] in (m.text or "")]
        others = [m for m in emulator.group(chat).messages()
                  if any(t in (m.text or "") for d, t in tickets.items() if d != district)]
        assert len(cards) == 1 and others == []
    assert emulator.violations == []
