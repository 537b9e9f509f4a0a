"""The demo: real districts, towns and communities, fictional stations, deputies and meetings —
Miyun District by default, or the whole city or any one district (``jiazhan demo load --area``).

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

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .categories import ensure_categories
from .divisions import (
    CommunityDivision,
    DistrictDivision,
    Divisions,
    TownDivision,
    load_city_divisions,
    load_divisions,
)
from .models import (
    DEFAULT_CAPACITY,
    Category,
    CheckIn,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    StationKind,
)
from .rhythm import KIND_OF_STATION, Occurrence, around, home_rhythm, station_rhythm
from .transfer import Dataset, Record, write_dataset

__all__ = ["STATION_TOTAL", "build_demo", "load_demo", "demo_divisions", "DemoAreaUnknown"]

STATION_TOTAL = 90  # Miyun's liaison stations, besides the homes (429 communities)
COMMUNITIES_PER_STATION = 429 / STATION_TOTAL  # other districts get stations in this proportion
_TOWN_SUFFIXES = ("镇", "乡", "街道", "地区")
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
FORUM = (time(14, 30), time(16, 30))
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # by date.weekday()


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
    divisions: Divisions  # one district's towns and communities
    vocab: dict[str, Any]
    today: date
    tz: ZoneInfo
    district: DistrictDivision
    code_prefix: str = ""  # deputy codes are unique across districts in a city demo
    deputy_offset: int = 0  # and so are deputy names
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
        self.add("districts", {"code": self.district.code, "name": self.district.name})
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
        lat, lon = self.centre(place)
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
            "phone": v["phone"].format(town=town_no % 100, station=number % 100),
            "description": v["description"], "is_demo": True,
            **dict(zip(("rhythm", "rhythm_minutes"), self.rhythm(code, kind), strict=True)),
            "person_in_charge": v["person_in_charge"].format(
                surname=v["surnames"][(town_no * 7 + number) % len(v["surnames"])]),
        })
        self.town_stations.setdefault(town.code, []).append(code)
        self.addresses[code] = texts["address"]

    def centre(self, town_code: str) -> tuple[float, float]:
        """The town's approximate centre: listed, else an offset from its district's centre."""
        known = self.vocab["centres"].get(town_code)
        if known is not None:
            return float(known[0]), float(known[1])
        lat, lon = self.vocab["district_centres"][town_code[:6]]
        return _offset(lat, 0.08, town_code, "lat"), _offset(lon, 0.1, town_code, "lon")

    def texts(self, name: str, address: str, **fields: str) -> dict[str, str]:
        v, fields = self.vocab, {"district": self.district.name, **fields}
        return {"name": v[name].format(**fields), "address": v[address].format(**fields)}

    def stations_sheets(self) -> None:
        towns = {t.code: t for t in self.divisions.towns}
        zones = [code for code, t in towns.items() if not t.name.endswith(_TOWN_SUFFIXES)]
        regular = [code for code in towns if code not in zones]
        sizes = {code: len(self.divisions.communities_of(code)) for code in regular}
        total = round(len(self.divisions.communities) / COMMUNITIES_PER_STATION)
        total = min(max(total, len(regular) + len(zones)), sum(sizes.values()) + len(zones))
        shares = allocate(sizes, total - len(zones))  # one station for each zone
        self.sheets.setdefault("coverage", [])
        for code in regular:
            town = towns[code]
            self.station(f"H{code}", "home", town,
                         self.texts("home_name", "home_address", town=town.name), 0)
            for i, block in enumerate(_blocks(self.divisions.communities_of(code), shares[code])):
                scode = f"S{code}-{i + 1:02d}"
                texts = self.texts("station_name", "station_address", town=town.name,
                                   host=block[len(block) // 2].short_name)
                self.station(scode, "station", town, texts, i + 1, model=i == 0)
                self.cover(scode, block)
        for zone in zones:
            host = self.vocab["zone_hosts"].get(zone, regular[0])
            communities = self.divisions.communities_of(zone)
            texts = self.texts("zone_station_name", "zone_station_address", zone=towns[zone].name,
                               host=communities[0].short_name)
            self.station(f"S{zone}-01", "station", towns[host], texts,
                         len(self.town_stations[host]), centre_of=zone)
            self.cover(f"S{zone}-01", communities)

    def cover(self, station: str, block: tuple[CommunityDivision, ...]) -> None:
        for community in block:
            self.add("coverage", {"station_code": station, "community_code": community.code})

    # -- people ---------------------------------------------------------------------------
    def deputy(self, level: str, stations: list[str]) -> str:
        v = self.vocab
        n = self._level_count[level] = self._level_count.get(level, 0) + 1
        code = f"D{level[0].upper()}{self.code_prefix}{n:03d}"
        i = self.deputy_offset + self._deputy_count
        self._deputy_count += 1
        surnames = v["surnames"]
        title = v["titles"][(i * 7) % len(v["titles"])]
        shown_level = v["levels"][level].format(district=self.district.name)
        self.add("deputies", {
            "code": code,
            "name": v["deputy_name"].format(surname=surnames[i % len(surnames)],
                                            number=_numeral(v["numbers"], i // len(surnames))),
            "level": level, "title": title,
            "profile": v["deputy_profile"].format(level=shown_level, title=title),
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
    def rhythm(self, code: str, kind: str) -> tuple[str, int]:
        """Homes: the last Thursday of each quarter. Stations: an nth day of the month among
        the days and within the hours the station's card shows. (rule, minutes)"""
        if kind == "home":
            return home_rhythm("TH", FORUM[0].hour, FORUM[0].minute), _span(*FORUM)
        hours = self.reception_hours[code]
        start, end = time.fromisoformat(hours["start"]), time.fromisoformat(hours["end"])
        pick = int(_fraction(code, "rhythm") * 1000)
        weekday = _WEEKDAYS[hours["weekdays"][pick % len(hours["weekdays"])]]
        return station_rhythm(1 + pick % 4, weekday, start.hour, start.minute), _span(start, end)

    def meetings_sheet(self) -> None:
        """Each station's next meetings from its rhythm (3 receptions, 1 home meeting), and the
        last quarter's meetings as held, with minutes and walk-ins (so archives aren't empty)."""
        v = self.vocab
        self.sheets.setdefault("meetings", [])
        now = datetime.combine(self.today, time(23, 59), self.tz)
        for station in self.sheets["stations"]:
            code, kind = station["code"], StationKind(station["kind"])
            mkind = KIND_OF_STATION[kind]
            home = kind == StationKind.HOME
            attending = ([d for c in self.town_stations[station["town_code"]]
                          for d in self.station_deputies.get(c, [])] if home
                         else self.station_deputies[code])
            past, future = around(station["rhythm"], station["rhythm_minutes"], now, self.tz,
                                  station_code=code, kind=mkind, before=1 if home else 3,
                                  after=1 if home else 3)
            topic = v["forum_topic"] if home else v["reception_topic"]
            for occurrence in future:
                self.meeting(occurrence, code, mkind, topic, attending)
            for occurrence in past:
                held = _fraction(occurrence.code, "walk_ins")
                self.meeting(occurrence, code, mkind, topic, attending, held={
                    "walk_ins": 3 + int(held * 12),
                    "minutes": v["minutes"][int(held * 100) % len(v["minutes"])],
                })

    def meeting(self, occurrence: Occurrence, station: str, kind: MeetingKind, topic: str,
                deputies: list[str], held: dict[str, Any] | None = None) -> None:
        self.add("meetings", {
            "code": occurrence.code, "station_code": station, "kind": kind.value,
            "starts_at": occurrence.starts_at, "ends_at": occurrence.ends_at,
            "place": self.addresses[station], "topic": topic,
            "status": "held" if held else "planned",
            "deputy_codes": tuple(sorted(set(deputies))), "notes": "", "is_demo": True,
            "capacity": DEFAULT_CAPACITY, "walk_ins": 0, "minutes": "", **(held or {}),
        })


