"""Benchmark: updates through the whole service, over loopback, in separate processes.

The emulator (`python -m bot.emulator --no-limits`) and the service (`jiazhan run --demo` on a
fresh SQLite file) run as two processes; this script plays many distinct residents through the
emulator's HTTP control API. Every update is read (resident, dialog state), written (the
exactly-once claim, committed) and answered (sendMessage). Latency is measured from the moment
the emulator queued the update to the moment it received the bot's answer, both on the shared
monotonic clock. Prints one JSON object.

    python tests/benchmarks/updates.py [--burst 2000] [--rate 200] [--paced 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.emulator import EmulatorClient

TOKEN = "123456:BENCH"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _wait_until_up(client: EmulatorClient, service: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if service.poll() is not None:
            raise RuntimeError("the service exited during start-up: see its log")
        calls = await client.calls()
        if any(c["method"] == "getUpdates" for c in calls):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the service did not start polling")


async def _run_round(client: EmulatorClient, first_user: int, count: int,
                     rate: float | None) -> dict[str, Any]:
    sent_at: dict[int, float] = {}
    actors = [await client.user(first_user + i, language_code="en") for i in range(count)]
    start = time.monotonic()
    for i, actor in enumerate(actors):
        if rate is not None:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        sent_at[actor.chat_id] = time.monotonic()
        await actor.send("/help")
    # Wait cheaply (one chat's calls) until the last resident was answered, then read the
    # whole call log once: polling the full log would load the emulator we measure against.
    last_chat = actors[-1].chat_id
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(c["method"] == "sendMessage" for c in await client.calls(chat_id=last_chat)):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    answered: dict[int, float] = {}
    for call in await client.calls():
        chat = call.get("chat_id")
        if (call["method"] == "sendMessage" and call["status"] == 200 and chat in sent_at
                and chat not in answered):
            answered[chat] = call["at"]
    latencies = [(answered[c] - sent_at[c]) * 1000 for c in answered]
    elapsed = max(answered.values()) - start if answered else float("nan")
    return {
        "updates": count,
        "answered": len(answered),
        "seconds": round(elapsed, 3),
        "throughput_per_s": round(len(answered) / elapsed, 1) if answered else 0,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2) if latencies else None,
            "p99": round(_quantile(latencies, 0.99), 2) if latencies else None,
            "max": round(max(latencies), 2) if latencies else None,
        },
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    port = _free_port()
    root = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="jiazhan-bench-"))
    env = {**os.environ, "JIAZHAN_BOT_TOKEN": TOKEN, "JIAZHAN_BOT_API_URL": root,
           "JIAZHAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}",
           "JIAZHAN_LOG_LEVEL": "WARNING", "JIAZHAN_LISTEN_PORT": str(_free_port())}
    emulator = subprocess.Popen(
        [sys.executable, "-m", "bot.emulator", "--port", str(port), "--token", TOKEN,
         "--no-limits"], stdout=subprocess.DEVNULL)
    time.sleep(0.8)
    log = open(tmp / "service.log", "wb")  # noqa: SIM115 - closed with the process
    service = subprocess.Popen([sys.executable, "-m", "bot", "run", "--demo"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    client = EmulatorClient(root)
    try:
        try:
            await _wait_until_up(client, service)
        except RuntimeError:
            sys.stderr.write((tmp / "service.log").read_text()[-3000:])
            raise
        await _run_round(client, 10_000_000, 50, None)  # warm-up
        burst = await _run_round(client, 20_000_000, args.burst, None)
        paced = await _run_round(client, 30_000_000, args.paced, args.rate)
        violations = await client.violations()
    finally:
        await client.close()
        for proc in (service, emulator):
            proc.terminate()
            proc.wait(timeout=20)
    return {
        "benchmark": "updates",
        "machine_cores": os.cpu_count(),
        "database": "sqlite",
        "burst": burst,
        "paced": {"offered_per_s": args.rate, **paced},
        "protocol_violations": len(violations),
        "goal": {"burst_per_s": 400, "paced_p99_ms": 20},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--paced", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0)
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
