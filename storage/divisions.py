"""The packaged official division list of Miyun District (towns, villages and communities).

Read from ``storage/data/miyun_divisions.csv`` through :mod:`importlib.resources`, so it works
from a wheel as well as from a checkout.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["TownDivision", "CommunityDivision", "Divisions", "load_divisions", "parse_divisions",
           "DIVISIONS_FILE"]

DIVISIONS_FILE = "miyun_divisions.csv"


@dataclass(frozen=True, slots=True)
class TownDivision:
    code: str  # 9 digits
    name: str
    short_name: str


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

    def communities_of(self, town_code: str) -> tuple[CommunityDivision, ...]:
        return tuple(c for c in self.communities if c.town_code == town_code)


@cache
def load_divisions() -> Divisions:
    """All town-level units and communities, in division-code order."""
    return parse_divisions(
        resources.files("storage").joinpath("data", DIVISIONS_FILE).read_text("utf-8")
    )


def parse_divisions(text: str) -> Divisions:
    """A file shaped like ``miyun_divisions.csv`` (columns code, name, level, parent_code, …)."""
    towns: list[TownDivision] = []
    communities: list[CommunityDivision] = []
    for row in csv.DictReader(io.StringIO(text)):
        if row["level"] == "town":
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
    towns.sort(key=lambda t: t.code)
    communities.sort(key=lambda c: c.code)
    return Divisions(tuple(towns), tuple(communities))
