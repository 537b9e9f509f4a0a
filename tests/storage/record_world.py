"""A known year (2025) of two deputies' work, for the record and annual report tests.

D1 serves liaison station S1 and home H1; D2 serves station S2. D1's suggestions carry a
resident's name, phone and ID number in every place a careless hand could put them (the
resident's text, the contact fields, staff's and the deputy's words), so a test can prove that
none of it reaches the record, the summary or the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage import Database
from storage.categories import ensure_categories
from storage.models import (
    ActorKind,
    Booking,
    CheckIn,
    Community,
    Deputy,
    DeputyLevel,
    DeputyStation,
    District,
    Meeting,
    Resident,
    Staff,
    Station,
    StationKind,
    Suggestion,
    TimelineEntry,
    Town,
)

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2025
NOW = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

NAME, NICK = "王小明", "小明爸爸"
PHONE, LANDLINE, ID_NUMBER = "13800138000", "010-6912 3456", "110101199003071234"
SECRET = "下水道堵了好几天"  # the resident's own words
DONE = "已协调疏通下水道并加装检修口"  # what was done, in the deputy's words
OTHER_SECRET = "乙站的秘密事项"  # D2's suggestion: never in D1's record


def local(m: int, d: int, h: int = 9, y: int = YEAR) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


@dataclass
class M:
    station: str
    kind: str
    start: datetime
    status: str
    deputies: tuple[str, ...]
    residents: int = 0
    walk_ins: int = 0
    confirmed: int = 0


MEETINGS = [
    M("S1", "reception", local(1, 10), "held", ("D1",), 3, 2, 2),
    M("S1", "reception", local(3, 14), "held", ("D1",), 1),
    M("S1", "forum", local(3, 28), "held", ("D1",)),  # the same month again
    M("H1", "forum", local(4, 20), "held", ("D1",), 4),  # Q2 at home
    M("H1", "report", local(12, 5), "held", ("D1",), 0, 10),  # 述职, Q4 at home
    M("S1", "reception", local(5, 9), "planned", ()),  # not held
    M("S2", "reception", local(6, 13), "held", ("D2",), 5, 1, 1),
    M("S1", "reception", local(12, 20, 9, YEAR - 1), "held", ("D1",), 5, 5, 5),  # last year
]


@dataclass
class S:
    deputy: str
    status: str
    created: datetime
    response: timedelta | None = None
    rating: str | None = None
    on_behalf: bool = False
    followup: str | None = None  # the resident's answer 30 days after: still_fixed | came_back


SUGGESTIONS = [
    S("D1", "resolved", local(2, 1), 10 * H, "satisfied", followup="still_fixed"),
    S("D1", "closed", local(5, 2), 100 * H, "unsatisfied", on_behalf=True,  # late
      followup="came_back"),
    S("D1", "answered", local(6, 3), 5 * H),
    S("D1", "assigned", local(7, 4)),
    S("D1", "rejected", local(8, 5), 2 * H),
    S("D1", "resolved", local(3, 1, 9, YEAR + 1), 1 * H, "satisfied"),  # next year
    S("D2", "resolved", local(4, 6), 30 * H, "basic"),
]

# The figures D1's record must show, counted by hand from the lists above.
D1_EXPECTED = {
    "activities_held": 5, "deputy_attendances": 5, "voter_contacts": 20, "bookings": 2,
    "suggestions_collected": 5, "suggestions_online": 4, "suggestions_on_behalf": 1,
    "answered": 4, "resolved": 2, "median_first_response_hours": 7.5,
    "response_rate": 0.6, "resolution_rate": 0.4, "satisfaction_rate": 0.5,
    "station_months_attended": 2, "home_quarters_attended": 2, "report_given": True,
    "followup_asked": 2, "followup_still_fixed": 1, "followup_came_back": 1,
    "followup_still_fixed_rate": 0.5,
}
D1_RECEPTIONS = 2
D1_MONTHS = {"2025-01": (1, 0, 1), "2025-03": (2, 0, 1), "2025-04": (0, 1, 0),
             "2025-12": (0, 1, 0)}  # month -> (at stations, at homes, receptions)


async def build_record_world(db: Database) -> dict[str, int]:
    """The world; returns deputy code -> id."""
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        s.add(District(code="110000", name="某区"))
        await s.flush()
        s.add(Town(code="110000001", name="甲镇", short_name="甲镇", district_code="110000"))
        await s.flush()
        s.add(Community(code="110000001001", name="幸福社区", short_name="幸福",
                        town_code="110000001", unit_type="residents_committee"))
        stations = {code: Station(code=code, kind=StationKind(kind), name=f"站{code}",
                                  town_code="110000001")
                    for code, kind in (("H1", "home"), ("S1", "station"), ("S2", "station"))}
        s.add_all(stations.values())
        deputies = {"D1": Deputy(code="D1", name="李代表", level=DeputyLevel.DISTRICT),
                    "D2": Deputy(code="D2", name="赵代表", level=DeputyLevel.TOWN)}
        s.add_all(deputies.values())
        staff = Staff(telegram_user_id=9001, display_name="工作人员")
        s.add(staff)
        await s.flush()
        for code, places in (("D1", ("S1", "H1")), ("D2", ("S2",))):
            for place in places:
                s.add(DeputyStation(deputy_id=deputies[code].id, station_id=stations[place].id))
        residents = [Resident(telegram_user_id=5000 + n, chat_id=5000 + n, display_name=NICK,
                              phone=PHONE) for n in range(6)]
        s.add_all(residents)
        await s.flush()
        for n, m in enumerate(MEETINGS):
            row = Meeting(code=f"m{n}", station_id=stations[m.station].id, kind=m.kind,
                          starts_at=m.start, ends_at=m.start + 2 * H, status=m.status,
                          walk_ins=m.walk_ins)
            s.add(row)
            await s.flush()
            for dep in m.deputies:
                s.add(CheckIn(meeting_id=row.id, deputy_id=deputies[dep].id, kind="deputy"))
            for k in range(m.residents):
                s.add(CheckIn(meeting_id=row.id, resident_id=residents[k].id, kind="resident"))
            for k in range(m.confirmed):
                s.add(Booking(meeting_id=row.id, resident_id=residents[k].id,
                              status="confirmed"))
        for n, sg in enumerate(SUGGESTIONS, 1):
            station = stations["S1" if sg.deputy == "D1" else "S2"]
            words = SECRET if sg.deputy == "D1" else OTHER_SECRET
            row = Suggestion(
                ticket=f"{sg.created.year}-{n:06d}", station_id=station.id,
                community_code="110000001001" if sg.deputy == "D1" else None,
                resident_id=residents[0].id, category_code="urban",
                text=f"{words}，我是{NAME}，电话{PHONE}，身份证{ID_NUMBER}",
                contact_name=NAME, contact_phone=PHONE, share_identity=True,
                status=sg.status, created_at=sg.created,
                first_response_at=sg.created + sg.response if sg.response else None,
                first_response_due=sg.created + 3 * D, resolution_due=sg.created + 15 * D,
                resolved_at=(sg.created + 2 * D if sg.status in ("resolved", "closed")
                             else None),
                satisfaction=sg.rating, on_behalf=sg.on_behalf,
                followup_asked_at=sg.created + 32 * D if sg.followup else None,
                followup_answer=sg.followup,
                assignee_deputy_id=deputies[sg.deputy].id)
            s.add(row)
            await s.flush()
            s.add(TimelineEntry(suggestion_id=row.id, at=sg.created, kind="created",
                                actor_kind=ActorKind.RESIDENT, actor_id=residents[0].id,
                                text=row.text))
            if sg.response is not None:
                s.add(TimelineEntry(
                    suggestion_id=row.id, at=sg.created + sg.response, kind="reply",
                    actor_kind=ActorKind.STAFF, actor_id=staff.id,
                    text=f"已联系{NAME}（{PHONE}），身份证{ID_NUMBER}，会尽快处理。"
                    if sg.deputy == "D1" else OTHER_SECRET))
            if sg.status in ("resolved", "closed"):
                s.add(TimelineEntry(
                    suggestion_id=row.id, at=sg.created + 2 * D, kind="resolved",
                    actor_kind=ActorKind.DEPUTY, actor_id=deputies[sg.deputy].id,
                    text=f"{DONE}，{NICK}可拨打{LANDLINE}或发邮件 a.b@example.cn 反馈。"
                    if sg.deputy == "D1" else OTHER_SECRET))
    return {code: dep.id for code, dep in deputies.items()}


PERSONAL = (NAME, NICK, PHONE, "6912", ID_NUMBER, SECRET, "example.cn", OTHER_SECRET)
