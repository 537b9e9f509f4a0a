"""`jiazhan report` at city size: one year of the city demo's activity, then how long the report
takes for the year (JSON, and with the workbook) and for one district, and the memory it takes.
Prints one JSON object.

    python tests/benchmarks/report.py                      # SQLite in a temporary folder
    python tests/benchmarks/report.py --database-url sqlite \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/report_bench --fresh

``--database-url`` may be given more than once (``sqlite`` = a new file in a temporary folder);
a PostgreSQL database must be empty, or ``--fresh`` drops and recreates its ``public`` schema.

The year (2025, the district's zone) holds the whole city's stations, homes and deputies (the
city demo), 100,000 residents (``city_scale.populate``), every station's and home's meetings
from its rhythm plus 调研 and 述职 meetings up to 20,000 in all (most held, with deputy and
resident sign-ins, walk-ins and bookings), and 50,000 suggestions through every state (first
responses, resolutions, ratings, 代录 at meetings, duplicates).

Each case runs the real command (``python -m bot report …``) in a child process, ``--repeat``
times; the figures are medians of wall time and the child's peak RSS (``wait4``). The baseline
is the same command for one day (start-up, migration check and imports, almost no data), measured
in the same run, so ratios hold on a loaded machine. ``build_s``/``ledger_s`` are in-process
medians of ``build_report`` and ``ledger_rows`` alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage import Database
from storage.models import (
    Booking,
    BookingStatus,
    Category,
    CheckIn,
    Deputy,
    DeputyStation,
    HandlingLevel,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    Resident,
    Satisfaction,
    Station,
    StationKind,
    Suggestion,
    SuggestionStatus,
    Town,
)
from storage.report import ReportScope, build_report, ledger_rows, report_scope
from storage.rhythm import KIND_OF_STATION, occurrences

sys.path.insert(0, str(Path(__file__).resolve().parent))
from city_scale import TZ, populate  # noqa: E402  (a sibling script, not a package)

YEAR = 2025
FIRST, LAST = date(YEAR, 1, 1), date(YEAR, 12, 31)
CHUNK = 5000
# Suggestion states and their shares in a year of use.
STATES = ((SuggestionStatus.CLOSED, 0.46), (SuggestionStatus.RESOLVED, 0.12),
          (SuggestionStatus.ANSWERED, 0.09), (SuggestionStatus.ASSIGNED, 0.07),
          (SuggestionStatus.NEW, 0.04), (SuggestionStatus.REJECTED, 0.07),
          (SuggestionStatus.DUPLICATE, 0.05), (SuggestionStatus.ESCALATED, 0.05),
          (SuggestionStatus.REOPENED, 0.05))


def _pick_state(rnd: random.Random) -> SuggestionStatus:
    x = rnd.random()
    for state, share in STATES:
        if x < share:
            return state
        x -= share
    return SuggestionStatus.CLOSED


async def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.unit_of_work() as s:
            await s.execute(insert(model), rows[start:start + CHUNK])


async def year_of_activity(db: Database, meetings_total: int, suggestions: int
                           ) -> dict[str, Any]:
    """The year's meetings (with deputies, sign-ins, walk-ins, bookings) and suggestions."""
    rnd = random.Random(2025)
    async with db.reading() as s:
        stations = (await s.execute(select(Station.id, Station.code, Station.kind, Station.rhythm,
                                           Station.rhythm_minutes).order_by(Station.id))).all()
        on_station: dict[int, list[int]] = defaultdict(list)
        for dep, st in await s.execute(select(DeputyStation.deputy_id, DeputyStation.station_id)
                                       .order_by(DeputyStation.station_id,
                                                 DeputyStation.deputy_id)):
            on_station[st].append(dep)
        people: dict[int, list[int]] = defaultdict(list)
        for rid, st in await s.execute(select(Resident.id, Resident.station_id)
                                       .order_by(Resident.id)):
            people[st].append(rid)
        categories = list(await s.scalars(select(Category.code).order_by(Category.code)))
    # Meetings: every rhythm occurrence of the year, then 述职 at each home in December and
    # 调研 anywhere until the total is reached.
    rows: list[dict[str, Any]] = []
    for sid, code, kind, rule, minutes in stations:
        mkind = KIND_OF_STATION[StationKind(kind)]
        for o in occurrences(rule, minutes, YEAR, TZ, station_code=code, kind=mkind):
            rows.append({"code": o.code, "station_id": sid, "kind": mkind, "starts_at": o.starts_at,
                         "ends_at": o.ends_at})
    homes = [st for st in stations if st[2] == StationKind.HOME]
    for sid, code, *_ in homes:
        if len(rows) >= meetings_total:
            break
        at = datetime(YEAR, 12, 10 + rnd.randrange(15), 14, 30, tzinfo=TZ)
        rows.append({"code": f"{code}-Y{YEAR}B", "station_id": sid, "kind": MeetingKind.REPORT,
                     "starts_at": at, "ends_at": at + timedelta(hours=2)})
    n = 0
    while len(rows) < meetings_total:
        sid, code, *_ = stations[rnd.randrange(len(stations))]
        n += 1
        at = datetime(YEAR, 1, 1, 9, tzinfo=TZ) + timedelta(days=rnd.randrange(365))
        rows.append({"code": f"{code}-I{YEAR}B{n:05d}", "station_id": sid,
                     "kind": MeetingKind.INSPECTION, "starts_at": at,
                     "ends_at": at + timedelta(hours=2)})
    del rows[meetings_total:]
    for row in rows:
        x = rnd.random()
        held = x < 0.92
        row.update({"status": MeetingStatus.HELD if held else (
                        MeetingStatus.CANCELLED if x < 0.97 else MeetingStatus.PLANNED),
                    "place": "", "topic": "", "notes": "", "is_demo": True, "capacity": 20,
                    "walk_ins": rnd.randrange(16) if held else 0,
                    "minutes": "纪要" if held else "", "close_reminders": 0,
                    "closed_at": row["starts_at"] + timedelta(hours=3) if held else None})
    await _insert(db, Meeting, rows)
    async with db.reading() as s:
        ids = dict((await s.execute(select(Meeting.code, Meeting.id).where(
            Meeting.starts_at >= datetime(YEAR, 1, 1, tzinfo=TZ),
            Meeting.starts_at < datetime(YEAR + 1, 1, 1, tzinfo=TZ)))).all())
    on_meeting, deputy_checkins, resident_checkins, bookings = [], [], [], []
    held_at: dict[int, list[int]] = defaultdict(list)  # station -> held meeting ids
    for row in rows:
        mid, sid, at = ids[row["code"]], row["station_id"], row["starts_at"]
        held = row["status"] == MeetingStatus.HELD
        if held:
            held_at[sid].append(mid)
        for dep in on_station.get(sid, []):
            on_meeting.append({"meeting_id": mid, "deputy_id": dep})
            if held and rnd.random() < 0.8:
                deputy_checkins.append({"meeting_id": mid, "deputy_id": dep, "kind": "deputy",
                                        "at": at, "via": "staff"})
        local = people.get(sid, [])
        if not local:
            continue
        chosen = rnd.sample(local, min(len(local), 12))
        if row["kind"] == MeetingKind.RECEPTION:
            for i, rid in enumerate(chosen[:rnd.randrange(4, 12)]):
                status = (BookingStatus.CANCELLED if i % 7 == 6 else BookingStatus.CONFIRMED
                          if i < 8 else BookingStatus.WAITING)
                bookings.append({"meeting_id": mid, "resident_id": rid, "status": status,
                                 "topic": "", "created_at": at - timedelta(days=3)})
        if held:
            for rid in chosen[:rnd.randrange(0, 9)]:
                resident_checkins.append({"meeting_id": mid, "resident_id": rid,
                                          "kind": "resident", "at": at, "via": "link"})
    await _insert(db, MeetingDeputy, on_meeting)
    await _insert(db, CheckIn, deputy_checkins + resident_checkins)
    await _insert(db, Booking, bookings)
    # Suggestions through every state, made during the year.
    start = datetime(YEAR, 1, 1, tzinfo=TZ)
    with_people = [sid for sid in people if people[sid]]
    srows: list[dict[str, Any]] = []
    for i in range(suggestions):
        sid = with_people[rnd.randrange(len(with_people))]
        created = start + timedelta(seconds=rnd.randrange(365 * 86400))
        state = _pick_state(rnd)
        behalf = rnd.random() < 0.15
        deputies = on_station.get(sid, [])
        answered = state not in (SuggestionStatus.NEW, SuggestionStatus.ASSIGNED,
                                 SuggestionStatus.DUPLICATE)
        first = created + timedelta(hours=rnd.uniform(0.5, 120)) if answered else None
        resolved = (first + timedelta(days=rnd.uniform(0, 20))
                    if state in (SuggestionStatus.RESOLVED, SuggestionStatus.CLOSED) and first
                    else None)
        closed = (resolved + timedelta(days=3) if state == SuggestionStatus.CLOSED and resolved
                  else created + timedelta(days=1) if state in (SuggestionStatus.REJECTED,
                                                                SuggestionStatus.DUPLICATE)
                  else None)
        rated = state == SuggestionStatus.CLOSED and rnd.random() < 0.6
        srows.append({
            "ticket": f"{YEAR}-{i + 1:06d}", "resident_id": rnd.choice(people[sid]),
            "station_id": sid, "category_code": categories[rnd.randrange(len(categories))],
            "text": "路灯坏了，晚上很黑。", "created_at": created, "updated_at": created,
            "first_response_due": created + timedelta(days=3),
            "resolution_due": created + timedelta(days=15), "status": state,
            "level": (HandlingLevel.STATION, HandlingLevel.HOME,
                      HandlingLevel.DISTRICT)[int(rnd.random() ** 3 * 3)],
            "assignee_deputy_id": (deputies[rnd.randrange(len(deputies))]
                                   if deputies and state != SuggestionStatus.NEW
                                   and rnd.random() < 0.7 else None),
            "first_response_at": first, "resolved_at": resolved, "closed_at": closed,
            "satisfaction": ((Satisfaction.SATISFIED, Satisfaction.BASIC,
                              Satisfaction.UNSATISFIED)[int(rnd.random() ** 2 * 3)]
                             if rated else None),
            "on_behalf": behalf,
            "meeting_id": (held_at[sid][rnd.randrange(len(held_at[sid]))]
                           if behalf and held_at.get(sid) else None),
        })
    await _insert(db, Suggestion, srows)
    async with db.unit_of_work() as s:  # duplicates point at an earlier suggestion
        first_id = await s.scalar(select(func.min(Suggestion.id)))
        await s.execute(text(
            "UPDATE suggestions SET duplicate_of_id = :first WHERE status = 'duplicate'"),
            {"first": first_id})
    return {"meetings": len(rows),
            "meetings_held": sum(r["status"] == MeetingStatus.HELD for r in rows),
            "meeting_deputies": len(on_meeting), "deputy_checkins": len(deputy_checkins),
            "resident_checkins": len(resident_checkins), "bookings": len(bookings),
            "suggestions": len(srows)}


