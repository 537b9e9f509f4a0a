"""The packaged official division lists of Beijing: districts, towns, villages and communities.

``storage/data/beijing_divisions.csv`` is the whole city (16 districts, 349 towns, 7,301 villages
and communities); ``storage/data/miyun_divisions.csv`` is the same rows for Miyun District alone.
Read through :mod:`importlib.resources`, so they work from a wheel as well as from a checkout.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "DistrictDivision",
    "TownDivision",
    "CommunityDivision",
    "Divisions",
    "load_divisions",
    "load_city_divisions",
    "parse_divisions",
    "district_names",
    "city_name",
    "DIVISIONS_FILE",
    "CITY_DIVISIONS_FILE",
]

DIVISIONS_FILE = "miyun_divisions.csv"
CITY_DIVISIONS_FILE = "beijing_divisions.csv"


@dataclass(frozen=True, slots=True)
class DistrictDivision:
    code: str  # 6 digits
    name: str


@dataclass(frozen=True, slots=True)
class TownDivision:
    code: str  # 9 digits
    name: str
    short_name: str

    @property
    def district_code(self) -> str:
        return self.code[:6]


@dataclass(frozen=True, slots=True)
class CommunityDivision:
    code: str  # 12 digits
    name: str
    short_name: str
    town_code: str
    unit_type: str  # village_committee | residents_committee


@dataclass(frozen=True, slots=True)
class Divisions:
    towns: tuple[TownDivision, ...]
    communities: tuple[CommunityDivision, ...]
    districts: tuple[DistrictDivision, ...] = ()
    city: str = ""  # the parent of the districts (北京市), when the file names it

    def communities_of(self, town_code: str) -> tuple[CommunityDivision, ...]:
        return tuple(c for c in self.communities if c.town_code == town_code)

    def find_district(self, name_or_code: str) -> DistrictDivision | None:
        """A district by its 6-digit code, its name (昌平区) or its name without 区 (昌平)."""
        wanted = name_or_code.strip()
        for d in self.districts:
            if wanted in (d.code, d.name) or (len(wanted) >= 2 and d.name == wanted + "区"):
                return d
        return None

    def only(self, district_codes: set[str]) -> Divisions:
        """The same list cut down to some districts."""
        towns = tuple(t for t in self.towns if t.district_code in district_codes)
        kept = {t.code for t in towns}
        return Divisions(
            towns,
            tuple(c for c in self.communities if c.town_code in kept),
            tuple(d for d in self.districts if d.code in district_codes),
            self.city,
        )

    def with_districts_from(self, city: Divisions) -> Divisions:
        """The districts of these towns, named from ``city`` (for a file without district rows)."""
        if self.districts:
            return self
        named = {d.code: d for d in city.districts}
        wanted = sorted({t.district_code for t in self.towns})
        districts = tuple(named.get(code, DistrictDivision(code, code)) for code in wanted)
        return Divisions(self.towns, self.communities, districts, city.city)


@cache
def load_divisions() -> Divisions:
    """Miyun District: its towns and communities in division-code order (and the district)."""
    return parse_divisions(_read(DIVISIONS_FILE)).with_districts_from(load_city_divisions())


@cache
def load_city_divisions() -> Divisions:
    """All of Beijing: 16 districts, 349 towns, 7,301 villages and communities."""
    return parse_divisions(_read(CITY_DIVISIONS_FILE))


def _read(name: str) -> str:
    return resources.files("storage").joinpath("data", name).read_text("utf-8")


def district_names() -> dict[str, str]:
    """6-digit code → official name, for every district of the packaged city list."""
    return {d.code: d.name for d in load_city_divisions().districts}


def city_name() -> str:
    """The city the packaged list describes (北京市)."""
    return load_city_divisions().city


def parse_divisions(text: str) -> Divisions:
    """A file shaped like ``beijing_divisions.csv`` (columns code, name, level, parent_code, …);
    district rows are optional (the Miyun file has none)."""
    districts: list[DistrictDivision] = []
    towns: list[TownDivision] = []
    communities: list[CommunityDivision] = []
    city = ""
    for row in csv.DictReader(io.StringIO(text)):
        level = row["level"]
        if level == "district":
            districts.append(DistrictDivision(row["code"], row["name"]))
            city = city or row.get("parent_name", "")
        elif level == "town":
            towns.append(TownDivision(row["code"], row["name"], row["short_name"]))
        else:
            communities.append(
                CommunityDivision(
                    code=row["code"],
                    name=row["name"],
                    short_name=row["short_name"],
                    town_code=row["parent_code"],
                    unit_type=row["unit_type"],
                )
            )
    districts.sort(key=lambda d: d.code)
    towns.sort(key=lambda t: t.code)
    communities.sort(key=lambda c: c.code)
    return Divisions(tuple(towns), tuple(communities), tuple(districts), city)

