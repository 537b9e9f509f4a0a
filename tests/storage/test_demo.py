"""The Miyun demo district: complete, consistent, clearly fictional and deterministic."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from storage import Database
from storage.categories import DEFAULT_CATEGORIES, ensure_categories
from storage.demo import allocate, build_demo, load_demo
from storage.divisions import load_divisions
from storage.models import (
    Category,
    Community,
    Deputy,
    DeputyStation,
    Meeting,
    MeetingDeputy,
    Station,
    StationCoverage,
    Town,
)

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)
ZONE = "110118400"


def test_packaged_divisions_are_complete() -> None:
    divisions = load_divisions()
    assert len(divisions.towns) == 21 and len(divisions.communities) == 429
    assert all(c.code.startswith(c.town_code) for c in divisions.communities)
    assert len(divisions.communities_of(ZONE)) == 3


def test_allocation_is_proportional_and_exact() -> None:
    shares = allocate({"a": 30, "b": 3, "c": 1, "d": 66}, 20)
    assert sum(shares.values()) == 20
    assert shares["c"] == 1 and shares["d"] > shares["a"] > shares["b"] >= 1


def test_same_day_same_data_and_meetings_follow_today() -> None:
    assert build_demo(TODAY, TZ) == build_demo(TODAY, TZ)
    later = build_demo(date(2027, 3, 1), TZ)
    assert later.sheets["stations"] == build_demo(TODAY, TZ).sheets["stations"]
    planned = [m for m in later.sheets["meetings"] if m["status"] == "planned"]
    held = [m for m in later.sheets["meetings"] if m["status"] == "held"]
    assert min(m["starts_at"] for m in planned).date() > date(2027, 3, 1)
    assert max(m["starts_at"] for m in held).date() <= date(2027, 3, 1)
    assert all(m["minutes"] and m["walk_ins"] > 0 for m in held)


async def test_demo_district(db: Database) -> None:
    async with db.unit_of_work() as session:
        summary = await load_demo(session, today=TODAY, tz=TZ)
    assert summary["towns"] == 21 and summary["communities"] == 429 and summary["stations"] == 110
    async with db.reading() as session:
        kinds = Counter((await session.execute(select(Station.kind, Station.is_model))).all())
        assert kinds[("home", False)] == 20
        assert kinds[("station", True)] == 20 and kinds[("station", False)] == 70
        assert await session.scalar(select(func.count()).select_from(Town)) == 21
        homes = set(await session.scalars(select(Station.town_code).where(Station.kind == "home")))
        assert len(homes) == 20 and ZONE not in homes
        assert await session.scalar(select(func.count()).select_from(Category)) == len(DEFAULT_CATEGORIES)


async def test_every_community_served_by_exactly_one_station_of_its_town(db: Database) -> None:
    async with db.unit_of_work() as session:
        await load_demo(session, today=TODAY, tz=TZ)
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Community.code, Community.town_code, Station.town_code, Station.kind)
                .join(StationCoverage, StationCoverage.community_code == Community.code)
                .join(Station, Station.id == StationCoverage.station_id)
            )
        ).all()
        uncovered = await session.scalar(
            select(func.count()).select_from(Community).where(
                ~Community.code.in_(select(StationCoverage.community_code))
            )
        )
    assert uncovered == 0 and len(rows) == len({r[0] for r in rows}) == 429
    assert {r[3] for r in rows} == {"station"}
    elsewhere = {(r[1], r[2]) for r in rows if r[1] != r[2]}
    assert elsewhere == {(ZONE, "110118002")}  # the zone is served from 果园街道 (README)


async def test_deputies_are_fictional_at_all_levels_and_every_station_has_two(db: Database) -> None:
    async with db.unit_of_work() as session:
        await load_demo(session, today=TODAY, tz=TZ)
    async with db.reading() as session:
        deputies = (await session.execute(select(Deputy.name, Deputy.level, Deputy.is_demo))).all()
        per_station = (
            await session.execute(
                select(Station.code, func.count(DeputyStation.deputy_id))
                .outerjoin(DeputyStation, DeputyStation.station_id == Station.id)
                .group_by(Station.code)
            )
        ).all()
    assert {level for _, level, _ in deputies} == {"national", "municipal", "district", "town"}
    assert all(name.startswith("示例代表·") and demo for name, _, demo in deputies)
    assert len({name for name, _, _ in deputies}) == len(deputies)
    assert len(per_station) == 110 and min(n for _, n in per_station) >= 2


async def test_meetings_at_every_station_in_the_next_three_months(db: Database) -> None:
    """Planned from each station's rhythm: 3 receptions a station, the next home meeting."""
    async with db.unit_of_work() as session:
        await load_demo(session, today=TODAY, tz=TZ)
    start = datetime.combine(TODAY, time(23, 59), TZ)
    async with db.reading() as session:
        meetings = (
            await session.execute(
                select(Station.kind, Station.code, Meeting.kind, Meeting.starts_at, Meeting.code)
                .join(Meeting, Meeting.station_id == Station.id)
                .where(Meeting.status == "planned")
            )
        ).all()
        without_deputies = await session.scalar(
            select(func.count()).select_from(Meeting).where(
                ~Meeting.id.in_(select(MeetingDeputy.meeting_id))
            )
        )
    receptions = Counter(code for kind, code, mkind, _, _ in meetings if mkind == "reception")
    forums = Counter(code for kind, code, mkind, _, _ in meetings if mkind == "forum")
    assert len(receptions) == 90 and set(receptions.values()) == {3}
    assert len(forums) == 20 and all(code.startswith("H") for code in forums)
    assert all(start < starts.astimezone(TZ) and (starts.date() - TODAY).days <= 92
               for _, _, _, starts, _ in meetings)
    assert all(starts.astimezone(TZ).weekday() < 5
               for _, _, mkind, starts, _ in meetings if mkind == "forum")
    assert without_deputies == 0
    assert "S110118001-01-R202612" in {code for *_, code in meetings}