async def counts(db: Database) -> dict[str, Any]:
    async with db.reading() as s:
        biggest = (await s.execute(
            select(Town.district_code, func.count()).join(Station, Station.town_code == Town.code)
            .group_by(Town.district_code).order_by(func.count().desc(), Town.district_code)
            .limit(1))).one()
        return {"stations": await s.scalar(select(func.count()).select_from(Station)),
                "deputies": await s.scalar(select(func.count()).select_from(Deputy)),
                "residents": await s.scalar(select(func.count()).select_from(Resident)),
                "district": biggest[0], "district_stations": biggest[1]}


async def in_process(db: Database, district: str, repeat: int) -> dict[str, Any]:
    """Medians of build_report and ledger_rows alone, for the city and the district."""
    now = datetime.now(UTC)
    out: dict[str, Any] = {}
    for name in ("city", "district"):
        build, ledger = [], []
        for _ in range(repeat):
            async with db.reading() as s:
                scope = (ReportScope(None) if name == "city"
                         else await report_scope(s, district=district))
                assert scope is not None
                started = time.perf_counter()
                await build_report(s, FIRST, LAST, TZ, now, scope)
                build.append(time.perf_counter() - started)
                started = time.perf_counter()
                await ledger_rows(s, FIRST, LAST, TZ, scope)
                ledger.append(time.perf_counter() - started)
        out[name] = {"build_s": round(statistics.median(build), 3),
                     "ledger_s": round(statistics.median(ledger), 3)}
    return out


