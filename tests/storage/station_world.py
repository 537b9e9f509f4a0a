"""A small district for resident, station and reminder tests: one town with a home and a liaison
station, two communities, deputies at every level, meetings around 'now'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage import Database
from storage.models import (
    Community,
    Deputy,
    DeputyLevel,
    DeputyStation,
    District,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    Station,
    StationCoverage,
    StationKind,
    Town,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)  # a Wednesday morning in Miyun
TOMORROW_9 = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)


@dataclass(frozen=True)
class StationWorld:
    home_id: int
    station_id: int
    covered: str  # community served by the liaison station
    uncovered: str  # community served by the town's home
    national_id: int
    town_deputy_id: int
    retired_id: int
    tomorrow_id: int  # reception tomorrow 09:00 at the liaison station
    forum_id: int  # forum in three days
    cancelled_id: int
    past_id: int
    inspection_id: int


def _meeting(code: str, station: int, kind: MeetingKind, start: datetime,
             status: MeetingStatus = MeetingStatus.PLANNED) -> Meeting:
    return Meeting(code=code, station_id=station, kind=kind, starts_at=start,
                   ends_at=start + timedelta(hours=2, minutes=30), place="党群服务中心一层",
                   topic="月进站：代表接待选民", status=status)


async def build_station_world(db: Database) -> StationWorld:
    async with db.unit_of_work() as s:
        s.add(District(code="110118", name="密云区"))
        s.add(Town(code="110118100", name="溪翁庄镇", short_name="溪翁庄"))
        await s.flush()
        s.add_all([
            Community(code="110118100201", name="金叵罗村民委员会", short_name="金叵罗村",
                      town_code="110118100", unit_type="village_committee"),
            Community(code="110118100202", name="东营子村民委员会", short_name="东营子村",
                      town_code="110118100", unit_type="village_committee"),
        ])
        home = Station(code="H110118100", kind=StationKind.HOME, name="溪翁庄镇人大代表之家",
                       town_code="110118100", address="溪翁庄镇党群服务中心三层",
                       latitude=40.45, longitude=116.83, opening_hours="周一至周五 9:00–17:30",
                       phone="010-11801000")
        station = Station(code="S110118100-01", kind=StationKind.STATION, is_model=True,
                          name="溪翁庄镇金叵罗人大代表联络站", town_code="110118100",
                          address="金叵罗村党群服务中心一层", opening_hours="每周二 9:00–11:30",
                          phone="010-11801001")
        deputies = [
            Deputy(code="DN", name="示例代表·张一", level=DeputyLevel.NATIONAL, title="果农",
                   profile="全国人大代表，果农。"),
            Deputy(code="DT", name="示例代表·王二", level=DeputyLevel.TOWN, title="村党支部书记"),
            Deputy(code="DR", name="示例代表·李三", level=DeputyLevel.DISTRICT, active=False),
        ]
        s.add_all([home, station, *deputies])
        await s.flush()
        s.add(StationCoverage(station_id=station.id, community_code="110118100201"))
        s.add_all([DeputyStation(deputy_id=d.id, station_id=station.id) for d in deputies])
        s.add(DeputyStation(deputy_id=deputies[0].id, station_id=home.id))
        meetings = [
            _meeting("M-TOMORROW", station.id, MeetingKind.RECEPTION, TOMORROW_9),
            _meeting("M-FORUM", station.id, MeetingKind.FORUM, NOW + timedelta(days=3)),
            _meeting("M-CANCELLED", station.id, MeetingKind.RECEPTION, TOMORROW_9,
                     MeetingStatus.CANCELLED),
            _meeting("M-PAST", station.id, MeetingKind.RECEPTION, NOW - timedelta(days=2)),
            _meeting("M-INSPECT", station.id, MeetingKind.INSPECTION, TOMORROW_9),
        ]
        s.add_all(meetings)
        await s.flush()
        s.add_all([MeetingDeputy(meeting_id=meetings[0].id, deputy_id=d.id) for d in deputies[:2]])
        await s.flush()
        return StationWorld(
            home_id=home.id, station_id=station.id, covered="110118100201",
            uncovered="110118100202", national_id=deputies[0].id,
            town_deputy_id=deputies[1].id, retired_id=deputies[2].id,
            tomorrow_id=meetings[0].id, forum_id=meetings[1].id, cancelled_id=meetings[2].id,
            past_id=meetings[3].id, inspection_id=meetings[4].id,
        )
