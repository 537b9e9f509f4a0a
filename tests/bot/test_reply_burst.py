"""Direct replies count against Telegram's overall limit too: a burst of residents who all write
at once is answered at about 30 messages a second, not past it into 429s (bot/pacing.py,
``pace_direct_reply``). The emulator enforces Telegram's real limits here."""

from __future__ import annotations

import asyncio
import time

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings

TOKEN = "123456:TEST"
RESIDENTS = 90


async def test_a_burst_of_residents_is_answered_at_the_limit_without_a_429(tmp_path) -> None:  # type: ignore[no-untyped-def]
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0, webhook_retry_delay=0.05))
    await emulator.start()
    settings = Settings(bot_token=TOKEN, bot_api_url=emulator.root,
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'burst.sqlite3'}")
    service = Service(settings, serve_http=False)
    await service.start()
    try:
        warm = emulator.user(1999, language_code="en")  # the service is up and answering
        await warm.send("/help")
        await warm.wait_for(timeout=30)
        await asyncio.sleep(1.1)  # the pacer's bucket is full again
        users = [emulator.user(3000 + i, language_code="en") for i in range(RESIDENTS)]
        started = time.monotonic()
        for user in users:
            await user.send("/help")
        await asyncio.gather(*(user.wait_for(timeout=60) for user in users))
        took = time.monotonic() - started
    finally:
        await service.stop()
        await emulator.stop()
    refused = [c for c in emulator.calls if c.status == 429]
    assert refused == [], f"{len(refused)} replies went past Telegram's limit"
    assert emulator.violations == []
    # 90 answers at ~29/s after a full bucket of 29: about 2 s; far less would mean no pacing.
    assert took >= 1.5, took
