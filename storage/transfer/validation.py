"""Check a whole import file before anything is written: headers, cells, keys and references."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ..rhythm import RhythmError, check_rhythm
from .parsing import BadCell, parse_cell
from .problems import MAX_PROBLEMS, Problem, shown_value
from .reading import RawSheet
from .schema import SHEET_NAMES, SHEETS, ColumnKind, SheetSpec

__all__ = ["Record", "Dataset", "ParsedSheet", "parse_sheets", "unresolved_refs", "check_refs",
           "check_districts"]

Record = dict[str, Any]


@dataclass(slots=True)
class ParsedSheet:
    spec: SheetSpec
    rows: list[tuple[int, Record]] = field(default_factory=list)  # (spreadsheet row, record)
    keys: set[str] = field(default_factory=set)  # defined keys, also of rows with other problems
    complete: bool = True  # all rows were read, so a key not in ``keys`` is really missing


@dataclass(slots=True)
class Dataset:
    """Validated records per sheet, ready to write (also what the demo builder produces)."""

    sheets: dict[str, list[Record]]
    notes: list[Problem] = field(default_factory=list)  # written anyway, but worth a warning

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.sheets.items()}


def parse_sheets(
    raw: dict[str, RawSheet], tz: ZoneInfo
) -> tuple[dict[str, ParsedSheet], list[Problem]]:
    """Every sheet parsed row by row; problems for every cell that does not fit."""
    parsed: dict[str, ParsedSheet] = {}
    problems: list[Problem] = []
    if not any(spec.name in raw for spec in SHEETS):
        names = ", ".join(SHEET_NAMES)
        return parsed, [Problem("no_sheets", fields={"sheets": names})]
    for spec in SHEETS:
        sheet = raw.get(spec.name)
        if sheet is None:
            continue  # any subset of sheets may be imported; references go to the database
        header_problems = _check_header(spec, sheet.header)
        problems.extend(header_problems)
        if header_problems:  # unreadable: references to it are not checked row by row
            parsed[spec.name] = ParsedSheet(spec, complete=False)
            continue
        result = ParsedSheet(spec, complete=sheet.complete)
        for number, cells in sheet.rows:
            record = _parse_row(spec, sheet.header, number, cells, tz, problems, result.keys)
            if record is not None:
                result.rows.append((number, record))
        problems.extend(_duplicates(result))
        parsed[spec.name] = result
    return parsed, problems


def _check_header(spec: SheetSpec, header: list[str]) -> list[Problem]:
    if not header:
        return [Problem("missing_header", sheet=spec.name, row=1)]
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem("duplicate_column", sheet=spec.name, row=1, column=name))
        elif name not in spec.column_names:
            problems.append(
                Problem(
                    "unknown_column",
                    sheet=spec.name,
                    row=1,
                    column=shown_value(name) or "?",
                    fields={"columns": ", ".join(spec.column_names)},
                )
            )
        seen.add(name)
    for name in spec.required_names:
        if name not in seen:
            problems.append(Problem("missing_column", sheet=spec.name, row=1, column=name))
    return problems


def _parse_row(
    spec: SheetSpec,
    header: list[str],
    number: int,
    cells: list[Any],
    tz: ZoneInfo,
    problems: list[Problem],
    keys: set[str],
) -> Record | None:
    values = dict(zip(header, cells, strict=False))  # a short row leaves its last columns empty
    record: Record = {}
    ok = True
    for column in spec.columns:
        if column.keep_when_absent and column.name not in header:
            continue
        try:
            record[column.name] = parse_cell(column, values.get(column.name, ""), tz)
        except BadCell as bad:
            ok = False
            problems.append(Problem(bad.code, spec.name, number, column.name, bad.fields))
    if spec.key is not None and spec.key in record:
        keys.add(record[spec.key])  # other rows may refer to it even if this row has problems
    if not ok:
        return None
    for problem in _row_rules(spec.name, number, record):
        problems.append(problem)
        ok = False
    return record if ok else None


def _row_rules(sheet: str, number: int, record: Record) -> Iterable[Problem]:
    """Rules that involve more than one cell of a row."""
    if sheet == "communities" and not record["code"].startswith(record["town_code"]):
        yield Problem(
            "wrong_town", sheet, number, "town_code",
            {"value": record["code"], "town": record["town_code"]},
        )
    if sheet == "stations" and (record["latitude"] is None) != (record["longitude"] is None):
        missing = "latitude" if record["latitude"] is None else "longitude"
        yield Problem("coordinates_incomplete", sheet, number, missing)
    if sheet == "stations" and record.get("rhythm"):
        try:
            record["rhythm"] = check_rhythm(record["rhythm"])
        except RhythmError:
            yield Problem("bad_rhythm", sheet, number, "rhythm",
                          {"value": shown_value(record["rhythm"])})
    if sheet == "meetings" and record["ends_at"] <= record["starts_at"]:
        yield Problem("ends_before_starts", sheet, number, "ends_at")
    if sheet == "meetings" and len(set(record["deputy_codes"])) != len(record["deputy_codes"]):
        yield Problem("duplicate_in_list", sheet, number, "deputy_codes")


def _duplicates(sheet: ParsedSheet) -> list[Problem]:
    problems: list[Problem] = []
    for key in sheet.spec.unique:
        first: dict[tuple[Any, ...], int] = {}
        for number, record in sheet.rows:
            value = tuple(record[c] for c in key)
            if value in first:
                problems.append(
                    Problem(
                        "duplicate",
                        sheet.spec.name,
                        number,
                        key[-1],
                        {
                            "value": shown_value(" / ".join(map(str, value))),
                            "first_row": first[value],
                        },
                    )
                )
            else:
                first[value] = number
    return problems


def _file_keys(parsed: dict[str, ParsedSheet], target: str) -> set[str]:
    sheet = parsed.get(target)
    return sheet.keys if sheet is not None else set()


def _references(parsed: dict[str, ParsedSheet]) -> Iterable[tuple[str, int, str, str, str]]:
    """(sheet, row, column, target sheet, code) for every reference in the file."""
    for name, sheet in parsed.items():
        for column in sheet.spec.columns:
            ref = column.ref
            if ref is None:
                continue
            target = parsed.get(ref)
            if target is not None and not target.complete:
                continue  # an unreadable target sheet is reported once, not per row
            for number, record in sheet.rows:
                value = record[column.name]
                items = value if column.kind is ColumnKind.KEY_LIST else (value,)
                for item in items:
                    yield name, number, column.name, ref, item


def unresolved_refs(parsed: dict[str, ParsedSheet]) -> dict[str, set[str]]:
    """Codes referred to but not defined in the file: the database must have them."""
    targets = ("towns", "communities", "stations", "deputies")
    keys = {target: _file_keys(parsed, target) for target in targets}
    missing: dict[str, set[str]] = {target: set() for target in keys}
    for _sheet, _row, _column, target, code in _references(parsed):
        if code not in keys[target]:
            missing[target].add(code)
    return missing


def check_refs(parsed: dict[str, ParsedSheet], in_database: dict[str, set[str]]) -> list[Problem]:
    """A problem for every reference neither the file nor the database defines."""
    keys = {target: _file_keys(parsed, target) | known for target, known in in_database.items()}
    return [
        Problem(
            "unknown_reference", sheet, row, column, {"value": shown_value(code), "target": target}
        )
        for sheet, row, column, target, code in _references(parsed)
        if code not in keys.get(target, set())
    ]


def check_districts(parsed: dict[str, ParsedSheet], known: set[str]) -> list[Problem]:
    """Every town's district (its code's first six digits) is in the file, the database or the
    packaged list of Beijing's districts (``known`` holds the last two)."""
    towns = parsed.get("towns")
    if towns is None:
        return []
    defined = _file_keys(parsed, "districts") | known
    return [
        Problem("unknown_district", "towns", number, "code",
                {"value": record["code"], "district": record["code"][:6]})
        for number, record in towns.rows
        if record["code"][:6] not in defined
    ]


def unroutable_names(parsed: dict[str, ParsedSheet]) -> list[Problem]:
    """Names address routing cannot key (nothing a resident could type is left of them): they are
    imported, routing leaves them out and goes on with the rest, and the import says so."""
    from ..routing.index import keyable

    notes: list[Problem] = []
    for sheet, column in (("communities", "short_name"), ("communities", "name"), ("aliases", "alias")):
        rows = parsed[sheet].rows if sheet in parsed else []
        for number, record in rows:
            value = record.get(column) or ""
            if value and not keyable(value):
                notes.append(Problem("unroutable_name", sheet, number, column,
                                     {"value": shown_value(value)}))
    return notes


def finish(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, at most MAX_PROBLEMS of them plus one that counts the rest."""
    order = {name: i for i, name in enumerate(s.name for s in SHEETS)}
    problems = sorted(
        problems, key=lambda p: (order.get(p.sheet or "", -1), p.row or 0)
    )
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem("too_many_problems", fields={"count": rest})]
