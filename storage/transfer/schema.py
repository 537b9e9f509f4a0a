"""The import/export format: sheets, their columns, and what each column accepts.

One XLSX workbook with these sheets, or a folder with one ``<sheet>.csv`` per sheet. Keys are
stable codes (division codes, ``Station.code``, ``Deputy.code``, ``Meeting.code``), never database
ids; times are ISO 8601 local times in the district's time zone. A town belongs to the district
its code starts with (the first six digits); the ``districts`` sheet names them, and may be left
out when the packaged list of Beijing's districts knows them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..models import DeputyLevel, MeetingKind, MeetingStatus, StationKind

__all__ = [
    "ColumnKind",
    "ColumnSpec",
    "SheetSpec",
    "SHEETS",
    "SHEET_NAMES",
    "SHEET_BY_NAME",
    "UNIT_TYPES",
    "ALIAS_KINDS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_CELL_CHARS",
    "CHOICE_SYNONYMS",
    "MAX_UNPACKED_BYTES",
    "MAX_COLUMNS",
    "MAX_CELLS",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000  # per sheet
MAX_CELL_CHARS = 10_000  # no column accepts more; longer cells are refused, never truncated
# Checked before a workbook is parsed (storage/transfer/workbook_limits.py):
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what an XLSX zip may unpack to
MAX_COLUMNS = 50  # per sheet, CSV too (the widest sheet has 12)
MAX_CELLS = 2_000_000  # per workbook: 100,000 rows of 12 columns is 1.2 million

UNIT_TYPES = ("village_committee", "residents_committee")
ALIAS_KINDS = ("compound", "road", "old_name", "other")


# What district staff type in a spreadsheet for each English value (besides the English value).
CHOICE_SYNONYMS: dict[str, str] = {
    # deputies.level
    "全国": "national", "全国级": "national", "全国人大": "national",
    "市级": "municipal", "市": "municipal", "市人大": "municipal",
    "区级": "district", "区": "district", "区人大": "district",
    "镇级": "town", "镇": "town", "乡级": "town", "乡镇": "town", "乡镇级": "town",
    # meetings.kind
    "接待日": "reception", "代表接待日": "reception", "接待": "reception",
    "座谈": "forum", "座谈会": "forum",
    "调研": "inspection", "视察": "inspection",
    "述职": "report",
    # meetings.status
    "计划": "planned", "计划中": "planned", "已举行": "held", "已召开": "held",
    "取消": "cancelled", "已取消": "cancelled",
    # stations.kind
    "之家": "home", "代表之家": "home", "人大代表之家": "home",
    "联络站": "station", "代表联络站": "station", "人大代表联络站": "station",
    # communities.unit_type
    "村委会": "village_committee", "村": "village_committee",
    "居委会": "residents_committee", "社区": "residents_committee",
    # aliases.kind
    "小区": "compound", "道路": "road", "路名": "road", "旧名": "old_name", "其他": "other",
}


class ColumnKind(enum.Enum):
    TEXT = "text"  # free text up to max_len
    DIGITS = "digits"  # a division code of exactly `digits` digits
    KEY = "key"  # a stable ASCII code: letters, digits, - _ .
    CHOICE = "choice"
    BOOL = "bool"
    FLOAT = "float"
    DATETIME = "datetime"  # ISO 8601, local time in the district zone unless an offset is given
    KEY_LIST = "key_list"  # stable codes separated by ; , or spaces
    INT = "int"  # a whole number between low and high


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    kind: ColumnKind
    required: bool = False
    max_len: int = 0  # TEXT, KEY, KEY_LIST
    digits: int = 0  # DIGITS
    choices: tuple[str, ...] = ()  # CHOICE
    low: float = 0.0  # FLOAT
    high: float = 0.0
    default: object = None  # value of an empty optional cell
    ref: str | None = None  # sheet whose key this column (or each list item) must name
    # A column added later: a file without it leaves the stored value as it is.
    keep_when_absent: bool = False


@dataclass(frozen=True, slots=True)
class SheetSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    unique: tuple[tuple[str, ...], ...] = field(default=())  # each tuple: a key within the sheet
    key: str | None = None  # the column other sheets refer to

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _text(name: str, max_len: int, *, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, ColumnKind.TEXT, required=required, max_len=max_len, default="")


def _key(name: str, max_len: int, ref: str | None = None) -> ColumnSpec:
    return ColumnSpec(name, ColumnKind.KEY, required=True, max_len=max_len, ref=ref)


def _flag(name: str) -> ColumnSpec:
    return ColumnSpec(name, ColumnKind.BOOL, default=False)


def _choice(name: str, values: tuple[str, ...], default: str | None = None) -> ColumnSpec:
    return ColumnSpec(
        name, ColumnKind.CHOICE, required=default is None, choices=values, default=default
    )


DISTRICTS = SheetSpec(
    "districts",
    (
        ColumnSpec("code", ColumnKind.DIGITS, required=True, digits=6),
        _text("name", 64, required=True),
    ),
    unique=(("code",),),
    key="code",
)
TOWNS = SheetSpec(
    "towns",
    (
        ColumnSpec("code", ColumnKind.DIGITS, required=True, digits=9),
        _text("name", 64, required=True),
        _text("short_name", 64),
    ),
    unique=(("code",),),
    key="code",
)
COMMUNITIES = SheetSpec(
    "communities",
    (
        ColumnSpec("code", ColumnKind.DIGITS, required=True, digits=12),
        ColumnSpec("town_code", ColumnKind.DIGITS, required=True, digits=9, ref="towns"),
        _text("name", 64, required=True),
        _text("short_name", 64),
        _choice("unit_type", UNIT_TYPES, default="village_committee"),
    ),
    unique=(("code",),),
    key="code",
)
ALIASES = SheetSpec(
    "aliases",
    (
        _text("alias", 128, required=True),
        ColumnSpec("community_code", ColumnKind.DIGITS, required=True, digits=12, ref="communities"),
        _choice("kind", ALIAS_KINDS, default="other"),
    ),
    unique=(("alias", "community_code"),),
)
STATIONS = SheetSpec(
    "stations",
    (
        _key("code", 32),
        _choice("kind", tuple(k.value for k in StationKind)),
        _text("name", 128, required=True),
        ColumnSpec("town_code", ColumnKind.DIGITS, required=True, digits=9, ref="towns"),
        _flag("is_model"),
        _text("address", 256),
        ColumnSpec("latitude", ColumnKind.FLOAT, low=-90.0, high=90.0),
        ColumnSpec("longitude", ColumnKind.FLOAT, low=-180.0, high=180.0),
        _text("opening_hours", 128),
        _text("phone", 32),
        _text("description", 2000),
        _flag("is_demo"),
        ColumnSpec("rhythm", ColumnKind.TEXT, max_len=200, default="", keep_when_absent=True),
        ColumnSpec("rhythm_minutes", ColumnKind.INT, low=15, high=720, default=150,
                   keep_when_absent=True),
        ColumnSpec("person_in_charge", ColumnKind.TEXT, max_len=64, default="",
                   keep_when_absent=True),
    ),
    unique=(("code",),),
    key="code",
)
COVERAGE = SheetSpec(
    "coverage",
    (
        _key("station_code", 32, ref="stations"),
        ColumnSpec("community_code", ColumnKind.DIGITS, required=True, digits=12, ref="communities"),
    ),
    unique=(("community_code",),),  # a community is served by exactly one station
)
DEPUTIES = SheetSpec(
    "deputies",
    (
        _key("code", 32),
        _text("name", 64, required=True),
        _choice("level", tuple(v.value for v in DeputyLevel)),
        _text("title", 128),
        _text("profile", 2000),
        ColumnSpec("active", ColumnKind.BOOL, default=True),
        _flag("is_demo"),
    ),
    unique=(("code",),),
    key="code",
)
DEPUTY_STATIONS = SheetSpec(
    "deputy_stations",
    (_key("deputy_code", 32, ref="deputies"), _key("station_code", 32, ref="stations")),
    unique=(("deputy_code", "station_code"),),
)
MEETINGS = SheetSpec(
    "meetings",
    (
        _key("code", 48),
        _key("station_code", 32, ref="stations"),
        _choice("kind", tuple(v.value for v in MeetingKind)),
        ColumnSpec("starts_at", ColumnKind.DATETIME, required=True),
        ColumnSpec("ends_at", ColumnKind.DATETIME, required=True),
        _text("place", 256),
        _text("topic", 256),
        _choice("status", tuple(v.value for v in MeetingStatus), default="planned"),
        ColumnSpec("deputy_codes", ColumnKind.KEY_LIST, max_len=4000, default=(), ref="deputies"),
        _text("notes", MAX_CELL_CHARS),
        _flag("is_demo"),
        ColumnSpec("capacity", ColumnKind.INT, low=1, high=500, default=20,
                   keep_when_absent=True),
        ColumnSpec("walk_ins", ColumnKind.INT, low=0, high=500, default=0,
                   keep_when_absent=True),
        ColumnSpec("minutes", ColumnKind.TEXT, max_len=MAX_CELL_CHARS, default="",
                   keep_when_absent=True),
    ),
    unique=(("code",),),
    key="code",
)

SHEETS: tuple[SheetSpec, ...] = (
    DISTRICTS, TOWNS, COMMUNITIES, ALIASES, STATIONS, COVERAGE, DEPUTIES, DEPUTY_STATIONS, MEETINGS,
)
SHEET_NAMES: tuple[str, ...] = tuple(s.name for s in SHEETS)
SHEET_BY_NAME: dict[str, SheetSpec] = {s.name: s for s in SHEETS}
