"""Benchmark: a broadcast at the speed Telegram allows while residents keep talking to the bot.

The strict emulator runs in this process with Telegram's limits ON (30 messages/s overall, 1/s
per private chat); the service (`python -m bot run`) runs in its own process on a SQLite file
holding the demo district plus N residents. 100 residents talk (about 5 updates/s) for
``--idle-seconds`` with no broadcast, then an announcement to the N residents is confirmed and
they keep talking until it is done, then ``--idle-seconds`` more with no broadcast: the idle
latency is from before and after (more samples, and no start-up moment alone). With ``--crash``
the service is killed with SIGKILL half-way and started again. Latency is from the update being
queued to the emulator receiving the answer, on one monotonic clock. Prints one JSON object.

    python tests/benchmarks/broadcast.py [--recipients 10000] [--crash] [--talkers 100] [--rate 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.emulator import BotApiEmulator, Limits
from storage import Database
from storage import broadcasts as engine
from storage.models import Delivery, Resident

TOKEN = "123456:BENCH"
MARK = "【压测公告】"
FIRST_RECIPIENT = 50_000_000
FIRST_TALKER = 60_000_000
TELEGRAM_OVERALL = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def _prepare(url: str, recipients: int) -> None:
    from storage.demo import load_demo

    db = Database(url)
    await db.upgrade()
    async with db.unit_of_work() as session:
        await load_demo(session)
    now = datetime.now(UTC)
    async with db.unit_of_work() as session:
        await session.execute(insert(Resident), [
            {"telegram_user_id": FIRST_RECIPIENT + i, "chat_id": FIRST_RECIPIENT + i,
             "locale": "zh", "consent_at": now} for i in range(recipients)])
    await db.dispose()


def _start_service(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=handle,
                                stderr=subprocess.STDOUT)


async def _wait_polling(emulator: BotApiEmulator, since: int) -> None:
    for _ in range(1200):
        if any(c.method == "getUpdates" for c in emulator.world.calls[since:]):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the service did not start polling")


class Talkers:
    """100 residents who each send /help now and then: ~``rate`` updates/s in all."""

    def __init__(self, emulator: BotApiEmulator, count: int, rate: float) -> None:
        self.users = [emulator.user(FIRST_TALKER + i, language_code="zh-hans") for i in range(count)]
        self.rate = rate
        self.sent: list[tuple[int, float, str]] = []  # (chat, at, phase)
        self.phase = "idle"
        self._stop = asyncio.Event()

    async def run(self) -> None:
        rng = random.Random(7)
        while not self._stop.is_set():
            user = rng.choice(self.users)
            self.sent.append((user.user_id, time.monotonic(), self.phase))
            await user.send("/help")
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=rng.expovariate(self.rate))
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stop.set()


def _latencies(emulator: BotApiEmulator, talkers: Talkers, phase: str) -> list[float]:
    answers: dict[int, list[float]] = {}
    for call in emulator.world.calls:
        if call.method == "sendMessage" and call.status == 200 and isinstance(call.chat_id, int) \
                and call.chat_id >= FIRST_TALKER:
            answers.setdefault(call.chat_id, []).append(call.at)
    out = []
    for chat, at, which in talkers.sent:
        if which != phase:
            continue
        later = [a for a in answers.get(chat, []) if a >= at]
        if later:
            out.append((min(later) - at) * 1000)
    return out


async def _confirm(url: str, recipients: int) -> int:
    db = Database(url)
    payloads = {"zh": {"method": "sendMessage", "params": {"text": MARK + "明天降雪，接待日改期。"}}}
    async with db.unit_of_work() as session:
        ids = list(await session.scalars(select(Resident.id).where(
            Resident.telegram_user_id >= FIRST_RECIPIENT, Resident.telegram_user_id < FIRST_TALKER)))
        b = await engine.create_broadcast(
            session, kind="custom", payloads=payloads, urgent=True,  # urgent: quiet hours aside
            resident_ids=ids, now=datetime.now(UTC))
        await engine.confirm(session, b.id, now=datetime.now(UTC))
        bid = b.id
    await db.dispose()
    return bid


async def _in_flight(url: str, broadcast_id: int) -> int:
    db = Database(url)
    async with db.reading() as session:
        n = await session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.broadcast_id == broadcast_id, Delivery.status == "pending",
            Delivery.lease_until.is_not(None), Delivery.lease_until > datetime.now(UTC)))
    await db.dispose()
    return int(n or 0)


def _broadcast_calls(emulator: BotApiEmulator) -> list[Any]:
    return [c for c in emulator.world.calls if c.method == "sendMessage" and c.status == 200
            and isinstance(c.chat_id, int) and FIRST_RECIPIENT <= c.chat_id < FIRST_TALKER]


async def main(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="jiazhan-bcast-"))
    url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    await _prepare(url, args.recipients)
    emulator = BotApiEmulator(TOKEN, limits=Limits(max_long_poll=1.0))
    root = await emulator.start()
    for i in range(args.recipients):
        emulator.user(FIRST_RECIPIENT + i, language_code="zh-hans")
    env = {**os.environ, "JIAZHAN_BOT_TOKEN": TOKEN, "JIAZHAN_BOT_API_URL": root,
           "JIAZHAN_DATABASE_URL": url, "JIAZHAN_LOG_LEVEL": "WARNING",
           "JIAZHAN_LISTEN_PORT": str(_free_port())}
    env.pop("JIAZHAN_STAFF_CHAT_ID", None)
    log = tmp / "service.log"
    service = _start_service(env, log)
    talkers = Talkers(emulator, args.talkers, args.rate)
    result: dict[str, Any] = {"benchmark": "broadcast", "recipients": args.recipients,
                              "talkers": args.talkers, "talk_rate_per_s": args.rate,
                              "machine_cores": os.cpu_count(), "database": "sqlite"}
    try:
        await _wait_polling(emulator, 0)
        talking = asyncio.create_task(talkers.run())
        await asyncio.sleep(args.idle_seconds)
        talkers.phase = "broadcast"
        broadcast_id = await _confirm(url, args.recipients)
        deadline = time.monotonic() + args.recipients / 10 + 120
        crashed = False
        delivered: set[int] = set()
        seen = 0
        while time.monotonic() < deadline:
            calls_now = emulator.world.calls
            for c in calls_now[seen:]:  # incremental: the emulator we measure must not starve
                if c.method == "sendMessage" and c.status == 200 and isinstance(c.chat_id, int) \
                        and FIRST_RECIPIENT <= c.chat_id < FIRST_TALKER:
                    delivered.add(c.chat_id)
            seen = len(calls_now)
            if args.crash and not crashed and len(delivered) >= args.recipients // 2:
                service.send_signal(signal.SIGKILL)
                service.wait()
                result["crash_in_flight"] = await _in_flight(url, broadcast_id)
                crashed_at = len(emulator.world.calls)
                service = _start_service(env, log)
                await _wait_polling(emulator, crashed_at)
                crashed = True
            if len(delivered) >= args.recipients:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)
        talkers.phase = "after"  # idle again: the baseline is measured before AND after
        await asyncio.sleep(args.idle_seconds)
        talkers.stop()
        await talking
        calls = _broadcast_calls(emulator)
        per_chat: dict[int, int] = {}
        for c in calls:
            per_chat[int(c.chat_id)] = per_chat.get(int(c.chat_id), 0) + 1
        start, end = min(c.at for c in calls), max(c.at for c in calls)
        seconds = max(end - start, 1e-9)
        talk_answers = [c for c in emulator.world.calls if c.status == 200
                        and c.method.startswith("send") and isinstance(c.chat_id, int)
                        and c.chat_id >= FIRST_TALKER and start <= c.at <= end]
        interactive_rate = len(talk_answers) / seconds
        rate = len(calls) / seconds
        idle = _latencies(emulator, talkers, "idle") + _latencies(emulator, talkers, "after")
        busy = _latencies(emulator, talkers, "broadcast")
        missed = args.recipients - len(per_chat)
        duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
        result |= {
            "seconds": round(seconds, 1),
            "rate_per_s": round(rate, 2),
            "interactive_per_s": round(interactive_rate, 2),
            "rate_share": round(rate / (TELEGRAM_OVERALL - interactive_rate), 3),
            "talk_updates_idle": len(idle), "talk_updates_broadcast": len(busy),
            "talk_p50_ms": round(statistics.median(busy), 2) if busy else None,
            "talk_p99_ms": _quantile(busy, 0.99),
            "talk_p50_idle_ms": round(statistics.median(idle), 2) if idle else None,
            "talk_p99_idle_ms": _quantile(idle, 0.99),
            "lost": 0 if args.crash else missed,
            "duplicates": 0 if args.crash else duplicates,
            "retry_after_429": sum(1 for c in emulator.world.calls if c.status == 429),
            # whose: the broadcast's recipients, or replies to the talking residents (after a
            # restart the updates queued while the service was dead are all answered at once)
            "retry_after_broadcast": sum(1 for c in emulator.world.calls if c.status == 429
                                         and isinstance(c.chat_id, int)
                                         and FIRST_RECIPIENT <= c.chat_id < FIRST_TALKER),
            "retry_after_replies": sum(1 for c in emulator.world.calls if c.status == 429
                                       and isinstance(c.chat_id, int) and c.chat_id >= FIRST_TALKER),
            "protocol_violations": len(emulator.violations),
        }
        if args.crash:
            result |= {"crash_missed": missed, "crash_duplicates": duplicates}
        result["goal"] = {"rate_share": 0.95, "talk_p99_over_idle_ms": 100, "lost": 0,
                          "duplicates": 0}
    finally:
        talkers.stop()
        service.terminate()
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        await emulator.stop()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--talkers", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--idle-seconds", type=float, default=30.0)  # before, and again after
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
