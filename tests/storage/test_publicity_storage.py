"""公示: per-group opt-in, once a month per area, the month's figures and anonymised examples of
the area only, and its subscribers only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from lifecycle_world import DEADLINES, World, build_world, new_suggestion

import storage.lifecycle as lc
from storage import Database
from storage import publicity as pub
from storage.anonymise import MASK, scrub
from storage.models import Community, Resident, Station, StationKind, Subscription, Town
from storage.roles import Actor
from storage.staff_chats import StaffArea

TZ = ZoneInfo("Asia/Shanghai")
IN_MARCH = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
APRIL_1 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # 09:00 local
TOWN = StaffArea(-100, None, "110118001", "演示镇")
OTHER = StaffArea(-200, None, "110118002", "另一镇")


def test_scrub_removes_phone_and_id_numbers_and_names() -> None:
    text = ("已联系王小明（13800138000，+86 139-1234-5678），身份证 11022819800101123X，"
            "座机 010-69041234，工单 2026-000012 已办结")
    out = scrub(text, ("王小明", None, "李"))
    for secret in ("王小明", "13800138000", "139-1234-5678", "11022819800101123X", "69041234"):
        assert secret not in out
    assert "2026-000012" in out and out.count(MASK) == 5


def test_the_month_before() -> None:
    assert pub.month_before(APRIL_1, TZ) == (date(2026, 3, 1), date(2026, 3, 31), "2026-03")
    # 23:30 on 31 March UTC is already 1 April in the district's zone.
    late = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    assert pub.month_before(late, TZ)[2] == "2026-03"


async def _second_town(db: Database, w: World) -> int:
    async with db.unit_of_work() as s:
        s.add(Town(code="110118002", name="另一镇", short_name="另一", district_code="110118"))
        await s.flush()
        s.add(Community(code="110118002001", name="另一村村委会", short_name="另一村",
                        town_code="110118002", unit_type="village_committee"))
        station = Station(code="S-TEST-02", kind=StationKind.STATION, name="另一联络站",
                          town_code="110118002")
        s.add(station)
        await s.flush()
        return station.id


async def test_on_off_and_once_a_month(db: Database) -> None:
    await _second_town(db, await build_world(db))
    staff = Actor.staff(1)
    async with db.unit_of_work() as s:
        await pub.set_publicity(s, TOWN, on=True, actor=staff, by=9001, now=IN_MARCH, tz=TZ)
        await pub.set_publicity(s, OTHER, on=True, actor=staff, by=9001, now=IN_MARCH, tz=TZ)
    async with db.reading() as s:  # turned on in March: the first post is March's, on 1 April
        assert await pub.due_areas(s, IN_MARCH, TZ) == []
        assert [r.chat_id for r in await pub.due_areas(s, APRIL_1, TZ)] == [-200, -100]
    async with db.unit_of_work() as s:
        await pub.set_publicity(s, OTHER, on=False, actor=staff, by=9001, now=IN_MARCH, tz=TZ)
        assert await pub.claim_month(s, TOWN.chat_id, "2026-03")
        assert not await pub.claim_month(s, TOWN.chat_id, "2026-03")  # a second process
        assert not await pub.claim_month(s, OTHER.chat_id, "2026-03")  # turned off
    async with db.reading() as s:
        assert await pub.due_areas(s, APRIL_1 + timedelta(days=3), TZ) == []
        assert [r.chat_id for r in await pub.due_areas(s, APRIL_1 + timedelta(days=31), TZ)
                ] == [-100]


async def test_figures_examples_and_subscribers_of_the_area_only(db: Database) -> None:
    w = await build_world(db)
    other_station = await _second_town(db, w)
    march = IN_MARCH - timedelta(days=5)
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, w.resident.id)
        assert resident is not None
        resident.display_name = "张三丰"
        texts = ["我家门口（电话13800138000）的路灯坏了", "垃圾没人清", "井盖丢了", "路面塌了"]
        done = ["张三丰反映的路灯已修复，联系电话 13800138000", "已安排每日清运", "井盖已补上",
                "已修好"]
        for n, (text, words) in enumerate(zip(texts, done, strict=True)):
            sug = await new_suggestion(s, w, now=march + timedelta(hours=n), text=text,
                                       contact_name="张三丰")
            await lc.resolve(s, sug.id, w.staff, now=march + timedelta(days=1, hours=n),
                             text=words)
            if n == 3:  # rated 不满意: reopened, not an example
                await lc.rate(s, sug.id, w.resident, now=march + timedelta(days=2),
                              satisfaction="unsatisfied", deadlines=DEADLINES)
            if n == 1:
                await lc.rate(s, sug.id, w.resident, now=march + timedelta(days=2),
                              satisfaction="satisfied", deadlines=DEADLINES)
        elsewhere = await new_suggestion(s, w, now=march, station_id=other_station,
                                         community_code="110118002001", text="别处的事")
        await lc.resolve(s, elsewhere.id, w.staff, now=march + timedelta(days=1), text="别处办了")
        s.add(Subscription(resident_id=w.resident.id, station_id=w.station_id))
        s.add(Subscription(resident_id=w.other_resident.id, station_id=other_station))
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    async with db.reading() as s:
        figures = await pub.month_figures(s, TOWN, first, last, TZ)
        assert figures == pub.Figures(collected=4, answered=4, resolved=3, satisfaction_rate=0.5)
        examples = await pub.examples(s, TOWN, first, last, TZ)
        assert len(examples) == 3
        assert examples[0].done == "已安排每日清运"  # the well-rated one first
        shown = " ".join(f"{e.category_zh} {e.community} {e.done}" for e in examples)
        assert "演示村" in shown and "已修好" not in shown and "别处" not in shown
        for secret in ("张三丰", "13800138000", "路灯坏了", "垃圾没人清"):
            assert secret not in shown
        assert await pub.subscribers(s, TOWN) == [w.resident.id]
        assert await pub.subscribers(s, OTHER) == [w.other_resident.id]
        whole = StaffArea(-1, None, None, "")
        assert await pub.subscribers(s, whole) == sorted([w.resident.id, w.other_resident.id])
        assert (await pub.month_figures(s, whole, first, last, TZ)).collected == 5
