"""kill -9 during a burst: 60 residents confirm their suggestions at once, the service (a separate
process) is killed 0.1 s, 0.3 s or 1 s later and restarted. Every resident is answered, and every
suggestion exists exactly once — those confirmed before the kill with the ticket number they saw.
Polling and webhook alike: Telegram is told an update arrived only after it is committed."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, Limits, SimUser
from dialogs.kernel.callbacks import encode
from dialogs.resident.suggest.steps import FLOW
from storage import Database
from storage.demo import load_demo
from storage.drafts import Draft
from storage.models import DeputyStation, DialogState, Resident, StationCoverage, Suggestion

TOKEN = "123456:BURST"
RESIDENTS = 60
BASE_ID = 880_000
TICKET = re.compile(r"\b(\d{4}-\d{6})\b")
CONFIRM = "✅ 确认提交"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(db_url: str) -> None:
    """The demo district, and 60 residents each at the preview of a suggestion."""
    db = Database(db_url)
    await db.upgrade()
    async with db.unit_of_work() as s:
        await load_demo(s)
    async with db.unit_of_work() as s:
        coverage = (await s.scalars(
            select(StationCoverage)
            .join(DeputyStation, DeputyStation.station_id == StationCoverage.station_id)
            .order_by(StationCoverage.community_code).limit(1))).one()
        for n in range(RESIDENTS):
            uid = BASE_ID + n
            s.add(Resident(telegram_user_id=uid, chat_id=uid, locale="zh",
                           community_code=coverage.community_code, station_id=coverage.station_id,
                           consent_at=_now()))
            draft = Draft(station_id=coverage.station_id, community_code=coverage.community_code,
                          category="urban", parts=[f"路灯坏了 {n}"], location_done=True,
                          recipient_done=True, share_identity=False, step="preview")
            s.add(DialogState(user_id=uid, chat_id=uid, flow=FLOW, step="preview",
                              data={"draft": draft.to_json()}, updated_at=_now()))
    await db.dispose()


def _now() -> Any:
    from dialogs.kernel.context import system_clock

    return system_clock()


def _start(root: str, db_url: str, cwd: Path, log: Path, webhook_port: int | None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIAZHAN_")}
    env.update(JIAZHAN_BOT_TOKEN=TOKEN, JIAZHAN_BOT_API_URL=root, JIAZHAN_DATABASE_URL=db_url,
               JIAZHAN_LISTEN_PORT=str(webhook_port or 0), JIAZHAN_LOG_LEVEL="WARNING")
    args = [sys.executable, "-m", "bot", "run"]
    if webhook_port:
        env["JIAZHAN_WEBHOOK_URL"] = f"http://127.0.0.1:{webhook_port}/telegram"
        args.append("--webhook")
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=out)


async def _wait_ready(emulator: BotApiEmulator, webhook: bool, timeout: float = 60) -> None:
    """Until the service polls (or has set its webhook)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        methods = {c.method for c in emulator.calls}
        if ("setWebhook" if webhook else "getUpdates") in methods:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the service did not start")


def _tickets(user: SimUser) -> list[str]:
    return [m for msg in user.messages() for m in TICKET.findall(msg.text or "")
            if "工单号" in (msg.text or "")]


async def _post_previews(root: str, users: list[SimUser]) -> None:
    """Each resident's preview message with its confirm button, as the bot had sent it."""
    markup = {"inline_keyboard": [[{"text": CONFIRM, "callback_data": encode(FLOW, "confirm")}]]}
    async with aiohttp.ClientSession() as http:
        for user in users:
            async with http.post(f"{root}/bot{TOKEN}/sendMessage", json={
                    "chat_id": user.user_id, "text": "预览", "reply_markup": markup}) as resp:
                assert resp.status == 200


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
@pytest.mark.parametrize("kill_after", [0.1, 0.3, 1.0])
async def test_kill_9_during_a_burst_loses_nothing(tmp_path: Path, kill_after: float,
                                                   webhook: bool) -> None:
    limits = dataclasses.replace(Limits.unlimited(), max_long_poll=1.0, webhook_retry_delay=0.05)
    emulator = BotApiEmulator(TOKEN, limits=limits)
    root = await emulator.start()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'burst.sqlite3'}"
    await _seed(db_url)
    users = [emulator.user(BASE_ID + n, language_code="zh-hans") for n in range(RESIDENTS)]
    await _post_previews(root, users)
    log = tmp_path / "service.log"
    port = _free_port() if webhook else None
    service = _start(root, db_url, tmp_path, log, port)
    try:
        await _wait_ready(emulator, webhook)
        for user in users:
            await user.press(CONFIRM)
        await asyncio.sleep(kill_after)
        service.send_signal(signal.SIGKILL)
        await asyncio.get_running_loop().run_in_executor(None, service.wait, 10)
        before = {u.user_id: _tickets(u) for u in users}
        confirmed = {uid: t[0] for uid, t in before.items() if t}

        restarted = time.monotonic()
        service = _start(root, db_url, tmp_path, log, port)
        for user in users:
            await user.wait_until(lambda msgs: any("工单号" in (m.text or "") for m in msgs),
                                  timeout=60)
        answered_in = time.monotonic() - restarted
        await asyncio.sleep(1.0)  # a duplicate would show up now
    finally:
        service.send_signal(signal.SIGTERM)
        await asyncio.get_running_loop().run_in_executor(None, service.wait, 20)
        await emulator.stop()
    db = Database(db_url)
    async with db.reading() as s:
        rows = (await s.execute(select(Resident.telegram_user_id, Suggestion.ticket).join(
            Suggestion, Suggestion.resident_id == Resident.id))).all()
        total = await s.scalar(select(func.count()).select_from(Suggestion))
    await db.dispose()
    stored: dict[int, list[str]] = {}
    for uid, ticket in rows:
        stored.setdefault(uid, []).append(ticket)
    shown = {u.user_id: _tickets(u) for u in users}
    print(f"\nburst {'webhook' if webhook else 'polling'} kill after {kill_after}s: "
          f"{len(confirmed)}/{RESIDENTS} confirmed before the kill, all {RESIDENTS} answered "
          f"{answered_in:.1f}s after the restart; "
          f"{sum(len(t) > 1 for t in shown.values())} saw their ticket twice; "
          + " ".join(line.strip() for line in log.read_text().splitlines() if "recovered" in line))
    assert total == RESIDENTS
    assert all(len(stored.get(u.user_id, [])) == 1 for u in users), stored
    for uid, ticket in confirmed.items():
        assert stored[uid] == [ticket]
    for uid, tickets in shown.items():
        assert set(tickets) == set(stored[uid]) and len(tickets) <= 2, (uid, tickets)
    assert emulator.violations == []
    assert not math.isnan(answered_in)
