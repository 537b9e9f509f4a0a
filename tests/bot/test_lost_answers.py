"""A resident whose answer from Telegram was lost gets at most one repeat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings
from storage import Database
from storage.models import OutboxMessage, OutboxStatus

TOKEN = "123456:LOST"


async def test_a_resident_gets_at_most_one_repeat(tmp_path: Path) -> None:
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
    await emulator.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'lost.sqlite3'}"
    service = Service(Settings(bot_token=TOKEN, database_url=url, bot_api_url=emulator.root),
                      serve_http=False)
    await service.start()
    try:
        user = emulator.user(2301, language_code="en")
        # The direct answer arrives but its response is lost, then the same with the repeat.
        emulator.fail_next(2, "lost_response", methods=["sendMessage"], chat_id=2301)
        await user.send("/help")
        await user.wait_until(lambda msgs: len(msgs) >= 2, timeout=20)
        await asyncio.sleep(4.0)  # blind retries (2 s, then 4 s backoff) would show up by now
        texts = [m.text for m in user.messages()]
    finally:
        await service.stop()
        await emulator.stop()
    assert len(texts) == 2 and texts[0] == texts[1] and "I can help you" in texts[0]
    db = Database(url)
    async with db.reading() as s:
        (row,) = (await s.scalars(select(OutboxMessage))).all()
    await db.dispose()
    assert row.status == OutboxStatus.FAILED and row.uncertain == 2
    assert row.last_error == "outcome unknown after a repeat"
    assert emulator.violations == []
