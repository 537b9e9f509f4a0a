"""The running service: webhook and polling, health and metrics, and an outbox that never loses a
message through 429 storms, blocked users, dropped connections and crashes."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.emulator import BotApiEmulator, Limits
from bot.pacing import Limits as PacerLimits
from bot.service import Service
from bot.settings import Settings
from storage import Database, outbox
from storage.models import OutboxMessage, OutboxStatus, Resident

TOKEN = "123456:TEST"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0, webhook_retry_delay=0.05))
    await emu.start()
    yield emu
    await emu.stop()


def _settings(emu: BotApiEmulator, tmp_path, **extra: object) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite3'}",
                    bot_api_url=emu.root, **extra)


async def test_polling_answers_a_user(emulator: BotApiEmulator, tmp_path) -> None:
    service = Service(_settings(emulator, tmp_path), serve_http=False)
    await service.start()
    try:
        user = emulator.user(2001, language_code="en")
        await user.send("/help")
        assert "I can help you" in (await user.wait_for())[-1].text
    finally:
        await service.stop()
    assert [c.method for c in emulator.calls].count("setMyCommands") == 2  # zh default, en
    assert emulator.violations == []


async def test_webhook_checks_the_secret_and_serves_health_and_metrics(
    emulator: BotApiEmulator, tmp_path
) -> None:
    port = _free_port()
    settings = _settings(emulator, tmp_path, webhook_url=f"http://127.0.0.1:{port}/telegram",
                         webhook_secret="s3cret-token", listen_port=port)
    service = Service(settings)
    await service.start(webhook=True)
    try:
        user = emulator.user(2002, language_code="en")
        await user.send("/help")
        assert "I can help you" in (await user.wait_for())[-1].text
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"
            forged = {"update_id": 1, "message": {"message_id": 1, "date": 0,
                                                  "chat": {"id": 1, "type": "private"}, "text": "/help"}}
            async with http.post(f"{base}/telegram", json=forged,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as resp:
                assert resp.status == 403
            async with http.post(f"{base}/telegram", data=b"not json",
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}) as resp:
                assert resp.status == 400
            async with http.get(f"{base}/healthz") as resp:
                assert resp.status == 200
                # No staff group in these settings: reported, but the service is healthy.
                assert await resp.json() == {"ok": True, "database": True, "database_file": True,
                                              "delivery_worker": True, "staff_group": False}
            async with http.get(f"{base}/metrics") as resp:
                body = await resp.text()
        assert 'jiazhan_updates_handled_total{handler="help"} 1.0' in body
        assert "jiazhan_handler_latency_seconds_bucket" in body
        assert "jiazhan_outbox_depth 0.0" in body
    finally:
        await service.stop()
    assert emulator.violations == []


async def test_webhook_on_a_path_of_its_own(emulator: BotApiEmulator, tmp_path) -> None:
    # A webhook URL behind a reverse proxy rarely ends in /telegram: the service listens where it
    # told Telegram to post (this once failed to start with a KeyError).
    port = _free_port()
    settings = _settings(emulator, tmp_path, webhook_url=f"http://127.0.0.1:{port}/bots/jiazhan/hook",
                         listen_port=port)
    service = Service(settings)
    await service.start(webhook=True)
    try:
        user = emulator.user(2003, language_code="en")
        await user.send("/help")
        assert "I can help you" in (await user.wait_for())[-1].text
    finally:
        await service.stop()
    assert emulator.violations == []


async def _enqueue(db: Database, chat_ids: list[int], per_chat: int) -> None:
    async with db.unit_of_work() as session:
        for i in range(per_chat):
            for chat_id in chat_ids:
                await outbox.enqueue(session, chat_id=chat_id, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT,
                                     payload={"chat_id": chat_id, "text": f"message {i}"})


async def test_429_storm_blocked_user_and_dropped_connections_lose_nothing(tmp_path) -> None:
    # The emulator keeps Telegram's real per-chat limit (1/s, small burst); our pacer is told
    # the limit is ten times looser, so it runs into 429s and must honour retry_after.
    emu = BotApiEmulator(TOKEN, limits=Limits(private_rate=4.0, private_burst=2.0, max_long_poll=1.0))
    await emu.start()
    settings = _settings(emu, tmp_path)
    service = Service(settings, serve_http=False, limits=PacerLimits(private_interval=0.02))
    await service.start()
    try:
        users = [emu.user(3000 + i, language_code="en") for i in range(3)]
        blocked = emu.user(3999, language_code="en")
        async with service.db.unit_of_work() as session:
            session.add(Resident(telegram_user_id=3999, chat_id=3999, locale="en"))
        blocked.block()
        emu.fail_next(4, "disconnect", methods=["sendMessage"])
        emu.fail_next(2, "500", methods=["sendMessage"])
        await _enqueue(service.db, [u.user_id for u in users] + [3999], per_chat=6)
        service.services.outbox_signal.set()
        for user in users:
            await user.wait_until(lambda msgs: len(msgs) >= 6, timeout=20)
    finally:
        await service.stop()
    for user in users:
        assert [m.text for m in user.messages()] == [f"message {i}" for i in range(6)]
    assert any("Too Many Requests" in r for r in emu.refusals), emu.refusals
    db = Database(settings.database_url)
    async with db.reading() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
        resident = (await session.scalars(select(Resident))).one()
    await db.dispose()
    assert {r.status for r in rows if r.chat_id != 3999} == {OutboxStatus.SENT}
    assert {r.status for r in rows if r.chat_id == 3999} == {OutboxStatus.DROPPED}
    assert resident.blocked_at is not None
    assert emu.violations == []
    await emu.stop()


async def test_messages_leased_by_a_crashed_worker_are_sent_after_the_lease(tmp_path) -> None:
    emu = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
    await emu.start()
    settings = _settings(emu, tmp_path)
    db = Database(settings.database_url)
    await db.upgrade()
    user = emu.user(4001, language_code="en")
    await _enqueue(db, [4001], per_chat=3)
    from dialogs.kernel.context import system_clock

    async with db.unit_of_work() as session:  # a worker that died right after claiming
        claimed = await outbox.claim_due(session, owner="dead", now=system_clock(), limit=10)
        assert len(claimed) == 3
    await db.dispose()

    offset = timedelta()

    def clock():  # type: ignore[no-untyped-def]
        return system_clock() + offset

    service = Service(settings, serve_http=False, clock=clock)
    await service.start()
    try:
        service.services.outbox_signal.set()
        await service.worker.run_once()
        assert user.messages() == []  # still leased to the dead worker
        offset = timedelta(seconds=31)
        await user.wait_until(lambda msgs: len(msgs) == 3, timeout=10)
    finally:
        await service.stop()
        await emu.stop()
    assert [m.text for m in user.messages()] == ["message 0", "message 1", "message 2"]
