"""Two service processes on one PostgreSQL database: an update acts once, a message goes once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import text
from telegram import Update

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings
from dialogs.kernel.unit import run_turn
from storage import outbox

TOKEN = "123456:TWO"


@pytest.mark.postgres
async def test_two_services_share_one_postgres_database(postgres_url: str) -> None:
    emulator = BotApiEmulator(TOKEN, limits=Limits.unlimited())
    root = await emulator.start()
    settings = Settings(bot_token=TOKEN, database_url=postgres_url, bot_api_url=root)
    receiver, worker = Service(settings, serve_http=False), Service(settings, serve_http=False)
    await receiver.start()
    await worker.start(receive=False)
    try:
        async with receiver.db.unit_of_work() as session:
            await session.execute(text("DELETE FROM outbox"))  # the database is shared by tests
        chats = [7100 + i for i in range(20)]
        users = [emulator.user(c, language_code="en") for c in chats]
        async with receiver.db.unit_of_work() as session:
            for n in range(5):
                for c in chats:
                    await outbox.enqueue(session, chat_id=c, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT,
                                         payload={"chat_id": c, "text": f"note {n}"})
        receiver.services.outbox_signal.set()
        worker.services.outbox_signal.set()
        for user in users:
            await user.wait_until(lambda msgs: len(msgs) >= 5, timeout=20)
        await asyncio.sleep(0.5)  # anything sent twice would show up now

        # One update handled by both processes at once: the effect happens once.
        update = Update.de_json({"update_id": 987654321, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 7200, "type": "private"},
            "from": {"id": 7200, "is_bot": False, "first_name": "A", "language_code": "en"},
            "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}},
            receiver.app.bot)
        emulator.user(7200, language_code="en")
        calls: Counter[str] = Counter()

        async def handler(turn) -> None:  # type: ignore[no-untyped-def]
            calls["handled"] += 1
            turn.say("common.help")

        turns = await asyncio.gather(
            run_turn(receiver.services, update, receiver.app.bot, handler),
            run_turn(worker.services, update, worker.app.bot, handler),
        )
    finally:
        await worker.stop()
        await receiver.stop()
        await emulator.stop()
    for user in users:
        assert [m.text for m in user.messages()] == [f"note {n}" for n in range(5)]
    assert calls["handled"] == 1
    assert sum(t is not None for t in turns) == 1
    assert emulator.violations == []
