"""Import/export: round trips, upserts, and broken files refused precisely with nothing written."""

from __future__ import annotations

import csv
import shutil
import zipfile
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from storage import Database
from storage.demo import load_demo
from storage.models import (
    Community,
    Deputy,
    Meeting,
    MeetingDeputy,
    Station,
    StationCoverage,
    Town,
)
from storage.stats import collect_stats
from storage.transfer import ImportRejected, Problem, export_path, import_path

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


def example_folder(tmp_path: Path) -> Path:
    target = tmp_path / "example"
    shutil.copytree(str(resources.files("storage") / "data" / "example"), target)
    return target


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)


def edit_cell(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    """Set a cell; ``row`` counts like a spreadsheet (header = 1)."""
    rows = read_csv(folder / f"{sheet}.csv")
    rows[row - 1][rows[0].index(column)] = value
    write_csv(folder / f"{sheet}.csv", rows)


async def snapshot(db: Database) -> dict[str, int]:
    async with db.reading() as session:
        return {
            model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Town, Community, Station, StationCoverage, Deputy, Meeting, MeetingDeputy)
        }


async def refused(db: Database, path: Path) -> list[Problem]:
    before = await snapshot(db)
    with pytest.raises(ImportRejected) as caught:
        async with db.unit_of_work() as session:
            await import_path(session, path, tz=TZ)
    assert await snapshot(db) == before, "a refused import must not change the database"
    return caught.value.problems


async def stats_of(db: Database) -> dict[str, object]:
    async with db.reading() as session:
        return await collect_stats(session, tz=TZ, now=NOW)


