"""Staff groups per area: the one lookup that says which group serves a station or town."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage import Database
from storage.demo import load_demo
from storage.models import HandlingLevel, Station, Town
from storage.staff_chats import (
    BindError,
    bind_staff_chat,
    binding_of,
    staff_chat_for_station,
    staff_chat_for_town,
    unbind_staff_chat,
)

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
DEFAULT, DISTRICT_GROUP, TOWN_GROUP = -100, -200, -300
XIWENGZHUANG = "110118101"


@pytest.fixture
async def demo(db: Database) -> Database:
    async with db.unit_of_work() as s:
        await load_demo(s, today=date(2026, 11, 25), tz=ZoneInfo("Asia/Shanghai"))
    return db


async def _station_of(db: Database, town_code: str) -> int:
    async with db.reading() as s:
        return int(await s.scalar(select(Station.id).where(Station.town_code == town_code).limit(1)) or 0)


async def test_unbound_areas_go_to_the_default_group(demo: Database) -> None:
    async with demo.reading() as s:
        assert await staff_chat_for_town(s, XIWENGZHUANG, DEFAULT) == DEFAULT
        assert await staff_chat_for_town(s, XIWENGZHUANG, None) is None


async def test_a_town_group_beats_the_district_group_until_the_district_level(demo: Database) -> None:
    async with demo.unit_of_work() as s:
        bound = await bind_staff_chat(s, DISTRICT_GROUP, "密云区", by=1, now=NOW)
        assert (bound.district_code, bound.name) == ("110118", "密云区")
        town = await bind_staff_chat(s, TOWN_GROUP, "溪翁庄镇", by=1, now=NOW)
        assert (town.town_code, town.name) == (XIWENGZHUANG, "溪翁庄镇")
    station = await _station_of(demo, XIWENGZHUANG)
    other = await _station_of(demo, "110118001")
    async with demo.reading() as s:
        assert await staff_chat_for_station(s, station, DEFAULT) == TOWN_GROUP
        assert await staff_chat_for_station(s, other, DEFAULT) == DISTRICT_GROUP
        assert await staff_chat_for_station(s, station, DEFAULT, level=HandlingLevel.DISTRICT) == DISTRICT_GROUP
        assert (await binding_of(s, TOWN_GROUP)).name == "溪翁庄镇"  # type: ignore[union-attr]
    async with demo.unit_of_work() as s:
        assert await unbind_staff_chat(s, TOWN_GROUP)
    async with demo.reading() as s:
        assert await staff_chat_for_station(s, station, DEFAULT) == DISTRICT_GROUP


async def test_binding_an_area_again_moves_it_and_a_group_serves_one_area(demo: Database) -> None:
    async with demo.unit_of_work() as s:
        await bind_staff_chat(s, DISTRICT_GROUP, "110118", by=1, now=NOW)
        await bind_staff_chat(s, TOWN_GROUP, "密云", by=1, now=NOW)  # 密云 = 密云区
    async with demo.reading() as s:
        assert await binding_of(s, DISTRICT_GROUP) is None
        assert await staff_chat_for_town(s, XIWENGZHUANG, DEFAULT) == TOWN_GROUP
    async with demo.unit_of_work() as s:
        await bind_staff_chat(s, TOWN_GROUP, "溪翁庄镇", by=1, now=NOW)  # the group changes area
    async with demo.reading() as s:
        assert await staff_chat_for_town(s, "110118001", DEFAULT) == DEFAULT


async def test_an_unknown_or_ambiguous_area_is_refused(demo: Database) -> None:
    async with demo.unit_of_work() as s:
        s.add(Town(code="110118999", name="鼓楼街道", short_name="鼓楼街道"))  # a second one
    for area, key in (("火星区", "staff_chats.bind_unknown"), ("", "staff_chats.bind_usage"),
                      ("鼓楼街道", "staff_chats.bind_ambiguous")):
        async with demo.unit_of_work() as s:
            with pytest.raises(BindError) as refused:
                await bind_staff_chat(s, DISTRICT_GROUP, area, by=1, now=NOW)
        assert refused.value.key == key


async def test_a_staff_groups_area_scopes_stations_and_tickets(demo: Database) -> None:
    """The default group covers everything; a district's group its district's stations (also
    those of a town with its own group); a town's group its town's; any other chat nothing."""
    from sqlalchemy import func

    from storage.models import Suggestion
    from storage.staff_chats import (
        area_station_ids,
        chat_serves_suggestion,
        in_area,
        staff_area,
        station_in_area,
    )

    async with demo.unit_of_work() as s:
        await bind_staff_chat(s, DISTRICT_GROUP, "密云区", by=1, now=NOW)
        await bind_staff_chat(s, TOWN_GROUP, "溪翁庄镇", by=1, now=NOW)
    in_town, elsewhere = await _station_of(demo, XIWENGZHUANG), await _station_of(demo, "110118001")
    async with demo.reading() as s:
        whole = await staff_area(s, DEFAULT, DEFAULT)
        district = await staff_area(s, DISTRICT_GROUP, DEFAULT)
        town = await staff_area(s, TOWN_GROUP, DEFAULT)
        assert await staff_area(s, -999, DEFAULT) is None
        assert await staff_area(s, DEFAULT, None) is None  # no default group: not a staff group
        assert whole is not None and whole.whole and await area_station_ids(s, whole) is None
        assert district is not None and (district.district_code, district.name) == ("110118", "密云区")
        assert town is not None and (town.town_code, town.district_code) == (XIWENGZHUANG, None)
        everything = set(await s.scalars(select(Station.id)))
        assert await area_station_ids(s, district) == everything  # the demo is one district
        town_ids = await area_station_ids(s, town)
        assert town_ids == set(await s.scalars(
            select(Station.id).where(Station.town_code == XIWENGZHUANG)))
        assert town_ids and in_town in town_ids and elsewhere not in town_ids
        assert await station_in_area(s, town, in_town)
        assert not await station_in_area(s, town, elsewhere)
        assert not await station_in_area(s, town, None)
        assert await station_in_area(s, whole, None)
        counted = await s.scalar(select(func.count()).select_from(Station)
                                 .where(in_area(town, Station.id)))
        assert counted == len(town_ids)
        ticket = Suggestion(station_id=elsewhere, card_chat_id=None)
        assert await chat_serves_suggestion(s, DEFAULT, ticket, DEFAULT)
        assert await chat_serves_suggestion(s, DISTRICT_GROUP, ticket, DEFAULT)
        assert not await chat_serves_suggestion(s, TOWN_GROUP, ticket, DEFAULT)
        assert not await chat_serves_suggestion(s, -999, ticket, DEFAULT)
        ticket.card_chat_id = TOWN_GROUP  # its card is in that group: it may act on it
        assert await chat_serves_suggestion(s, TOWN_GROUP, ticket, DEFAULT)
