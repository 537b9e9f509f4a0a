"""Read an import file into raw sheets: an XLSX workbook, or a folder of ``<sheet>.csv`` files.

Nothing here knows what a column means; cells come back as stripped text (or a ``datetime`` that a
spreadsheet stored as a date). Anything unreadable becomes a :class:`Problem`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .encoding import decode_csv
from .formulas import restore
from .problems import Problem
from .schema import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, SHEET_NAMES
from .workbook_limits import check_archive, scan_sheet

__all__ = ["Cell", "RawSheet", "read_raw"]

Cell = str | datetime


@dataclass(slots=True)
class RawSheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)  # (spreadsheet row, cells)
    complete: bool = True  # False when reading stopped early (a problem says why)


def read_raw(path: Path) -> tuple[dict[str, RawSheet], list[Problem]]:
    """The sheets found at ``path`` (a workbook file or a CSV folder), and what went wrong."""
    if path.is_dir():
        return _read_csv_folder(path)
    if not path.exists():
        return {}, [Problem("path_missing", fields={"path": str(path)})]
    size = path.stat().st_size
    if size == 0:
        return {}, [Problem("empty_file", fields={"path": path.name})]
    if size > MAX_FILE_BYTES:
        return {}, [_too_large(path.name, size)]
    return _read_workbook(path)


def _too_large(name: str, size: int) -> Problem:
    return Problem(
        "file_too_large",
        fields={"path": name, "size_mb": round(size / 2**20, 1), "limit_mb": MAX_FILE_BYTES // 2**20},
    )


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Codes typed into a spreadsheet become numbers: 110118001 must read as "110118001".
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def _add_row(sheet: RawSheet, number: int, values: list[object], *, csv_file: bool = False) -> None:
    cells = [_cell(v) for v in values]
    if csv_file:  # undo the export's guard against formulas ('=… → =…)
        cells = [restore(c) if isinstance(c, str) else c for c in cells]
    if any(c != "" for c in cells):
        sheet.rows.append((number, cells))


def _header(values: Sequence[object]) -> list[str]:
    header = [str(_cell(v)).strip().lower() for v in values]
    while header and header[-1] == "":
        header.pop()
    return header


def _read_workbook(path: Path) -> tuple[dict[str, RawSheet], list[Problem]]:
    with open(path, "rb") as fh:
        if not zipfile.is_zipfile(fh):
            return {}, [Problem("not_workbook", fields={"path": path.name})]
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as archive:
                problem = check_archive(archive, path.name)
                if problem is not None:
                    return {}, [problem]
                return _read_checked_workbook(path, archive)
        except Exception:  # noqa: BLE001 - any failure to open means "not a workbook we can read"
            return {}, [Problem("not_workbook", fields={"path": path.name})]


def _read_checked_workbook(
    path: Path, archive: zipfile.ZipFile
) -> tuple[dict[str, RawSheet], list[Problem]]:
    from openpyxl import load_workbook

    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
        book = load_workbook(path, read_only=True, data_only=True)
    try:
        wanted: list[tuple[str, Any]] = []
        cells = 0
        for name in book.sheetnames:
            key = name.strip().lower()
            if key not in SHEET_NAMES or key in (k for k, _ in wanted):
                continue  # other sheets (instructions, notes) are ignored
            worksheet: Any = book[name]  # read-only: openpyxl's ReadOnlyWorksheet
            with archive.open(worksheet._worksheet_path) as stream:  # noqa: SLF001
                problem, cells = scan_sheet(stream, key, cells)
            if problem is not None:
                return {}, [problem]
            worksheet.reset_dimensions()  # never pad rows to a <dimension> the file claims
            wanted.append((key, worksheet))
        for key, worksheet in wanted:
            rows = worksheet.iter_rows(values_only=True)
            sheet, problem = _read_worksheet(key, rows)
            sheets[key] = sheet
            if problem:
                problems.append(problem)
    finally:
        book.close()
    return sheets, problems


def _read_worksheet(name: str, rows: Iterable[Sequence[object]]) -> tuple[RawSheet, Problem | None]:
    sheet = RawSheet(name, [])
    for number, values in enumerate(rows, start=1):
        if number == 1:
            sheet.header = _header(values)
            continue
        if number > MAX_ROWS + 1:
            sheet.complete = False
            return sheet, Problem("too_many_rows", sheet=name, fields={"limit": MAX_ROWS})
        _add_row(sheet, number, list(values))
    return sheet, None


_QUOTED = re.compile(r'"[^"]*"')


def _too_wide(name: str, text: str) -> Problem | None:
    """Refuse a row of a million empty cells before the csv module builds it."""
    if text.count(",") < MAX_COLUMNS:
        return None
    unquoted = _QUOTED.sub("", text)
    if max(line.count(",") for line in unquoted.splitlines()) >= MAX_COLUMNS:
        return Problem("too_many_columns", sheet=name, fields={"limit": MAX_COLUMNS})
    return None


def _read_csv_folder(folder: Path) -> tuple[dict[str, RawSheet], list[Problem]]:
    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    for name in SHEET_NAMES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            continue  # reported as a missing sheet by validation
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(_too_large(path.name, size))
            continue
        decoded = decode_csv(path.read_bytes())
        if decoded.mixed_row is not None:
            problems.append(
                Problem(
                    "mixed_encoding", sheet=name, row=decoded.mixed_row,
                    fields={"expected": decoded.expected, "found": decoded.found},
                )
            )
            continue
        if decoded.text is None:
            problems.append(Problem("bad_encoding", sheet=name, fields={"path": path.name}))
            continue
        wide = _too_wide(name, decoded.text)
        if wide is not None:
            problems.append(wide)
            continue
        sheet, problem = _read_csv_text(name, decoded.text)
        sheets[name] = sheet
        if problem:
            problems.append(problem)
    return sheets, problems


def _read_csv_text(name: str, text: str) -> tuple[RawSheet, Problem | None]:
    sheet = RawSheet(name, [])
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            if number == 1:
                sheet.header = _header(values)
                continue
            if number > MAX_ROWS + 1:
                sheet.complete = False
                return sheet, Problem("too_many_rows", sheet=name, fields={"limit": MAX_ROWS})
            _add_row(sheet, number, list(values), csv_file=True)
    except csv.Error:
        sheet.complete = False
        # The csv module refuses fields over its limit (and broken quoting): say where.
        return sheet, Problem("bad_csv", sheet=name, row=number + 1)
    return sheet, None