async def test_loading_twice_upserts(db: Database) -> None:
    for _ in range(2):
        async with db.unit_of_work() as session:
            summary = await load_demo(session, today=TODAY, tz=TZ)
    async with db.reading() as session:
        stations = await session.scalar(select(func.count()).select_from(Station))
        meetings = await session.scalar(select(func.count()).select_from(Meeting))
        links = await session.scalar(select(func.count()).select_from(DeputyStation))
    assert (stations, meetings, links) == (110, summary["meetings"], summary["deputy_stations"])


async def test_ensure_categories_is_idempotent_and_keeps_renames(db: Database) -> None:
    async with db.unit_of_work() as session:
        assert await ensure_categories(session) == 9
        (await session.get(Category, "other")).name_en = "Anything else"  # type: ignore[union-attr]
    async with db.unit_of_work() as session:
        assert await ensure_categories(session) == 0
    async with db.reading() as session:
        codes = list(await session.scalars(select(Category.code).order_by(Category.position)))
        renamed = await session.scalar(select(Category.name_en).where(Category.code == "other"))
    assert codes[0] == "urban" and codes[-1] == "other" and all(c.isascii() for c in codes)
    assert renamed == "Anything else"


def test_demo_stations_are_marked_fictional_with_undiallable_phones() -> None:
    stations = build_demo(TODAY, TZ).sheets["stations"]
    assert all(s["is_demo"] and "虚构" in s["description"] for s in stations)
    assert all(s["phone"].startswith("010-1") for s in stations)  # Beijing numbers never start with 1
    located = [s for s in stations if s["latitude"] is not None]
    assert 0.8 * len(stations) < len(located) < len(stations)
    assert all(40.2 < s["latitude"] < 40.8 and 116.6 < s["longitude"] < 117.5 for s in located)


def test_allocation_never_overshoots_when_small_keys_get_their_minimum() -> None:
    for total in range(4, 40):
        shares = allocate({"a": 30, "b": 3, "c": 1, "d": 66}, total)
        assert sum(shares.values()) == total and min(shares.values()) >= 1
        assert all(shares[k] <= n for k, n in {"a": 30, "b": 3, "c": 1, "d": 66}.items())


_DAYS = "一二三四五六日"


def _open_days_and_times(hours: str) -> tuple[set[int], list[tuple[time, time]]]:
    """What a resident reads in 「每周一至周五 9:00–12:00、14:00–17:30」: weekdays and times."""
    days: set[int] = set()
    for first, last in re.findall(r"周([一二三四五六日])(?:至周([一二三四五六日]))?", hours):
        start = _DAYS.index(first)
        days.update(range(start, _DAYS.index(last or first) + 1))
    times = [(time(int(a), int(b)), time(int(c), int(d)))
             for a, b, c, d in re.findall(r"(\d+):(\d\d)–(\d+):(\d\d)", hours)]
    return days, times


async def test_meetings_fall_within_their_station_s_opening_hours(db: Database) -> None:
    async with db.unit_of_work() as session:
        await load_demo(session, today=TODAY, tz=TZ)
    async with db.reading() as session:
        rows = (await session.execute(
            select(Station.opening_hours, Meeting.starts_at, Meeting.ends_at)
            .join(Meeting, Meeting.station_id == Station.id)
        )).all()
    assert len(rows) == 580  # 290 planned ahead, 290 held in the last quarter
    kinds_of_hours = set()
    for hours, starts, ends in rows:
        days, times = _open_days_and_times(hours)
        start, end = starts.astimezone(TZ), ends.astimezone(TZ)
        assert start.weekday() in days, (hours, start)
        assert any(a <= start.time() and end.time() <= b for a, b in times), (hours, start, end)
        kinds_of_hours.add(hours)
    assert len(kinds_of_hours) >= 4
