"""Caps checked on an XLSX workbook before openpyxl parses it.

An XLSX file is a zip of XML parts. A 1 MB file can unpack to gigabytes (a zip bomb), and a sheet
that claims cells in column XFD makes a reader pad every row to 16,384 cells (a 5.6 MB file ran for
hours). So before parsing: the zip's unpacked size and number of parts are capped, every XML part
is refused if it declares a DOCTYPE (entity expansion), and each sheet we read is scanned once with
expat for its last row, its last column and its number of cells. Each cap hit is one
:class:`Problem` saying which cap.

The unpacked size is what the zip's directory declares; :mod:`zipfile` never inflates a part past
its declared size (it stops, and the CRC check fails), so a part that lies reads as broken.
"""

from __future__ import annotations

import re
import zipfile
from typing import IO
from xml.parsers import expat

from .problems import Problem
from .schema import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED_BYTES

__all__ = ["check_archive", "scan_sheet"]

MAX_PARTS = 2_000
_CHUNK = 1 << 16
_CELL_REF = re.compile(r"([A-Za-z]{1,3})?(\d*)")


class _Stop(Exception):
    """Raised from inside an expat handler to stop parsing early."""

    def __init__(self, problem: Problem | None = None) -> None:
        super().__init__()
        self.problem = problem


def _mb(size: int) -> float:
    return round(size / 2**20, 1)


def check_archive(archive: zipfile.ZipFile, name: str) -> Problem | None:
    """A problem if the zip unpacks to too much, has too many parts, or an XML part has a DOCTYPE."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        return Problem("too_many_parts", fields={"path": name, "limit": MAX_PARTS})
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        return Problem(
            "unpacked_too_large",
            fields={"path": name, "size_mb": _mb(unpacked), "limit_mb": MAX_UNPACKED_BYTES // 2**20},
        )
    for part in parts:
        if part.filename.endswith((".xml", ".rels")) and _has_doctype(archive, part):
            return Problem("xml_doctype", fields={"path": name})
    return None


def _has_doctype(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Parse the part only up to its root element: a DOCTYPE may only come before it."""
    parser = expat.ParserCreate()
    found: list[bool] = []

    def doctype(*_: object) -> None:
        found.append(True)
        raise _Stop

    def root(*_: object) -> None:
        raise _Stop

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
    except _Stop:
        pass
    except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError):
        return False  # broken XML is openpyxl's to report
    return bool(found)


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def scan_sheet(stream: IO[bytes], sheet: str, cells_before: int = 0) -> tuple[Problem | None, int]:
    """Stream the sheet's XML once: a problem if it has more rows, columns or cells than allowed.

    Returns the problem (or None) and the number of cells counted, so that the caller can cap
    the workbook's total.
    """
    parser = expat.ParserCreate()
    state = {"row": 0, "col": 0, "cells": cells_before}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            ref = attrs.get("r", "")
            state["row"] = int(ref) if ref.isdigit() else state["row"] + 1
            state["col"] = 0
            if state["row"] > MAX_ROWS + 1:
                raise _Stop(Problem("too_many_rows", sheet=sheet, fields={"limit": MAX_ROWS}))
        elif local == "c":
            match = _CELL_REF.fullmatch(attrs.get("r", ""))
            letters = match.group(1) if match else None
            state["col"] = _column_number(letters) if letters else state["col"] + 1
            state["cells"] += 1
            if state["col"] > MAX_COLUMNS:
                raise _Stop(Problem("too_many_columns", sheet=sheet, fields={"limit": MAX_COLUMNS}))
            if state["cells"] > MAX_CELLS:
                raise _Stop(Problem("too_many_cells", sheet=sheet, fields={"limit": MAX_CELLS}))

    parser.StartElementHandler = start
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Stop as stop:
        return stop.problem, state["cells"]
    except expat.ExpatError:
        return None, state["cells"]  # broken XML is openpyxl's to report
    return None, state["cells"]
