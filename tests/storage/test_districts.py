"""Districts in the data model and import files; no name can take the address index down."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage import Database
from storage.divisions import load_city_divisions
from storage.models import District, Town
from storage.routing import CommunityEntry, Router, RouteStatus, TownEntry
from storage.transfer import ImportRejected, Problem, export_path, import_path

TZ = ZoneInfo("Asia/Shanghai")


def city_router() -> Router:
    city = load_city_divisions()
    return Router.from_entries(
        [TownEntry(t.code, t.name, t.short_name) for t in city.towns],
        [CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
         for c in city.communities],
    )


def test_the_packaged_city_list_has_every_district_town_and_community() -> None:
    city = load_city_divisions()
    assert (len(city.districts), len(city.towns), len(city.communities)) == (16, 349, 7301)
    assert city.city == "北京市"
    assert city.find_district("昌平区") == city.find_district("110114") == city.find_district("昌平")


def test_names_with_full_width_brackets_are_keyed_and_route() -> None:
    router = city_router()
    assert router.unkeyed == []
    for typed, code in [("中国矿业大学（北京）社区", "110108"), ("中国矿业大学(北京)社区居委会", "110108"),
                        ("万柳（集团）股份经济合作社六郎庄生活区", "110108")]:
        result = router.route(typed)
        assert result.status is RouteStatus.MATCHED, typed
        assert result.candidates[0].code.startswith(code)


def test_a_name_the_index_cannot_key_is_reported_and_the_rest_routes() -> None:
    towns = [TownEntry("110118101", "溪翁庄镇", "溪翁庄")]
    communities = [
        CommunityEntry("110118101001", "（）", "（）", "110118101", "village_committee"),
        CommunityEntry("110118101002", "金叵罗村民委员会", "金叵罗村", "110118101", "village_committee"),
    ]
    router = Router.from_entries(towns, communities)
    assert router.unkeyed == ["（）"]
    assert router.route("金叵罗").candidates[0].code == "110118101002"
    assert router.route("（）").status is RouteStatus.NONE


def _example(tmp_path: Path) -> Path:
    target = tmp_path / "example"
    shutil.copytree(str(resources.files("storage") / "data" / "example"), target)
    return target


async def test_import_writes_districts_and_every_town_belongs_to_one(db: Database, tmp_path: Path) -> None:
    folder = _example(tmp_path)
    (folder / "districts.csv").write_text("code,name\n110118,密云区\n", encoding="utf-8")
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    async with db.reading() as session:
        districts = (await session.execute(select(District.code, District.name))).all()
        towns = set(await session.scalars(select(Town.district_code)))
    assert [tuple(d) for d in districts] == [("110118", "密云区")]
    assert towns == {"110118"}
    out = tmp_path / "out"
    async with db.reading() as session:
        counts = await export_path(session, out, tz=TZ)
    assert counts["districts"] == 1
    assert (out / "districts.csv").read_text(encoding="utf-8-sig").splitlines() == ["code,name", "110118,密云区"]


async def test_a_file_without_a_districts_sheet_takes_beijing_names(db: Database, tmp_path: Path) -> None:
    folder = _example(tmp_path)
    (folder / "districts.csv").unlink()
    async with db.unit_of_work() as session:
        await import_path(session, folder, tz=TZ)
    async with db.reading() as session:
        names = list(await session.scalars(select(District.name)))
    assert names == ["密云区"]


async def test_a_town_of_an_unknown_district_is_refused(db: Database, tmp_path: Path) -> None:
    folder = _example(tmp_path)
    (folder / "districts.csv").unlink()
    towns = (folder / "towns.csv").read_text(encoding="utf-8-sig")
    (folder / "towns.csv").write_text(towns + "120101001,示例街道,示例街道\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        async with db.unit_of_work() as session:
            await import_path(session, folder, tz=TZ)
    assert [(p.code, p.sheet, p.column) for p in caught.value.problems] == [
        ("unknown_district", "towns", "code")
    ]
    assert "120101" in caught.value.problems[0].describe("zh")


async def test_an_unroutable_name_is_imported_with_a_warning(db: Database, tmp_path: Path) -> None:
    folder = _example(tmp_path)
    aliases = (folder / "aliases.csv").read_text(encoding="utf-8-sig")
    community = aliases.splitlines()[1].split(",")[1]
    (folder / "aliases.csv").write_text(aliases + f"★★,{community},other\n", encoding="utf-8")
    notes: list[Problem] = []
    async with db.unit_of_work() as session:
        counts = await import_path(session, folder, tz=TZ, notes=notes)
    assert counts["aliases"] == len(aliases.splitlines())
    assert [(n.code, n.sheet, n.column) for n in notes] == [("unroutable_name", "aliases", "alias")]
    async with db.reading() as session:
        router = await Router.load(session)
    assert router.unkeyed == ["★★"]
    first = (folder / "communities.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    assert router.route(first[3]).candidates[0].code == first[0]


async def test_migrating_an_existing_database_gives_its_towns_their_district(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.engine import Connection

    from storage.db import alembic_config

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")

    def to(revision: str) -> object:
        def run(connection: Connection) -> None:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
        return run

    async with db.engine.begin() as conn:
        await conn.run_sync(to("0001"))
        await conn.execute(text("INSERT INTO towns (code, name, short_name) VALUES "
                                "('110118101', '溪翁庄镇', '溪翁庄'), ('110114001', '城北街道', '城北')"))
    await db.upgrade()
    async with db.reading() as session:
        towns = dict((await session.execute(select(Town.code, Town.district_code))).all())
        districts = dict((await session.execute(select(District.code, District.name))).all())
    await db.dispose()
    assert towns == {"110118101": "110118", "110114001": "110114"}
    assert districts == {"110118": "密云区", "110114": "昌平区"}


def _one_district(code: str) -> Router:
    city = load_city_divisions().only({code})
    return Router.from_entries(
        [TownEntry(t.code, t.name, t.short_name) for t in city.towns],
        [CommunityEntry(c.code, c.name, c.short_name, c.town_code, c.unit_type)
         for c in city.communities],
    )


@pytest.mark.parametrize("typed", ["北京市昌平区辛庄村", "辛庄村（昌平区）", "昌平辛庄村", "changpingqu xinzhuang"])
def test_a_district_written_anywhere_narrows_the_search(typed: str) -> None:
    result = city_router().route(typed)
    assert result.status is RouteStatus.AMBIGUOUS
    assert {c.district for c in result.candidates} == {"昌平区"}
    assert len(result.candidates) == 4


def test_a_name_in_fourteen_places_offers_all_of_them_with_their_districts() -> None:
    result = city_router().route("辛庄村")
    assert len(result.candidates) == 14
    assert len({c.district for c in result.candidates}) > 5


@pytest.mark.parametrize("typed", ["北京市昌平区辛庄村", "昌平辛庄村", "回龙观街道", "海淀区中关村",
                                   "上海市浦东新区", "河北省承德市", "滦平县城", "changpingqu"])
def test_a_district_that_is_not_loaded_is_outside_the_area(typed: str) -> None:
    result = _one_district("110118").route(typed)
    assert (result.status, result.reason) == (RouteStatus.NONE, "outside_area")


@pytest.mark.parametrize("typed", ["朝阳村", "密云县溪翁庄", "北京市密云区金叵罗村", "miyun jinpoluo"])
def test_names_that_begin_like_a_district_still_route(typed: str) -> None:
    result = _one_district("110118").route(typed)
    assert result.status is RouteStatus.MATCHED, typed


def test_the_routing_code_and_catalogues_name_no_district() -> None:
    import locales
    import storage.routing

    for package in (storage.routing, locales):
        root = Path(package.__file__).parent
        for path in [*root.rglob("*.py"), *root.rglob("*.toml")]:
            text = path.read_text(encoding="utf-8")
            for district in load_city_divisions().districts:
                assert district.name not in text, (path, district.name)