def _span(start: time, end: time) -> int:
    return (end.hour - start.hour) * 60 + end.minute - start.minute


def _numeral(numbers: list[str], k: int) -> str:
    """一 … 十 for the first ten, then 十一, 十二 … 九十九, then 一百零一 …: a new name each time."""
    n = k + 1
    if n <= len(numbers):
        return numbers[n - 1]
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = (numbers[hundreds - 1] + "百") if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else numbers[tens - 1]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (numbers[ones - 1] if ones else "")


class DemoAreaUnknown(ValueError):
    """``--area`` names neither the city nor one of its districts."""


def demo_divisions(area: str | None = None) -> Divisions:
    """Miyun (no area), the whole city (北京市, 110000) or one district by name or 6-digit code."""
    if not area:
        return load_divisions()
    city = load_city_divisions()
    if area.strip() in (city.city, city.city.removesuffix("市"), "110000"):
        return city
    district = city.find_district(area)
    if district is None:
        raise DemoAreaUnknown(area)
    return city.only({district.code})


def build_demo(today: date, tz: ZoneInfo = DEFAULT_TZ, *, area: str | None = None) -> Dataset:
    """The demo as validated-format records (same input, same output): Miyun by default, or
    ``area`` (the city or one district), one district after another."""
    divisions = demo_divisions(area)
    vocab = _vocab()
    sheets: dict[str, list[Record]] = {}
    several = len(divisions.districts) > 1
    deputies = 0
    for district in divisions.districts:
        builder = _Builder(divisions.only({district.code}), vocab, today, tz, district,
                           code_prefix=f"{district.code[4:]}-" if several else "",
                           deputy_offset=deputies)
        builder.divisions_sheets()
        builder.stations_sheets()
        builder.deputies_sheets()
        builder.meetings_sheet()
        deputies += builder._deputy_count
        for name, rows in builder.sheets.items():
            sheets.setdefault(name, []).extend(rows)
    order = ("districts", "towns", "communities", "aliases", "stations", "coverage", "deputies",
             "deputy_stations", "meetings")
    return Dataset({name: sheets.get(name, []) for name in order})


