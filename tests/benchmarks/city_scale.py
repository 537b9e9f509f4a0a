"""The whole city at scale: the city demo, 100,000 residents and 50,000 suggestions, then how fast
residents and staff are answered and how long `jiazhan stats` takes. Prints one JSON object.

    python tests/benchmarks/city_scale.py                       # SQLite in a temporary folder
    python tests/benchmarks/city_scale.py --database-url postgresql+asyncpg://postgres@127.0.0.1/x

Answers are measured through the real service and the Bot API emulator over loopback (no flood
limits): /start, /station and /my, in turn, from residents picked at random, each the time from
sending to the reply, once the service has started (``/start_while_starting``: /start during the
first seconds, while the address index is built and the jobs run for the first time); the staff
card is the time to build a card (its read model and text) for a random ticket. ``stats_s`` is
the median of three runs of ``jiazhan stats``'s query.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bot.emulator import BotApiEmulator, Limits
from bot.pacing import Limits as PacerLimits
from bot.service import Service
from bot.settings import Settings
from dialogs.kernel.context import DialogConfig
from dialogs.staff.card import card_payload
from storage import Database
from storage.demo import load_demo
from storage.models import Resident, StationCoverage, Suggestion, SuggestionStatus
from storage.processed_updates import last_update_id
from storage.stats import collect_stats

TZ = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:SCALE"
FIRST_USER = 10_000_000


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.99) - 1)]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p99_ms": round(p99 * 1000, 2)}


async def populate(db: Database, residents: int, suggestions: int) -> dict[str, float]:
    started = time.perf_counter()
    async with db.unit_of_work() as s:
        await load_demo(s, area="北京市", tz=TZ)
    demo = time.perf_counter() - started
    async with db.reading() as s:
        served = (await s.execute(select(StationCoverage.community_code, StationCoverage.station_id))).all()
    rnd = random.Random(7)
    now = datetime.now(UTC)
    started = time.perf_counter()
    async with db.unit_of_work() as s:
        for chunk in range(0, residents, 5000):
            rows = []
            for i in range(chunk, min(chunk + 5000, residents)):
                community, station = served[rnd.randrange(len(served))]
                rows.append({"telegram_user_id": FIRST_USER + i, "chat_id": FIRST_USER + i, "locale": "zh",
                             "community_code": community, "station_id": station, "consent_at": now,
                             "created_at": now})
            await s.execute(insert(Resident), rows)
    async with db.reading() as s:
        people = (await s.execute(select(Resident.id, Resident.community_code, Resident.station_id))).all()
    async with db.unit_of_work() as s:
        for chunk in range(0, suggestions, 5000):
            rows = []
            for i in range(chunk, min(chunk + 5000, suggestions)):
                rid, community, station = people[rnd.randrange(len(people))]
                # Most are closed, as months of use leave them; the open ones are recent (so no
                # deadline job has a backlog of overdue tickets to work through first).
                closed = rnd.random() < 0.9
                created = now - (timedelta(days=16 + rnd.randrange(100)) if closed
                                 else timedelta(hours=rnd.randrange(48)))
                answered = created + timedelta(days=1)
                asked = answered + timedelta(days=30)
                rows.append({"ticket": f"2026-{i + 1:06d}", "resident_id": rid, "station_id": station,
                             "community_code": community, "category_code": "urban",
                             "text": "路灯坏了，晚上很黑。", "created_at": created, "updated_at": created,
                             "first_response_due": created + timedelta(days=3),
                             "resolution_due": created + timedelta(days=15),
                             "status": SuggestionStatus.CLOSED if closed else SuggestionStatus.NEW,
                             "first_response_at": answered if closed else None,
                             "resolved_at": answered if closed else None,
                             "closed_at": answered if closed else None,
                             # asked "was it fixed?" when it was due (storage/followup.py)
                             "followup_asked_at": asked if closed and asked <= now else None})
            await s.execute(insert(Suggestion), rows)
    return {"demo_load_s": round(demo, 2), "people_and_suggestions_s": round(time.perf_counter() - started, 2)}


async def answers(db_url: str, samples: int) -> dict[str, Any]:
    emulator = BotApiEmulator(TOKEN, limits=Limits(global_rate=1e6, global_burst=1e6, private_rate=1e6,
                                                   private_burst=1e6, max_long_poll=1.0))
    root = await emulator.start()
    db = Database(db_url)
    async with db.reading() as s:  # a reused database has handled updates already
        emulator.world.continue_update_ids_after(await last_update_id(s))
    await db.dispose()
    settings = Settings(bot_token=TOKEN, database_url=db_url, bot_api_url=root, locale="zh")
    service = Service(settings, limits=PacerLimits(per_second=1e6, private_interval=0.0),
                      serve_http=False)
    await service.start()
    out: dict[str, Any] = {}
    rnd = random.Random(11)

    async def ask(command: str) -> float:
        user = emulator.user(FIRST_USER + rnd.randrange(100_000), None, "zh-hans")
        started = time.perf_counter()
        await user.send(command)
        await user.wait_for(timeout=120)
        return time.perf_counter() - started

    try:
        from dialogs.resident.onboarding import refresh_router

        # The first seconds: the address index is built and every job runs once, beside the
        # answers (what the README's first figures measured as "/start", which came first).
        assert service.scheduler is not None
        early: list[float] = []
        while not service.scheduler.first_pass.is_set() and len(early) < samples:
            early.append(await ask("/start"))
        await service.scheduler.first_pass.wait()
        out["/start_while_starting"] = {**_ms(early), "n": len(early)}
        started = time.perf_counter()
        await refresh_router(service.services)
        out["router_build_s"] = round(time.perf_counter() - started, 2)
        # Then the three commands in turn, so that none of them gets a quieter moment.
        times: dict[str, list[float]] = {"/start": [], "/station": [], "/my": []}
        for _ in range(samples):
            for command, taken in times.items():
                taken.append(await ask(command))
        out.update({command: _ms(taken) for command, taken in times.items()})
    finally:
        await service.stop()
        await emulator.stop()
    return out


async def staff_cards(db: Database, samples: int, total: int) -> dict[str, float]:
    config = DialogConfig(staff_chat_id=-100)
    rnd = random.Random(13)
    times = []
    for _ in range(samples):
        async with db.reading() as s:
            started = time.perf_counter()
            payload = await card_payload(s, config, rnd.randrange(1, total + 1), datetime.now(UTC))
            times.append(time.perf_counter() - started)
            assert payload is not None
    return _ms(times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--suggestions", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--reuse", action="store_true",
                        help="keep what the database already holds when it has the residents "
                             "(with --database-url or --sqlite-file: measure again without loading)")
    parser.add_argument("--sqlite-file", default="", help="SQLite file to use (default: a temporary one)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="jiazhan-scale-")
    sqlite_file = args.sqlite_file or str(Path(folder) / "city.sqlite3")
    url = args.database_url or f"sqlite+aiosqlite:///{sqlite_file}"
    db = Database(url)
    await db.upgrade()
    report: dict[str, Any] = {"backend": url.split(":")[0], "residents": args.residents,
                              "suggestions": args.suggestions}
    async with db.reading() as s:
        have = int(await s.scalar(select(func.count()).select_from(Resident)) or 0)
    if not (args.reuse and have >= args.residents):
        report.update(await populate(db, args.residents, args.suggestions))
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        async with db.reading() as s:
            stats = await collect_stats(s, tz=TZ)
        runs.append(time.perf_counter() - started)
    report["stats_s"] = round(statistics.median(runs), 2)
    report["stats"] = {k: stats[k] for k in ("districts", "towns", "communities", "communities_covered")}
    report["staff_card"] = await staff_cards(db, args.samples, args.suggestions)
    await db.dispose()
    report.update(await answers(url, args.samples))
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