@pytest.fixture
async def demo_source(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A separate SQLite database holding the demo district, to export from."""
    source = Database(f"sqlite+aiosqlite:///{tmp_path / 'source.sqlite3'}")
    await source.create_all()
    async with source.unit_of_work() as session:
        await load_demo(session, today=TODAY, tz=TZ)
    yield source
    await source.dispose()


@pytest.mark.parametrize("target", ["district.xlsx", "district_csv"])
async def test_export_then_import_into_empty_database_gives_same_data(
    db: Database, demo_source: Database, tmp_path: Path, target: str
) -> None:
    exported = tmp_path / target
    async with demo_source.reading() as session:
        counts = await export_path(session, exported, tz=TZ)
    assert counts["stations"] == 110 and counts["meetings"] > 0
    async with db.unit_of_work() as session:
        imported = await import_path(session, exported, tz=TZ)
    assert imported == counts
    assert await stats_of(db) == await stats_of(demo_source)
    # Not only the statistics: every row and column survives (CSV exports are byte-identical).
    again_a, again_b = tmp_path / "a", tmp_path / "b"
    async with demo_source.reading() as session:
        await export_path(session, again_a, tz=TZ)
    async with db.reading() as session:
        await export_path(session, again_b, tz=TZ)
    for path in sorted(again_a.iterdir()):
        assert path.read_bytes() == (again_b / path.name).read_bytes(), path.name


async def test_example_folder_and_example_workbook_hold_the_same_district(tmp_path: Path) -> None:
    data = resources.files("storage") / "data"
    results = []
    for name, source in (("csv", example_folder(tmp_path)), ("xlsx", Path(str(data / "example.xlsx")))):
        db = Database(f"sqlite+aiosqlite:///{tmp_path / (name + '.sqlite3')}")
        await db.create_all()
        async with db.unit_of_work() as session:
            counts = await import_path(session, source, tz=TZ)
        results.append((counts, await stats_of(db)))
        await db.dispose()
    assert results[0] == results[1]
    assert results[0][0]["stations"] == 3 and results[0][1]["towns"] == 2


async def test_import_twice_upserts_by_code_and_applies_changes(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    first = await snapshot(db)
    edit_cell(folder, "stations", 3, "name", "改名后的联络站")
    edit_cell(folder, "coverage", 2, "station_code", "EX-XWZ-01")  # 白檀社区 moves station
    edit_cell(folder, "meetings", 2, "deputy_codes", "EX-D02")
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    assert await snapshot(db) == {**first, "meeting_deputies": first["meeting_deputies"] - 1}
    async with db.reading() as session:
        name = await session.scalar(select(Station.name).where(Station.code == "EX-GL-01"))
        serving = await session.scalar(
            select(Station.code)
            .join(StationCoverage, StationCoverage.station_id == Station.id)
            .where(StationCoverage.community_code == "110118001001")
        )
    assert (name, serving) == ("改名后的联络站", "EX-XWZ-01")


async def test_file_may_refer_to_codes_already_in_the_database(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    for sheet in ("towns", "communities", "aliases", "coverage"):
        rows = read_csv(folder / f"{sheet}.csv")
        write_csv(folder / f"{sheet}.csv", rows[:1])  # header only
    edit_cell(folder, "stations", 2, "phone", "010-11809999")
    async with db.unit_of_work() as session:
        counts = await import_path(session, folder, tz=TZ)
    assert counts["towns"] == 0 and counts["stations"] == 3


async def test_unknown_community_code_is_refused_with_sheet_row_and_column(
    db: Database, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "coverage", 4, "community_code", "110118001099")
    [problem] = await refused(db, folder)
    assert (problem.code, problem.sheet, problem.row, problem.column) == (
        "unknown_reference", "coverage", 4, "community_code",
    )
    assert problem.describe("zh") == (
        "工作表 coverage 第 4 行 community_code 列：找不到“110118001099”：communities 工作表里没有，数据库里也没有。"
    )
    assert problem.describe("en") == (
        'Sheet coverage, row 4, column community_code: "110118001099" is not found: '
        "neither the communities sheet nor the database has it."
    )


async def test_bad_date_and_reversed_times_are_refused(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "meetings", 2, "starts_at", "2027-02-30 09:00")
    edit_cell(folder, "meetings", 3, "ends_at", "2027-03-11 13:00")
    edit_cell(folder, "meetings", 4, "starts_at", "2027-03-26")  # a date without a time
    problems = await refused(db, folder)
    assert [(p.code, p.row, p.column) for p in problems] == [
        ("bad_datetime", 2, "starts_at"),
        ("ends_before_starts", 3, "ends_at"),
        ("bad_datetime", 4, "starts_at"),
    ]
    assert "2027-02-30 09:00" in problems[0].describe("en")


async def test_duplicate_station_code_names_the_first_row(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "stations", 4, "code", "EX-GL-01")
    problems = await refused(db, folder)
    duplicate = [p for p in problems if p.code == "duplicate"]
    assert [(p.sheet, p.row, p.column, p.fields["first_row"]) for p in duplicate] == [
        ("stations", 4, "code", 3)
    ]
    # EX-XWZ-01 no longer exists, so the rows that refer to it are reported too.
    assert {p.sheet for p in problems if p.code == "unknown_reference"} == {
        "coverage", "deputy_stations", "meetings",
    }


async def test_missing_column_is_refused_and_a_missing_sheet_is_not(
    db: Database, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    (folder / "meetings.csv").unlink()
    rows = read_csv(folder / "stations.csv")
    drop = rows[0].index("town_code")
    write_csv(folder / "stations.csv", [r[:drop] + r[drop + 1 :] for r in rows])
    problems = await refused(db, folder)
    assert [(p.code, p.sheet, p.column) for p in problems] == [
        ("missing_column", "stations", "town_code"),
    ]


async def test_workbook_with_typo_column(db: Database, tmp_path: Path) -> None:
    book = load_workbook(str(resources.files("storage") / "data" / "example.xlsx"))
    del book["aliases"]
    book["deputies"]["C1"] = "levle"
    path = tmp_path / "broken.xlsx"
    book.save(path)
    problems = await refused(db, path)
    assert [(p.code, p.sheet, p.column) for p in problems] == [
        ("unknown_column", "deputies", "levle"),
        ("missing_column", "deputies", "level"),
    ]


async def test_a_folder_with_only_meetings_updates_meetings(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    before = await snapshot(db)
    only = tmp_path / "only_meetings"
    only.mkdir()
    shutil.copy(folder / "meetings.csv", only / "meetings.csv")
    edit_cell(only, "meetings", 2, "topic", "改期后的接待日")
    async with db.unit_of_work() as session:
        counts = await import_path(session, only, tz=TZ)
    assert counts == {"meetings": len(read_csv(only / "meetings.csv")) - 1}
    assert await snapshot(db) == before
    async with db.reading() as session:
        topic = await session.scalar(select(Meeting.topic).where(Meeting.code == "EX-GL-01-R202703"))
    assert topic == "改期后的接待日"


async def test_a_folder_with_only_meetings_must_name_known_stations(
    db: Database, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    only = tmp_path / "only_meetings"
    only.mkdir()
    shutil.copy(folder / "meetings.csv", only / "meetings.csv")
    problems = await refused(db, only)  # an empty database: stations and deputies are unknown
    assert {(p.code, p.column) for p in problems} == {
        ("unknown_reference", "station_code"), ("unknown_reference", "deputy_codes"),
    }
    assert "stations 工作表里没有，数据库里也没有" in problems[0].describe("zh")


async def test_chinese_values_are_accepted_besides_english(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "deputies", 2, "level", "市级")
    edit_cell(folder, "deputies", 3, "level", "区级")
    edit_cell(folder, "deputies", 3, "active", "是")
    edit_cell(folder, "stations", 2, "kind", "之家")
    edit_cell(folder, "stations", 2, "is_model", "否")
    edit_cell(folder, "meetings", 2, "kind", "座谈")
    edit_cell(folder, "meetings", 3, "kind", "述职")
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    async with db.reading() as session:
        levels = (await session.execute(
            select(Deputy.code, Deputy.level, Deputy.active).order_by(Deputy.code).limit(2)
        )).all()
        kinds = (await session.scalars(select(Meeting.kind).order_by(Meeting.starts_at))).all()
    assert [(c, lv.value, a) for c, lv, a in levels] == [
        ("EX-D01", "municipal", True), ("EX-D02", "district", True),
    ]
    assert {k.value for k in kinds} >= {"forum", "report"}


async def test_a_wrong_choice_lists_the_chinese_words_too(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "deputies", 2, "level", "省级")
    [problem] = await refused(db, folder)
    assert "municipal（市级）" in problem.describe("zh")
    assert "town（镇级）" in problem.describe("zh")


async def test_codes_typed_as_numbers_and_full_width_digits_are_accepted(
    db: Database, tmp_path: Path
) -> None:
    book = load_workbook(str(resources.files("storage") / "data" / "example.xlsx"))
    book["towns"]["A2"] = 110118001  # a spreadsheet turns codes into numbers
    book["communities"]["B2"] = 110118001.0
    book["coverage"]["B2"] = "１１０１１８００１００１"
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    async with db.unit_of_work() as session:
        counts = await import_path(session, path, tz=TZ)
    assert counts["coverage"] == 6


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"code,name\n110118001,x\n", "not_workbook"),
        (b"PK\x03\x04 truncated zip", "not_workbook"),
    ],
)
async def test_not_a_workbook(db: Database, tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "district.xlsx"
    path.write_bytes(content)
    [problem] = await refused(db, path)
    assert (problem.code, problem.sheet) == (code, None)
    assert problem.describe("en").startswith("File: ")


async def test_zip_that_is_not_a_workbook(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    [problem] = await refused(db, path)
    assert problem.code == "not_workbook"


async def test_missing_path(db: Database, tmp_path: Path) -> None:
    [problem] = await refused(db, tmp_path / "nowhere.xlsx")
    assert problem.code == "path_missing"


async def test_huge_values_are_refused_not_truncated(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "deputies", 2, "name", "张" * 100_000)
    edit_cell(folder, "stations", 2, "latitude", "1e308")
    edit_cell(folder, "stations", 3, "longitude", "1e999")
    problems = await refused(db, folder)
    assert [(p.code, p.sheet, p.row, p.column) for p in problems] == [
        ("out_of_range", "stations", 2, "latitude"),
        ("out_of_range", "stations", 3, "longitude"),
        ("too_long", "deputies", 2, "name"),
    ]
    message = problems[2].describe("en")
    assert "100000 characters" in message and len(message) < 200


async def test_enormous_csv_cell_is_reported_with_its_row(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "deputies", 3, "profile", "x" * 200_000)  # beyond the csv module's limit
    problems = await refused(db, folder)
    assert [(p.code, p.sheet, p.row) for p in problems] == [("bad_csv", "deputies", 3)]


async def test_cell_rules(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "communities", 2, "code", "11011800100")  # 11 digits
    edit_cell(folder, "communities", 3, "town_code", "110118101")  # not its town
    edit_cell(folder, "stations", 2, "kind", "office")
    edit_cell(folder, "stations", 3, "latitude", "")  # longitude alone
    edit_cell(folder, "stations", 4, "is_model", "perhaps")
    edit_cell(folder, "deputies", 2, "code", "代表1")
    problems = await refused(db, folder)
    found = [(p.code, p.sheet, p.row, p.column) for p in problems]
    for expected in [
        ("bad_digits", "communities", 2, "code"),
        ("wrong_town", "communities", 3, "town_code"),
        ("bad_choice", "stations", 2, "kind"),
        ("coordinates_incomplete", "stations", 3, "latitude"),
        ("bad_bool", "stations", 4, "is_model"),
        ("bad_key", "deputies", 2, "code"),
    ]:
        assert expected in found
    assert "home（之家） / station（联络站）" in next(
        p for p in problems if p.code == "bad_choice").describe("en")


async def test_gb18030_csv_from_chinese_excel_is_read(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    write_csv(folder / "towns.csv", read_csv(folder / "towns.csv"), encoding="gb18030")
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    async with db.reading() as session:
        assert await session.scalar(select(Town.name).where(Town.code == "110118101")) == "溪翁庄镇"


async def test_problems_are_capped(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    rows = read_csv(folder / "aliases.csv")
    write_csv(folder / "aliases.csv", rows[:1] + [["别名", "bad", "other"]] * 300)
    problems = await refused(db, folder)
    assert len(problems) == 201
    assert problems[-1].code == "too_many_problems" and problems[-1].fields["count"] == 100


async def test_workbook_without_any_known_sheet(db: Database, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Sheet1"
    book.active["A1"] = "hello"
    path = tmp_path / "blank.xlsx"
    book.save(path)
    problems = await refused(db, path)
    assert [p.code for p in problems] == ["no_sheets"]
    assert "meetings" in problems[0].describe("en")


async def test_text_that_looks_like_a_formula_stays_text(db: Database, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    edit_cell(folder, "stations", 2, "name", '=HYPERLINK("http://example.com","点我")')
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    async with db.reading() as session:
        await export_path(session, tmp_path / "out.xlsx", tz=TZ)
    book = load_workbook(tmp_path / "out.xlsx")
    cell = book["stations"]["C3"]  # exports are sorted by code: EX-GL-01, EX-GL-H, …
    assert (cell.data_type, cell.value) == ("s", '=HYPERLINK("http://example.com","点我")')
    other = Database(f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}")
    await other.create_all()
    async with other.unit_of_work() as session:
        await import_path(session, tmp_path / "out.xlsx", tz=TZ)
    async with other.reading() as session:
        name = await session.scalar(select(Station.name).where(Station.code == "EX-GL-H"))
    await other.dispose()
    assert name == '=HYPERLINK("http://example.com","点我")'
