"""The plain rows a router is built from, and a reader for the official division CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DistrictEntry",
    "TownEntry",
    "CommunityEntry",
    "AliasEntry",
    "StationPoint",
    "DIVISIONS_CSV",
    "read_divisions",
    "community_stem",
    "official_base",
    "town_stem",
]

DIVISIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "miyun_divisions.csv"

VILLAGE = "village_committee"
COMMUNITY = "residents_committee"


@dataclass(frozen=True, slots=True)
class DistrictEntry:
    code: str  # 6 digits
    name: str  # official name, ending in 区


@dataclass(frozen=True, slots=True)
class TownEntry:
    code: str  # 9 digits
    name: str  # 溪翁庄镇
    short_name: str = ""


@dataclass(frozen=True, slots=True)
class CommunityEntry:
    code: str  # 12 digits
    name: str  # official: 金叵罗村民委员会
    short_name: str  # what people say: 金叵罗村
    town_code: str
    unit_type: str  # village_committee | residents_committee


@dataclass(frozen=True, slots=True)
class AliasEntry:
    alias: str  # 澜茵山小区, 鼓楼南大街, an old name
    community_code: str
    kind: str = "other"  # compound | road | old_name | other


@dataclass(frozen=True, slots=True)
class StationPoint:
    """A station that has coordinates (only those take part in ``Router.nearest``)."""

    station_id: int
    name: str
    kind: str
    latitude: float
    longitude: float


def community_stem(short_name: str, unit_type: str) -> str:
    """金叵罗村 → 金叵罗, 宾阳西里社区 → 宾阳西里; a one-character stem keeps its suffix (沿村)."""
    for suffix in ("社区", "村"):
        if short_name.endswith(suffix) and len(short_name) - len(suffix) >= 2:
            return short_name[: -len(suffix)]
    return short_name


def official_base(name: str) -> str:
    """四合村村民委员会 → 四合村, 宾阳西里社区居民委员会 → 宾阳西里: the name before the committee."""
    for suffix in ("村民委员会", "社区居民委员会", "居民委员会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def town_stem(name: str) -> str:
    """溪翁庄镇 → 溪翁庄, 鼓楼街道 → 鼓楼, 檀营地区 → 檀营."""
    for suffix in ("街道", "地区", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def read_divisions(path: Path | str = DIVISIONS_CSV) -> tuple[list[TownEntry], list[CommunityEntry]]:
    """Towns and communities from a file shaped like ``storage/data/miyun_divisions.csv``."""
    from ..divisions import parse_divisions

    divisions = parse_divisions(Path(path).read_text(encoding="utf-8"))
    towns = [TownEntry(t.code, t.name, t.short_name) for t in divisions.towns]
    communities = [
        CommunityEntry(code=c.code, name=c.name, short_name=c.short_name, town_code=c.town_code,
                       unit_type=c.unit_type)
        for c in divisions.communities
    ]
    return towns, communities