async def load_demo(
    session: AsyncSession, *, today: date | None = None, tz: ZoneInfo = DEFAULT_TZ,
    area: str | None = None,
) -> dict[str, int]:
    """Write the demo (upserting by code) and the default categories; counts per sheet."""
    data = build_demo(today or datetime.now(tz).date(), tz, area=area)
    counts = await write_dataset(session, data)
    counts["check_ins"] = await _held_attendance(session)
    await ensure_categories(session)
    categories = await session.scalar(select(func.count()).select_from(Category))
    counts["categories"] = int(categories or 0)
    return counts


async def _held_attendance(session: AsyncSession) -> int:
    """Deputies signed in at the demo's held meetings (about four in five of those on each)."""
    signed = select(CheckIn.id).where(
        CheckIn.meeting_id == MeetingDeputy.meeting_id, CheckIn.deputy_id == MeetingDeputy.deputy_id
    ).exists()
    rows = (await session.execute(
        select(Meeting.id, Meeting.code, Meeting.starts_at, MeetingDeputy.deputy_id)
        .join(MeetingDeputy, MeetingDeputy.meeting_id == Meeting.id)
        .where(Meeting.is_demo.is_(True), Meeting.status == MeetingStatus.HELD, ~signed)
    )).all()
    new = [CheckIn(meeting_id=m, deputy_id=d, kind="deputy", at=starts, via="staff")
           for m, code, starts, d in rows if _fraction(f"{code}/{d}", "attended") < 0.8]
    session.add_all(new)
    await session.flush()
    return len(new)
