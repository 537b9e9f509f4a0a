"""The SQLite file belongs to one service: a second one refuses to start, and a deleted or
replaced file stops the service from taking updates instead of writing into a lost file."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.emulator import BotApiEmulator, Limits
from bot.service import Service
from bot.settings import Settings
from storage.sqlite_file import DatabaseInUse

TOKEN = "123456:FILE"


def _settings(root: str, db_file: Path, **extra: object) -> Settings:
    return Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{db_file}",
                    bot_api_url=root, listen_port=0, **extra)  # type: ignore[arg-type]


async def test_a_second_service_on_one_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
    root = await emulator.start()
    db_file = tmp_path / "one.sqlite3"
    first = Service(_settings(root, db_file), serve_http=False)
    await first.start()
    try:
        second = Service(_settings(root, db_file), serve_http=False)
        with pytest.raises(DatabaseInUse):
            await second.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIAZHAN_")}
        env.update(JIAZHAN_BOT_TOKEN=TOKEN, JIAZHAN_BOT_API_URL=root, JIAZHAN_LOCALE="en",
                   JIAZHAN_DATABASE_URL=f"sqlite+aiosqlite:///{db_file}", JIAZHAN_LISTEN_PORT="0")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--demo", env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    finally:
        await first.stop()
        await emulator.stop()
    assert proc.returncode == 2
    message = err.decode().strip()
    assert message.startswith("Another Jiazhan service is using the database"), message
    assert "PostgreSQL" in message and "Traceback" not in message
    assert [c.method for c in emulator.calls].count("getMe") == 1  # the second never got going
    # The lock goes with the service: the file can be opened by the next one.
    third = Service(_settings(emulator.root, db_file), serve_http=False)
    assert third.db.file_guard is not None
    third.db.file_guard.lock()
    third.db.file_guard.release()
    await third.db.dispose()


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_lost_database_file_stops_taking_updates(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=0.5))
    root = await emulator.start()
    db_file = tmp_path / "lost.sqlite3"
    service = Service(_settings(root, db_file))
    await service.start()
    health = f"http://127.0.0.1:{service.http_port}/healthz"
    try:
        user = emulator.user(6101, language_code="en")
        await user.send("/help")
        await user.wait_for()
        if how == "deleted":
            db_file.unlink()
        else:
            other = tmp_path / "other.sqlite3"
            sqlite3.connect(other).close()
            os.replace(other, db_file)
        with caplog.at_level(logging.ERROR, logger="jiazhan.service"):
            async with aiohttp.ClientSession() as http:
                async with http.get(health) as resp:
                    assert resp.status == 503
                    assert (await resp.json())["database_file"] is False
                for _ in range(50):
                    if not service.receiving:
                        break
                    await asyncio.sleep(0.1)
            await user.send("/help")
            await asyncio.sleep(1.5)
        assert not service.receiving
        assert len(user.messages()) == 1  # the second /help was not taken
        assert emulator.world.pending, "the update stays with Telegram for a good service"
        assert any("deleted or replaced" in r.getMessage() for r in caplog.records)
    finally:
        await service.stop()
        await emulator.stop()
    assert emulator.violations == []
