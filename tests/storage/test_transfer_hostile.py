"""Hostile and careless import files: formulas, mixed encodings, zip bombs, giant sheets, and a
station left without a deputy. Every file is generated here."""

from __future__ import annotations

import csv
import shutil
import time
import zipfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from storage import Database
from storage.models import Deputy, Station, Town
from storage.transfer import (
    ImportRejected,
    Problem,
    export_path,
    import_path,
    stations_without_deputies,
)
from storage.transfer.schema import MAX_COLUMNS, MAX_UNPACKED_BYTES

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLE = resources.files("storage") / "data"


def example_folder(tmp_path: Path) -> Path:
    target = tmp_path / "example"
    shutil.copytree(str(EXAMPLE / "example"), target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


async def refused(db: Database, path: Path) -> list[Problem]:
    with pytest.raises(ImportRejected) as caught:
        async with db.unit_of_work() as session:
            await import_path(session, path, tz=TZ)
    async with db.reading() as session:
        assert await session.scalar(select(Town.code)) is None, "nothing may be written"
    return caught.value.problems


# --- 8. formulas in CSV exports ----------------------------------------------------------------

DANGEROUS = {
    "EX-GL-H": ("name", '=HYPERLINK("http://evil.example","点我")'),
    "EX-GL-01": ("phone", "-"),
    "EX-XWZ-01": ("phone", "+86 10 6904 0000"),
}


async def test_csv_export_neutralises_formulas_and_import_restores_them(
    db: Database, tmp_path: Path
) -> None:
    async with db.unit_of_work() as session:
        await import_path(session, example_folder(tmp_path), tz=TZ)
        for code, (column, value) in DANGEROUS.items():
            await session.execute(
                update(Station).where(Station.code == code).values({column: value})
            )
        await session.execute(
            update(Station).where(Station.code == "EX-GL-H").values(
                description="@SUM(1+1)*cmd|' /C calc'!A0", address="\t=1+2",
                opening_hours="'=already quoted",
            )
        )
        await session.execute(
            update(Deputy).where(Deputy.code == "EX-D01").values(title="\r-2+3")
        )
    out = tmp_path / "out"
    async with db.reading() as session:
        await export_path(session, out, tz=TZ)
    stations = {row[0]: row for row in read_rows(out / "stations.csv")[1:]}
    header = read_rows(out / "stations.csv")[0]
    cell = {code: stations[code][header.index(column)] for code, (column, _) in DANGEROUS.items()}
    assert cell == {
        "EX-GL-H": '\'=HYPERLINK("http://evil.example","点我")',
        "EX-GL-01": "'-",
        "EX-XWZ-01": "'+86 10 6904 0000",
    }
    every_cell = [c for p in out.iterdir() for row in read_rows(p)[1:] for c in row]
    assert not [c for c in every_cell if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert stations["EX-GL-H"][header.index("latitude")] == "40.3765"  # numbers stay numbers

    other = Database(f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}")
    await other.create_all()
    try:
        async with other.unit_of_work() as session:
            await import_path(session, out, tz=TZ)
        async with other.reading() as session:
            home = await session.scalar(select(Station).where(Station.code == "EX-GL-H"))
            phones = {c: p for c, p in await session.execute(select(Station.code, Station.phone))}
            title = await session.scalar(select(Deputy.title).where(Deputy.code == "EX-D01"))
    finally:
        await other.dispose()
    assert home is not None
    assert (home.name, home.description, home.address, home.opening_hours) == (
        '=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+2",
        "'=already quoted",
    )
    assert (phones["EX-GL-01"], phones["EX-XWZ-01"], title) == ("-", "+86 10 6904 0000", "\r-2+3")


# --- 7. encodings ---------------------------------------------------------------------------

async def test_utf8_csv_with_one_gb18030_row_is_refused_naming_the_row(
    db: Database, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    towns = folder / "towns.csv"
    towns.write_bytes(towns.read_bytes() + "110118102,穆家峪镇,穆家峪镇\n".encode("gb18030"))
    [problem] = await refused(db, folder)
    assert (problem.code, problem.sheet, problem.row) == ("mixed_encoding", "towns", 4)
    assert problem.describe("zh").startswith("工作表 towns 第 4 行：这一行是 GB18030 编码")
    assert "UTF-8" in problem.describe("en")


async def test_gb18030_csv_with_one_utf8_row_is_refused_too(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    towns = folder / "towns.csv"
    text = towns.read_text(encoding="utf-8-sig")
    towns.write_bytes(text.encode("gb18030") + "110118102,穆家峪镇,穆家峪镇\n".encode())
    [problem] = await refused(db, folder)
    assert (problem.code, problem.row, problem.fields["found"]) == ("mixed_encoding", 4, "UTF-8")


async def test_whole_gb18030_file_keeps_its_names(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    for name in ("towns", "communities"):
        path = folder / f"{name}.csv"
        path.write_bytes(path.read_text(encoding="utf-8-sig").encode("gb18030"))
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    async with db.reading() as session:
        assert await session.scalar(select(Town.name).where(Town.code == "110118001")) == "鼓楼街道"


# --- 7. caps on workbooks, checked before parsing ---------------------------------------------

def rewrite_workbook(target: Path, sheet: str, write: Callable[[zipfile.ZipFile, str], None]) -> None:
    """The example workbook with ``sheet``'s XML part replaced by what ``write`` writes."""
    source = Path(str(EXAMPLE / "example.xlsx"))
    book = load_workbook(source, read_only=True)
    part = book[sheet]._worksheet_path  # noqa: SLF001 - where openpyxl will look for the sheet
    book.close()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(
        target, "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as new:
        for info in old.infolist():
            if info.filename == part:
                write(new, part)
            else:
                new.writestr(info, old.read(info))


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


async def test_zip_bomb_is_refused_by_its_unpacked_size(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    chunk = b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>" * 20_000

    def bomb(archive: zipfile.ZipFile, part: str) -> None:
        with archive.open(part, "w") as out:
            out.write(SHEET_HEAD + b"<sheetData>")
            written = 0
            while written <= MAX_UNPACKED_BYTES:
                out.write(chunk)
                written += len(chunk)
            out.write(b"</sheetData></worksheet>")

    rewrite_workbook(path, "towns", bomb)
    assert path.stat().st_size < 2 * 2**20  # a small file …
    started = time.monotonic()
    [problem] = await refused(db, path)
    assert problem.code == "unpacked_too_large"  # … that would unpack to more than the cap
    assert "100 MB" in problem.describe("en") and "解压后" in problem.describe("zh")
    assert time.monotonic() - started < 30


async def test_cells_in_the_last_column_are_refused_before_parsing(
    db: Database, tmp_path: Path
) -> None:
    """100,000 rows with a cell in column XFD: padded, that is 1.6 billion cells (hours)."""
    path = tmp_path / "wide.xlsx"

    def wide(archive: zipfile.ZipFile, part: str) -> None:
        with archive.open(part, "w") as out:
            out.write(SHEET_HEAD + b'<dimension ref="A1:XFD100001"/><sheetData>')
            for row in range(1, 100_002):
                out.write(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (row, row))
            out.write(b"</sheetData></worksheet>")

    rewrite_workbook(path, "stations", wide)
    started = time.monotonic()
    [problem] = await refused(db, path)
    assert (problem.code, problem.sheet) == ("too_many_columns", "stations")
    assert problem.describe("zh") == f"工作表 stations：列数超过 {MAX_COLUMNS} 列的上限。"
    assert time.monotonic() - started < 30


async def test_a_row_far_down_is_refused_before_parsing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "tall.xlsx"

    def tall(archive: zipfile.ZipFile, part: str) -> None:
        archive.writestr(
            part,
            SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is>'
            b'</c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
            b"</sheetData></worksheet>",
        )

    rewrite_workbook(path, "deputies", tall)
    [problem] = await refused(db, path)
    assert (problem.code, problem.sheet) == ("too_many_rows", "deputies")


async def test_xml_with_a_doctype_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "laughs.xlsx"
    lol = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i, *(i - 1,) * 10))
        for i in range(1, 10)
    )

    def laughs(archive: zipfile.ZipFile, part: str) -> None:
        archive.writestr(
            part,
            b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">' + lol + b"]>"
            + SHEET_HEAD[SHEET_HEAD.index(b"<worksheet"):]
            + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>'
            b"</sheetData></worksheet>",
        )

    rewrite_workbook(path, "towns", laughs)
    [problem] = await refused(db, path)
    assert problem.code == "xml_doctype"


async def test_csv_row_of_a_million_cells_is_refused(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    towns = folder / "towns.csv"
    towns.write_bytes(towns.read_bytes() + b"," * 1_000_000 + b"\n")
    problems = await refused(db, folder)
    assert [(p.code, p.sheet) for p in problems if p.code == "too_many_columns"] == [
        ("too_many_columns", "towns")
    ]


async def test_commas_inside_quoted_cells_do_not_count_as_columns(
    db: Database, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    rows = read_rows(folder / "stations.csv")
    rows[1][rows[0].index("description")] = "," * 300
    with open(folder / "stations.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    async with db.unit_of_work() as session:
        counts = await import_path(session, folder, tz=TZ)
    assert counts["stations"] == 3


# --- 7. a station left without an active deputy -----------------------------------------------

async def test_import_that_leaves_a_station_without_active_deputies_warns(
    db: Database, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
        assert await stations_without_deputies(session) == []
    rows = read_rows(folder / "deputies.csv")
    for row in rows[1:]:
        if row[0] in ("EX-D04", "EX-D05"):  # the two deputies of EX-XWZ-01
            row[rows[0].index("active")] = "false"
    with open(folder / "deputies.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
        [unserved] = await stations_without_deputies(session)
    assert (unserved.code, unserved.communities) == ("EX-XWZ-01", 2)
    assert unserved.describe("zh") == (
        "工作表 stations：溪翁庄镇润溪人大代表联络站（示例）（EX-XWZ-01）服务 2 个村/社区，"
        "却没有在任的代表：那里居民的意见建议无人可分配。"
    )
    notes: list[Problem] = []
    async with db.unit_of_work() as session:  # the import itself says so, and still imports
        await import_path(session, folder, tz=TZ, notes=notes)
    assert [n.fields.get("code") for n in notes if n.code == "no_active_deputy"] == ["EX-XWZ-01"]
