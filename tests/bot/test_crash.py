"""kill -9 in the middle of a dialog: the resident goes on where they were after a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.emulator import BotApiEmulator, Limits
from storage import Database
from storage.models import Resident

TOKEN = "123456:CRASH"


def _start(root: str, db_url: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIAZHAN_")}
    env.update(JIAZHAN_BOT_TOKEN=TOKEN, JIAZHAN_BOT_API_URL=root, JIAZHAN_DATABASE_URL=db_url,
               JIAZHAN_LISTEN_PORT="0", JIAZHAN_LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--demo"], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_kill_9_mid_dialog_then_continue(tmp_path: Path) -> None:
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
    root = await emulator.start()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.sqlite3'}"
    service = _start(root, db_url, tmp_path)
    try:
        resident = emulator.user(5001, language_code="zh-hans")
        await resident.send("/start")
        await resident.wait_until(lambda msgs: any("同意" in m.labels[0] for m in msgs if m.labels),
                                  timeout=30)
        await resident.press("✅ 同意")
        await resident.wait_until(lambda msgs: any("您住在哪里" in (m.text or "") for m in msgs),
                                  timeout=10)
        service.send_signal(signal.SIGKILL)
        service.wait(timeout=10)

        service = _start(root, db_url, tmp_path)
        await resident.send("溪翁庄镇金叵罗村")
        await resident.wait_until(lambda msgs: any("找到了" in (m.text or "") for m in msgs),
                                  timeout=30)
        await resident.press("✅ 是的，就是这里")
        await resident.wait_until(lambda msgs: any("人大代表联络站" in (m.text or "")
                                                   and "本站代表" in (m.text or "") for m in msgs),
                                  timeout=10)
    finally:
        service.send_signal(signal.SIGTERM)
        await asyncio.get_running_loop().run_in_executor(None, service.wait, 20)
        await emulator.stop()
    db = Database(db_url)
    async with db.reading() as session:
        person = await session.scalar(select(Resident).where(Resident.telegram_user_id == 5001))
    await db.dispose()
    assert person is not None and person.community_code is not None and person.station_id
    assert emulator.violations == []
