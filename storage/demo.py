"""The Miyun demo district: real towns and communities, fictional stations, deputies and meetings.

``build_demo`` makes the whole dataset in memory (deterministic for a given ``today``) and
``load_demo`` writes it with the import writer, so loading twice upserts instead of failing.

Decisions where the real assignment is unknown (also in the README):

* one 人大代表之家 per town-level unit except 中关村科技园区密云园 (20 homes); the zone's 3
  communities are served by one liaison station that belongs to the neighbouring 果园街道;
* the other 89 liaison stations are shared among the 20 towns in proportion to their number of
  communities (largest remainder, at least one each); each serves a contiguous run of its town's
  communities in division-code order, so every community is served by exactly one station;
* the first station of every town is a district model station (20);
* streets (街道) have no township congress, so their stations' deputies are district deputies.
"""

from __future__ import annotations

import calendar
import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .categories import ensure_categories
from .divisions import CommunityDivision, Divisions, TownDivision, load_divisions
from .models import Category
from .transfer import Dataset, Record, write_dataset

__all__ = ["STATION_TOTAL", "build_demo", "load_demo"]

STATION_TOTAL = 90  # liaison stations, besides the homes
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
FORUM = (time(14, 30), time(16, 30))


def _vocab() -> dict[str, Any]:
    text = resources.files("storage").joinpath("data", "demo.toml").read_text("utf-8")
    return tomllib.loads(text)


