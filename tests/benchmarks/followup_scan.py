"""回访 and 公示 at city size: how long the minute's follow-up job takes to find who is due, and
how long one area's monthly 公示 figures and examples take, with 100,000 residents and 50,000
suggestions resolved over the last 90 days. Prints one JSON object (medians of five runs, and the
same queries on an empty database as the baseline measured in the same run).

    python tests/benchmarks/followup_scan.py
    python tests/benchmarks/followup_scan.py --database-url postgresql+asyncpg://postgres@127.0.0.1/x
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from storage import Database
from storage import publicity as pub
from storage.categories import ensure_categories
from storage.followup import due_followups
from storage.models import District, Resident, Station, StationKind, Suggestion, Town
from storage.staff_chats import StaffArea

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
STATUSES = ["resolved", "closed", "closed", "rejected", "duplicate", "new", "assigned", "answered"]


async def _fill(db: Database, residents: int, suggestions: int) -> None:
    rnd = random.Random(7)
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        s.add(District(code="110000", name="某区"))
        await s.flush()
        for t in range(20):
            s.add(Town(code=f"110000{t:03d}", name=f"镇{t}", short_name=f"镇{t}",
                       district_code="110000"))
        await s.flush()
        for n in range(200):
            s.add(Station(code=f"S{n:04d}", kind=StationKind.STATION, name=f"站{n}",
                          town_code=f"110000{n % 20:03d}"))
    async with db.unit_of_work() as s:
        for start in range(0, residents, 5000):
            await s.execute(insert(Resident), [
                {"telegram_user_id": 10_000 + i, "chat_id": 10_000 + i, "locale": "zh"}
                for i in range(start, min(residents, start + 5000))])
    rows: list[dict[str, Any]] = []
    for n in range(suggestions):
        done = NOW - timedelta(minutes=rnd.randrange(90 * 24 * 60))
        created = done - timedelta(days=3)
        status = rnd.choice(STATUSES)
        rows.append({
            "ticket": f"2026-{n + 1:06d}", "resident_id": 1 + rnd.randrange(residents),
            "station_id": 1 + rnd.randrange(200), "category_code": "urban", "text": "…",
            "status": status, "created_at": created, "updated_at": done,
            "first_response_due": created + timedelta(days=3),
            "resolution_due": created + timedelta(days=15),
            "first_response_at": created + timedelta(hours=5),
            "resolved_at": done if status in ("resolved", "closed") else None,
            "closed_at": done if status == "closed" else None,
            "satisfaction": rnd.choice([None, "satisfied", "basic", "unsatisfied"]),
        })
    async with db.unit_of_work() as s:
        for start in range(0, len(rows), 5000):
            await s.execute(insert(Suggestion), rows[start:start + 5000])


async def _median(fn: Callable[[], Awaitable[Any]], runs: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2), result


async def _measure(db: Database) -> dict[str, Any]:
    town = StaffArea(-1, None, "110000003", "镇3")
    whole = StaffArea(-2, None, None, "")
    first, last, _ = pub.month_before(NOW, TZ)

    async def due() -> int:
        async with db.reading() as s:
            return len(await due_followups(s, NOW, days=30))

    async def figures(area: StaffArea) -> int:
        async with db.reading() as s:
            shown = await pub.month_figures(s, area, first, last, TZ)
            await pub.examples(s, area, first, last, TZ)
            return shown.collected

    due_ms, found = await _median(due)
    town_ms, town_n = await _median(lambda: figures(town))
    whole_ms, whole_n = await _median(lambda: figures(whole))
    return {"due_followups_ms": due_ms, "due_found": found, "publicity_town_ms": town_ms,
            "publicity_town_collected": town_n, "publicity_whole_ms": whole_ms,
            "publicity_whole_collected": whole_n}


async def main(url: str | None, residents: int, suggestions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        results: dict[str, Any] = {"residents": residents, "suggestions": suggestions,
                                   "load": os.getloadavg()[0]}
        runs = [("empty", 1, 0), ("city", residents, suggestions)]
        for label, n_res, n_sug in runs[1:] if url else runs:  # one PostgreSQL database: the city
            target = url or f"sqlite+aiosqlite:///{Path(folder) / f'{label}.sqlite3'}"
            db = Database(target)
            await db.upgrade()
            await _fill(db, n_res, n_sug)
            results[label] = await _measure(db)
            await db.dispose()
        results["database"] = "postgresql" if url else "sqlite"
        return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--suggestions", type=int, default=50_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.database_url, args.residents, args.suggestions))))
