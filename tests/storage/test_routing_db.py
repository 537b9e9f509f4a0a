"""Router.load reads towns, communities, aliases and stations from the database (both backends)."""

from __future__ import annotations

from storage import Database
from storage.models import (
    AddressAlias,
    Community,
    District,
    Station,
    StationCoverage,
    StationKind,
    Town,
)
from storage.routing import Router, RouteStatus, StationRef


async def populate(db: Database) -> None:
    async with db.unit_of_work() as session:
        session.add_all(
            [
                District(code="110118", name="密云区"),
                Town(code="110118101", name="溪翁庄镇", short_name="溪翁庄镇"),
                Town(code="110118111", name="古北口镇", short_name="古北口镇"),
            ]
        )
        await session.flush()
        session.add_all(
            [
                Community(code="110118101202", name="金叵罗村民委员会", short_name="金叵罗村",
                          town_code="110118101", unit_type="village_committee"),
                Community(code="110118101203", name="石马峪村民委员会", short_name="石马峪村",
                          town_code="110118101", unit_type="village_committee"),
                Community(code="110118111002", name="古北口社区居民委员会", short_name="古北口社区",
                          town_code="110118111", unit_type="residents_committee"),
                Community(code="110118111200", name="古北口村民委员会", short_name="古北口村",
                          town_code="110118111", unit_type="village_committee"),
            ]
        )
        session.add_all(
            [
                Station(id=1, code="H110118101", kind=StationKind.HOME, name="溪翁庄镇人大代表之家",
                        town_code="110118101", latitude=40.45, longitude=116.82),
                Station(id=2, code="S110118101-01", kind=StationKind.STATION, name="金叵罗村联络站",
                        town_code="110118101"),
            ]
        )
        await session.flush()
        session.add(StationCoverage(station_id=2, community_code="110118101202"))
        session.add(AddressAlias(alias="澜茵山小区", community_code="110118101203", kind="compound"))


async def test_load_from_database(db: Database) -> None:
    await populate(db)
    async with db.reading() as session:
        router = await Router.load(session)

    covered = router.route("溪翁庄金叵罗")
    assert covered.status is RouteStatus.MATCHED
    assert covered.candidates[0].station == StationRef(2, "金叵罗村联络站", "station")

    home = router.route("澜茵山小区")  # an alias; no liaison station covers 石马峪村: the town's home
    assert [c.name for c in home.candidates] == ["石马峪村"]
    assert home.candidates[0].station == StationRef(1, "溪翁庄镇人大代表之家", "home")

    bare = router.route("古北口")  # neither a station nor a home in 古北口镇
    assert bare.status is RouteStatus.AMBIGUOUS
    assert {c.name for c in bare.candidates} == {"古北口村", "古北口社区"}
    assert all(c.station is None for c in bare.candidates)

    found = router.nearest(40.46, 116.82)  # only the home has coordinates
    assert found is not None and found[0].id == 1 and 1000 < found[1] < 1200


async def test_load_from_an_empty_database(db: Database) -> None:
    async with db.reading() as session:
        router = await Router.load(session)
    result = router.route("金叵罗村")
    assert result.status is RouteStatus.NONE and result.reason == "not_recognised"
    assert router.nearest(40.0, 116.0) is None