def _fraction(key: str, salt: str) -> float:
    """A stable number in [0, 1) for ``key`` (no dependence on Python's random module)."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _offset(centre: float, spread: float, code: str, axis: str) -> float:
    return round(centre + spread * (2 * _fraction(code, axis) - 1), 5)


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over keys in proportion to ``sizes`` (largest remainder, ≥ 1, ≤ size)."""
    whole = sum(sizes.values())
    if not len(sizes) <= total <= whole:
        raise ValueError("cannot give every key at least one and at most its size")
    shares = {k: max(1, total * n // whole) for k, n in sizes.items()}
    by_remainder = sorted(sizes, key=lambda k: (-(total * sizes[k] % whole), k))
    while sum(shares.values()) > total:  # the minimum of one overshot: take from the largest
        largest = max(shares, key=lambda k: (shares[k], -by_remainder.index(k)))
        shares[largest] -= 1
    while sum(shares.values()) < total:
        for k in by_remainder:
            if sum(shares.values()) < total and shares[k] < sizes[k]:
                shares[k] += 1
    return shares


def _blocks(items: tuple[CommunityDivision, ...], n: int) -> list[tuple[CommunityDivision, ...]]:
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


@dataclass(slots=True)
class _Builder:
    divisions: Divisions
    vocab: dict[str, Any]
    today: date
    tz: ZoneInfo
    sheets: dict[str, list[Record]] = field(default_factory=dict)
    station_deputies: dict[str, list[str]] = field(default_factory=dict)
    town_stations: dict[str, list[str]] = field(default_factory=dict)  # homes first
    addresses: dict[str, str] = field(default_factory=dict)
    reception_hours: dict[str, dict[str, Any]] = field(default_factory=dict)  # by station code
    _deputy_count: int = 0
    _level_count: dict[str, int] = field(default_factory=dict)

    def add(self, sheet: str, record: Record) -> None:
        self.sheets.setdefault(sheet, []).append(record)

    # -- places ---------------------------------------------------------------------------
    def divisions_sheets(self) -> None:
        for district in self.divisions.districts:
            self.add("districts", {"code": district.code, "name": district.name})
        for town in self.divisions.towns:
            self.add("towns", {"code": town.code, "name": town.name, "short_name": town.short_name})
        for c in self.divisions.communities:
            self.add("communities", {
                "code": c.code, "town_code": c.town_code, "name": c.name,
                "short_name": c.short_name, "unit_type": c.unit_type,
            })
        self.sheets.setdefault("aliases", [])

    def station(self, code: str, kind: str, town: TownDivision, texts: dict[str, str],
                number: int, *, model: bool = False, centre_of: str | None = None) -> None:
        """One station near the centre of ``centre_of`` (default: its own town)."""
        v, place = self.vocab, centre_of or town.code
        lat, lon = v["centres"][place]
        spread = 0.003 if kind == "home" else 0.03
        located = kind == "home" or _fraction(code, "located") > 0.12  # most have coordinates
        hours = v["station_hours"][number % len(v["station_hours"])]
        self.reception_hours[code] = hours
        town_no = [t.code for t in self.divisions.towns].index(place)
        self.add("stations", {
            "code": code, "kind": kind, "name": texts["name"], "town_code": town.code,
            "is_model": model, "address": texts["address"],
            "latitude": _offset(lat, spread, code, "lat") if located else None,
            "longitude": _offset(lon, spread, code, "lon") if located else None,
            "opening_hours": v["home_hours"] if kind == "home" else hours["text"],
            "phone": v["phone"].format(town=town_no, station=number),
            "description": v["description"], "is_demo": True,
        })
        self.town_stations.setdefault(town.code, []).append(code)
        self.addresses[code] = texts["address"]

    def texts(self, name: str, address: str, **fields: str) -> dict[str, str]:
        v = self.vocab
        return {"name": v[name].format(**fields), "address": v[address].format(**fields)}

    def stations_sheets(self) -> None:
        zone, host = self.vocab["zone"]["town"], self.vocab["zone"]["host_town"]
        towns = {t.code: t for t in self.divisions.towns}
        sizes = {code: len(self.divisions.communities_of(code)) for code in towns if code != zone}
        shares = allocate(sizes, STATION_TOTAL - 1)  # one station is the zone's
        self.sheets.setdefault("coverage", [])
        for code, town in towns.items():
            if code == zone:
                continue
            self.station(f"H{code}", "home", town,
                         self.texts("home_name", "home_address", town=town.name), 0)
            for i, block in enumerate(_blocks(self.divisions.communities_of(code), shares[code])):
                scode = f"S{code}-{i + 1:02d}"
                texts = self.texts("station_name", "station_address", town=town.name,
                                   host=block[len(block) // 2].short_name)
                self.station(scode, "station", town, texts, i + 1, model=i == 0)
                self.cover(scode, block)
        communities = self.divisions.communities_of(zone)
        texts = self.texts("zone_station_name", "zone_station_address", zone=towns[zone].name,
                           host=communities[0].short_name)
        self.station(f"S{zone}-01", "station", towns[host], texts, len(self.town_stations[host]),
                     centre_of=zone)
        self.cover(f"S{zone}-01", communities)

    def cover(self, station: str, block: tuple[CommunityDivision, ...]) -> None:
        for community in block:
            self.add("coverage", {"station_code": station, "community_code": community.code})

    # -- people ---------------------------------------------------------------------------
    def deputy(self, level: str, stations: list[str]) -> str:
        v = self.vocab
        n = self._level_count[level] = self._level_count.get(level, 0) + 1
        code = f"D{level[0].upper()}{n:03d}"
        i = self._deputy_count
        self._deputy_count += 1
        surnames = v["surnames"]
        title = v["titles"][(i * 7) % len(v["titles"])]
        self.add("deputies", {
            "code": code,
            "name": v["deputy_name"].format(surname=surnames[i % len(surnames)],
                                            number=v["numbers"][i // len(surnames)]),
            "level": level, "title": title,
            "profile": v["deputy_profile"].format(level=v["levels"][level], title=title),
            "active": True, "is_demo": True,
        })
        for station in stations:
            self.add("deputy_stations", {"deputy_code": code, "station_code": station})
            self.station_deputies.setdefault(station, []).append(code)
        return code

    def deputies_sheets(self) -> None:
        homes = [s["code"] for s in self.sheets["stations"] if s["kind"] == "home"]
        for i in range(2):
            self.deputy("national", homes[i::2])
        for i in range(6):
            self.deputy("municipal", homes[i::6])
        towns = {t.code: t for t in self.divisions.towns}
        for town_code, codes in self.town_stations.items():
            home, stations = codes[0], codes[1:]
            for k in range(3):
                self.deputy("district", [home, *stations[k : k + 1]])
            level = "district" if towns[town_code].name.endswith("街道") else "town"
            for station in stations:
                for _ in range(2):
                    self.deputy(level, [station])

    # -- meetings -------------------------------------------------------------------------
    def meeting(self, code: str, station: str, kind: str, day: date,
                hours: tuple[time, time], topic: str, deputies: list[str]) -> None:
        place = self.addresses[station]
        self.add("meetings", {
            "code": code, "station_code": station, "kind": kind,
            "starts_at": datetime.combine(day, hours[0], self.tz),
            "ends_at": datetime.combine(day, hours[1], self.tz),
            "place": place, "topic": topic, "status": "planned",
            "deputy_codes": tuple(sorted(set(deputies))), "notes": "", "is_demo": True,
        })

    def meetings_sheet(self) -> None:
        v = self.vocab
        self.sheets.setdefault("meetings", [])
        liaison = [s["code"] for s in self.sheets["stations"] if s["kind"] == "station"]
        for j, station in enumerate(liaison):
            hours = self.reception_hours[station]
            times = (time.fromisoformat(hours["start"]), time.fromisoformat(hours["end"]))
            for nominal in _monthly(self.today, 5 + j % 16, 3):
                day = _open_day(nominal, hours["weekdays"])
                self.meeting(f"{station}-R{nominal:%Y%m}", station, "reception", day,
                             times, v["reception_topic"], self.station_deputies[station])
        for i, codes in enumerate(self.town_stations.values()):
            day = _weekday(self.today + timedelta(days=15 + 3 * i))
            quarter = (day.month - 1) // 3 + 1
            attending = [d for code in codes for d in self.station_deputies.get(code, [])]
            self.meeting(f"{codes[0]}-F{day.year}Q{quarter}", codes[0], "forum", day, FORUM,
                         v["forum_topic"], attending)


def _monthly(today: date, day: int, count: int) -> list[date]:
    """The next ``count`` dates falling on ``day`` of the month, strictly after ``today``."""
    year, month = today.year, today.month
    out: list[date] = []
    while len(out) < count:
        candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if candidate > today:
            out.append(candidate)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _open_day(day: date, weekdays: list[int]) -> date:
    """The first day from ``day`` on (within the week) that the station is open."""
    return next(d for d in (day + timedelta(days=k) for k in range(7)) if d.weekday() in weekdays)


def _weekday(day: date) -> date:
    """Saturday and Sunday move to the Monday after."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def build_demo(today: date, tz: ZoneInfo = DEFAULT_TZ) -> Dataset:
    """The demo district as validated-format records (same input, same output)."""
    builder = _Builder(load_divisions(), _vocab(), today, tz)
    builder.divisions_sheets()
    builder.stations_sheets()
    builder.deputies_sheets()
    builder.meetings_sheet()
    order = ("districts", "towns", "communities", "aliases", "stations", "coverage", "deputies",
             "deputy_stations", "meetings")
    return Dataset({name: builder.sheets.get(name, []) for name in order})


async def load_demo(
    session: AsyncSession, *, today: date | None = None, tz: ZoneInfo = DEFAULT_TZ
) -> dict[str, int]:
    """Write the demo district (upserting by code) and the default categories; counts per sheet."""
    data = build_demo(today or datetime.now(tz).date(), tz)
    counts = await write_dataset(session, data)
    await ensure_categories(session)
    categories = await session.scalar(select(func.count()).select_from(Category))
    counts["categories"] = int(categories or 0)
    return counts