# The child reports its own peak RSS: wait4's ru_maxrss would carry the parent's over exec.
_CHILD = ("import sys\nfrom bot.cli import main\nrc = main(['report', *sys.argv[1:]])\n"
          "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
          "print('PEAK_KB', peak[0].split()[1] if peak else 0, file=sys.stderr)\nsys.exit(rc)")


def run_cli(url: str, args: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system, the child's own; with
    SQLite that is all the work, with PostgreSQL the server's share is not in it) of one
    ``jiazhan report …`` in a new process."""
    env = {**os.environ, "JIAZHAN_DATABASE_URL": url, "JIAZHAN_LOCALE": "zh"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, *args], env=env, text=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"report {' '.join(args)} failed: {done.stderr[-2000:]}")
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
    return wall, int(peak[-1].split()[1]) // 1024 if peak else 0, cpu


def cli_cases(url: str, district: str, folder: Path, repeat: int) -> dict[str, Any]:
    year = ["--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--json"]
    cases = {
        "baseline_one_day": ["--from", "2025-06-01", "--to", "2025-06-01", "--json",
                             "--district", district],
        "city_year_json": year,
        "city_year_xlsx": [*year, "--xlsx", str(folder / "city.xlsx")],
        "district_year_json": [*year, "--district", district],
        "district_year_xlsx": [*year, "--district", district, "--xlsx",
                               str(folder / "district.xlsx")],
    }
    out: dict[str, Any] = {}
    for name, args in cases.items():
        runs = [run_cli(url, args) for _ in range(repeat)]
        out[name] = {"median_s": round(statistics.median(r[0] for r in runs), 2),
                     "runs_s": [round(r[0], 2) for r in runs],
                     "cpu_median_s": round(statistics.median(r[2] for r in runs), 2),
                     "peak_rss_mib": max(r[1] for r in runs)}
    base = out["baseline_one_day"]["median_s"]
    for name in cases:
        if name != "baseline_one_day":
            out[name]["x_baseline"] = round(out[name]["median_s"] / base, 2)
    return out


async def fresh_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def one_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="jiazhan-report-"))
    if url == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'city.sqlite3'}"
    elif args.fresh:
        await fresh_postgres(url)
    db = Database(url)
    await db.upgrade()
    async with db.reading() as s:
        if await s.scalar(select(func.count()).select_from(Suggestion)):
            raise SystemExit(f"{url.split('@')[-1]} is not empty (use --fresh or a new database)")
    out: dict[str, Any] = {"backend": url.split(":")[0]}
    started = time.perf_counter()
    out.update(await populate(db, args.residents, 0))
    activity_started = time.perf_counter()
    out["data"] = await year_of_activity(db, args.meetings, args.suggestions)
    out["year_of_activity_s"] = round(time.perf_counter() - activity_started, 2)
    out["load_total_s"] = round(time.perf_counter() - started, 2)
    if url.startswith("postgresql"):
        async with db.unit_of_work() as s:
            await s.execute(text("ANALYZE"))
    out["data"].update(await counts(db))
    district = out["data"]["district"]
    out["in_process"] = await in_process(db, district, args.repeat)
    await db.dispose()
    out["cli"] = cli_cases(url, district, folder, args.repeat)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", action="append", default=[],
                        help="sqlite (a temporary file) or a PostgreSQL URL; repeatable")
    parser.add_argument("--fresh", action="store_true",
                        help="drop and recreate the PostgreSQL database's public schema first")
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--suggestions", type=int, default=50_000)
    parser.add_argument("--meetings", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    urls = args.database_url or ["sqlite"]
    report: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()],
                              "cpus": os.cpu_count(), "period": [FIRST.isoformat(),
                                                                 LAST.isoformat()]}
    backends = [await one_backend(url, args) for url in urls]
    report["backends"] = backends
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
