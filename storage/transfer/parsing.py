"""Turn one cell into a typed value according to its column, or say precisely why not."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .problems import shown_value
from .reading import Cell
from .schema import CHOICE_SYNONYMS, ColumnKind, ColumnSpec

__all__ = ["BadCell", "parse_cell", "split_keys"]

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LIST_SEPARATORS = re.compile(r"[;,\s]+")
_TRUE = {"true", "1", "yes", "y", "t", "是", "√"}
_FALSE = {"false", "0", "no", "n", "f", "否", "×", ""}
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d %H:%M")
_YEARS = (2000, 2100)


class BadCell(Exception):
    """A cell that does not fit its column: ``code`` names the message, ``fields`` fill it."""

    def __init__(self, code: str, **fields: Any) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


def split_keys(text: str) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(text) if part]


def _normal(cell: Cell) -> str:
    """Codes and numbers typed with a Chinese IME come full-width (１１０１１８): fold them."""
    return unicodedata.normalize("NFKC", str(cell)).strip()


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise BadCell("too_long", length=len(text), limit=limit)


def _key(text: str, spec: ColumnSpec) -> str:
    _check_length(text, spec.max_len)
    if not _KEY.fullmatch(text):
        raise BadCell("bad_key", value=shown_value(text))
    return text


def _float(text: str, spec: ColumnSpec) -> float:
    try:
        number = float(text)
    except ValueError:
        raise BadCell("bad_number", value=shown_value(text)) from None
    if not math.isfinite(number) or not spec.low <= number <= spec.high:
        raise BadCell("out_of_range", value=shown_value(text), low=spec.low, high=spec.high)
    return number


def _datetime(cell: Cell, tz: ZoneInfo) -> datetime:
    if isinstance(cell, datetime):
        moment = cell
    else:
        text = _normal(cell)
        moment = _parse_datetime_text(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if not _YEARS[0] <= moment.year <= _YEARS[1]:
        raise BadCell("bad_datetime", value=shown_value(cell))
    return moment


def _parse_datetime_text(text: str) -> datetime:
    if len(text) > 10:  # a date alone is refused: a meeting needs its time of day
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    raise BadCell("bad_datetime", value=shown_value(text))


def _shown_choices(spec: ColumnSpec) -> str:
    """``national / municipal`` with the first Chinese word for each: ``national（全国）``."""
    shown = []
    for choice in spec.choices:
        words = [zh for zh, value in CHOICE_SYNONYMS.items() if value == choice]
        shown.append(f"{choice}（{words[0]}）" if words else choice)
    return " / ".join(shown)


def parse_cell(spec: ColumnSpec, cell: Cell, tz: ZoneInfo) -> Any:
    """The typed value of ``cell``; ``spec.default`` for an empty optional cell."""
    raw = cell if isinstance(cell, datetime) else str(cell)
    if raw == "":
        if spec.required:
            raise BadCell("required")
        return spec.default
    kind = spec.kind
    if kind is ColumnKind.TEXT:
        _check_length(str(raw), spec.max_len)
        return str(raw)
    if kind is ColumnKind.DATETIME:
        return _datetime(cell, tz)
    text = _normal(cell)
    if kind is ColumnKind.DIGITS:
        if not (len(text) == spec.digits and text.isascii() and text.isdigit()):
            raise BadCell("bad_digits", value=shown_value(text), digits=spec.digits)
        return text
    if kind is ColumnKind.KEY:
        return _key(text, spec)
    if kind is ColumnKind.KEY_LIST:
        _check_length(text, spec.max_len)
        return tuple(_key(part, spec) for part in split_keys(text))
    if kind is ColumnKind.CHOICE:
        value = text.lower()
        value = CHOICE_SYNONYMS.get(value, value)
        if value not in spec.choices:
            raise BadCell("bad_choice", value=shown_value(text), choices=_shown_choices(spec))
        return value
    if kind is ColumnKind.BOOL:
        value = text.lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise BadCell("bad_bool", value=shown_value(text))
    if kind is ColumnKind.INT:
        number = _float(text, spec)
        if number != int(number):
            raise BadCell("bad_number", value=shown_value(text))
        return int(number)
    return _float(text, spec)
