"""The service area and its name come from the loaded data (or the configured name)."""

from __future__ import annotations

from storage import Database
from storage.area import area_of, english_name, load_area
from storage.models import District, Town


def test_one_district_is_its_name_several_are_the_city() -> None:
    one = area_of([("110118", "密云区")])
    assert (one.name, one.display("en"), one.is_city) == ("密云区", "Miyun District", False)
    two = area_of([("110118", "密云区"), ("110114", "昌平区")])
    assert (two.name, two.display("en"), two.is_city) == ("北京市", "Beijing", True)
    named = area_of([("110114", "昌平区")], "回天地区", "Huitian")
    assert (named.display("zh"), named.display("en")) == ("回天地区", "Huitian")
    assert english_name("门头沟区") == "Mentougou District"


async def test_the_area_is_the_districts_that_have_towns(db: Database) -> None:
    async with db.unit_of_work() as s:
        s.add_all([District(code="110118", name="密云区"), District(code="110114", name="昌平区")])
        s.add(Town(code="110118101", name="溪翁庄镇", short_name="溪翁庄"))
    async with db.reading() as s:
        area = await load_area(s)
    assert (area.districts, area.name) == ((("110118", "密云区"),), "密云区")
    async with db.unit_of_work() as s:
        s.add(Town(code="110114001", name="城北街道", short_name="城北"))
    async with db.reading() as s:
        area = await load_area(s)
    assert area.name == "北京市" and len(area.districts) == 2
