"""``jiazhan report``'s figures equal an independent count of a known history.

The history is written down below as plain Python records (meetings with their status, sign-ins,
walk-ins and bookings; suggestions through every state with ratings). The expected numbers are
counted from those records with list comprehensions, never from the report's queries, and every
number of every list is compared.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage import Database
from storage.categories import ensure_categories
from storage.models import (
    Booking,
    CheckIn,
    Deputy,
    DeputyLevel,
    DeputyStation,
    District,
    Meeting,
    Resident,
    Station,
    StationKind,
    Suggestion,
    Town,
)
from storage.report import build_report, ledger_rows, report_scope

TZ = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def local(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


# station code -> (kind, town)
STATIONS = {"H1": ("home", "110000001"), "S1": ("station", "110000001"),
            "H2": ("home", "110000002"), "S2": ("station", "110000002")}
TOWNS = {"110000001": "甲镇", "110000002": "乙镇"}
DEPUTIES = {"D1": ("H1", "S1"), "D2": ("S2",), "D3": ("S1", "H2")}


@dataclass
class M:
    code: str
    station: str
    kind: str
    start: datetime
    status: str
    deputies: tuple[str, ...] = ()  # signed in
    residents: int = 0  # resident sign-ins
    walk_ins: int = 0
    confirmed: int = 0
    waiting: int = 0
    cancelled: int = 0


MEETINGS = [
    M("m1", "S1", "reception", local(2026, 1, 10), "held", ("D1", "D3"), 3, 2, 4, 1, 1),
    M("m2", "S1", "reception", local(2026, 2, 14), "held", ("D1",), 2, 0, 2),
    M("m3", "S1", "reception", local(2026, 2, 28), "held", ("D1", "D3"), 1, 5, 1),  # same month
    M("m4", "H1", "forum", local(2026, 3, 20), "held", ("D1",), 4, 1, 0),
    M("m5", "H1", "report", local(2026, 6, 20), "held", ("D1",), 6, 10, 3),  # 述职, Q2
    M("m6", "S2", "reception", local(2026, 4, 11), "held", ("D2",), 2, 0, 2, 2),
    M("m7", "S2", "reception", local(2026, 5, 9), "planned", (), 0, 0, 3, 1),  # not held
    M("m8", "S2", "reception", local(2026, 6, 13), "cancelled", (), 0, 0, 0, 0, 2),
    M("m9", "H2", "inspection", local(2026, 5, 16), "held", ("D3",), 0, 7, 0),
    # Outside the period: the day before and the day after, in the district's zone.
    M("m10", "S1", "reception", local(2025, 12, 31, 23), "held", ("D1",), 5, 5, 5),
    M("m11", "S2", "reception", local(2026, 7, 1, 0), "held", ("D2",), 5, 5, 5),
]


@dataclass
class S:
    station: str
    status: str
    created: datetime
    response: timedelta | None = None  # after creation
    due: timedelta = 3 * D
    rating: str | None = None
    assignee: str | None = None
    on_behalf: bool = False
    followup: str | None = None  # 回访: asked (no answer yet), still_fixed or came_back


SUGGESTIONS = [
    S("S1", "new", local(2026, 6, 29), None, 3 * D),  # not due at NOW
    S("S1", "new", local(2026, 1, 5), None),  # overdue, unanswered
    S("S1", "assigned", local(2026, 1, 6), None, assignee="D1"),
    S("S1", "answered", local(2026, 1, 7), 10 * H, assignee="D1"),
    S("S1", "resolved", local(2026, 2, 1), 30 * H, rating="satisfied", assignee="D1",
      followup="still_fixed"),
    S("S1", "closed", local(2026, 2, 2), 100 * H, rating="unsatisfied", assignee="D3",
      followup="asked"),  # late
    S("S1", "rejected", local(2026, 2, 3), 5 * H, assignee="D3"),
    S("S1", "duplicate", local(2026, 2, 4), None),  # merged: never counted
    S("S1", "escalated", local(2026, 3, 1), 20 * H, on_behalf=True),
    S("S1", "reopened", local(2026, 3, 2), 2 * H, rating="basic", assignee="D1",
      followup="came_back"),
    S("H1", "resolved", local(2026, 3, 3), 1 * H, rating="basic", on_behalf=True,
      assignee="D1"),
    S("H1", "closed", local(2026, 4, 4), 8 * H, on_behalf=True),
    S("S2", "resolved", local(2026, 4, 5), 50 * H, rating="satisfied", assignee="D2",
      followup="still_fixed"),
    S("S2", "answered", local(2026, 5, 6), 80 * H, assignee="D2"),  # late
    S("S2", "closed", local(2026, 6, 7), 6 * H, rating="satisfied", assignee="D2",
      on_behalf=True),
    S("H2", "rejected", local(2026, 6, 8), 4 * H, rating="unsatisfied"),
    # Outside the period.
    S("S1", "resolved", local(2025, 12, 31, 23), 1 * H, rating="satisfied", assignee="D1",
      followup="came_back"),
    S("S2", "resolved", local(2026, 7, 1, 0), 1 * H, rating="satisfied", assignee="D2"),
]


async def _build(db: Database) -> None:
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        s.add(District(code="110000", name="某区"))
        await s.flush()
        for code, name in TOWNS.items():
            s.add(Town(code=code, name=name, short_name=name, district_code="110000"))
        await s.flush()
        stations = {}
        for code, (kind, town) in STATIONS.items():
            stations[code] = Station(code=code, kind=StationKind(kind), name=f"站{code}",
                                     town_code=town)
            s.add(stations[code])
        deputies = {code: Deputy(code=code, name=f"代表{code}", level=DeputyLevel.DISTRICT)
                    for code in DEPUTIES}
        s.add_all(deputies.values())
        await s.flush()
        for code, places in DEPUTIES.items():
            for place in places:
                s.add(DeputyStation(deputy_id=deputies[code].id, station_id=stations[place].id))
        residents = [Resident(telegram_user_id=1000 + n, chat_id=1000 + n) for n in range(12)]
        s.add_all(residents)
        await s.flush()
        for m in MEETINGS:
            row = Meeting(code=m.code, station_id=stations[m.station].id, kind=m.kind,
                          starts_at=m.start, ends_at=m.start + 2 * H, status=m.status,
                          walk_ins=m.walk_ins)
            s.add(row)
            await s.flush()
            for dep in m.deputies:
                s.add(CheckIn(meeting_id=row.id, deputy_id=deputies[dep].id, kind="deputy"))
            for n in range(m.residents):
                s.add(CheckIn(meeting_id=row.id, resident_id=residents[n].id, kind="resident"))
            statuses = ["confirmed"] * m.confirmed + ["waiting"] * m.waiting + [
                "cancelled"] * m.cancelled
            for n, status in enumerate(statuses):
                s.add(Booking(meeting_id=row.id, resident_id=residents[n].id, status=status))
        for n, sg in enumerate(SUGGESTIONS, 1):
            s.add(Suggestion(
                ticket=f"2026-{n:06d}", station_id=stations[sg.station].id,
                category_code="urban", text="…", status=sg.status, created_at=sg.created,
                first_response_at=sg.created + sg.response if sg.response else None,
                first_response_due=sg.created + sg.due, resolution_due=sg.created + 15 * D,
                satisfaction=sg.rating, on_behalf=sg.on_behalf,
                followup_asked_at=sg.created + 40 * D if sg.followup else None,
                followup_answer=sg.followup if sg.followup != "asked" else None,
                assignee_deputy_id=deputies[sg.assignee].id if sg.assignee else None))


# -- the independent count ------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=TZ)
END = datetime(2026, 7, 1, tzinfo=TZ)


def _in(at: datetime) -> bool:
    return START <= at < END


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def expected_row(meetings: list[M], suggestions: list[S], *, attendances: int | None = None,
                 held_count: int | None = None) -> dict[str, Any]:
    held = [m for m in meetings if m.status == "held" and _in(m.start)]
    sugg = [sg for sg in suggestions if _in(sg.created) and sg.status != "duplicate"]
    answered = [sg for sg in sugg if sg.response is not None]
    due = [sg for sg in sugg if sg.response is not None or sg.created + sg.due <= NOW]
    on_time = [sg for sg in sugg if sg.response is not None and sg.response <= sg.due]
    resolved = [sg for sg in sugg if sg.status in ("resolved", "closed")]
    rated = [sg for sg in sugg if sg.rating]
    good = [sg for sg in rated if sg.rating in ("satisfied", "basic")]
    hours = [sg.response / H for sg in answered if sg.response is not None]
    fixed = [sg for sg in sugg if sg.followup == "still_fixed"]
    back = [sg for sg in sugg if sg.followup == "came_back"]
    return {
        "activities_held": len(held) if held_count is None else held_count,
        "deputy_attendances": (sum(len(m.deputies) for m in held) if attendances is None
                               else attendances),
        "voter_contacts": sum(m.residents + m.walk_ins for m in held),
        "bookings": sum(m.confirmed for m in meetings if _in(m.start)),
        "suggestions_collected": len(sugg),
        "suggestions_online": len([sg for sg in sugg if not sg.on_behalf]),
        "suggestions_on_behalf": len([sg for sg in sugg if sg.on_behalf]),
        "answered": len(answered),
        "resolved": len(resolved),
        "median_first_response_hours": round(statistics.median(hours), 2) if hours else None,
        "response_rate": _ratio(len(on_time), len(due)),
        "resolution_rate": _ratio(len(resolved), len(sugg)),
        "satisfaction_rate": _ratio(len(good), len(rated)),
        "followup_asked": len([sg for sg in sugg if sg.followup]),
        "followup_still_fixed": len(fixed),
        "followup_came_back": len(back),
        "followup_still_fixed_rate": _ratio(len(fixed), len(fixed) + len(back)),
    }


def expected_deputy(code: str) -> dict[str, Any]:
    attended = [m for m in MEETINGS if code in m.deputies and m.status == "held" and _in(m.start)]
    at_places = [m for m in MEETINGS if m.station in DEPUTIES[code] and m.status == "held"
                 and _in(m.start)]
    row = expected_row(attended, [sg for sg in SUGGESTIONS if sg.assignee == code],
                       attendances=len(attended), held_count=len(at_places))
    row["bookings"] = sum(m.confirmed for m in attended)
    months = {(m.start.year, m.start.month) for m in attended
              if STATIONS[m.station][0] == "station"}
    quarters = {(m.start.year, (m.start.month - 1) // 3) for m in attended
                if STATIONS[m.station][0] == "home"}
    return {"code": code, "name": f"代表{code}", "level": "district", **row,
            "station_months_attended": len(months), "home_quarters_attended": len(quarters),
            "report_given": any(m.kind == "report" for m in attended), "evaluation": None}


def _of(station: str) -> tuple[list[M], list[S]]:
    return ([m for m in MEETINGS if m.station == station],
            [sg for sg in SUGGESTIONS if sg.station == station])


def _of_town(town: str) -> tuple[list[M], list[S]]:
    codes = {c for c, (_, t) in STATIONS.items() if t == town}
    return ([m for m in MEETINGS if m.station in codes],
            [sg for sg in SUGGESTIONS if sg.station in codes])


async def test_every_number_of_every_list_equals_an_independent_count(db: Database) -> None:
    await _build(db)
    async with db.reading() as session:
        scope = await report_scope(session)
        assert scope is not None
        report = await build_report(session, FIRST, LAST, TZ, NOW, scope)

    assert report["period"] == {"from": "2026-01-01", "to": "2026-06-30", "months": 6}
    assert report["totals"] == expected_row(MEETINGS, SUGGESTIONS)
    assert report["per_home"] == [
        {"code": c, "name": f"站{c}", "town": t, **expected_row(*_of(c))}
        for c, (k, t) in sorted(STATIONS.items()) if k == "home"]
    assert report["per_station"] == [
        {"code": c, "name": f"站{c}", "town": t, **expected_row(*_of(c))}
        for c, (k, t) in sorted(STATIONS.items()) if k == "station"]
    assert report["per_town"] == [{"code": t, "name": n, **expected_row(*_of_town(t))}
                                  for t, n in sorted(TOWNS.items())]
    assert report["per_deputy"] == [expected_deputy(c) for c in sorted(DEPUTIES)]
    months = []
    for month in range(1, 7):
        first = datetime(2026, month, 1, tzinfo=TZ)
        nxt = datetime(2026, month + 1, 1, tzinfo=TZ)
        in_month = [m for m in MEETINGS if first <= m.start < nxt]
        sg_month = [sg for sg in SUGGESTIONS if first <= sg.created < nxt]
        months.append({"month": f"2026-{month:02d}", **expected_row(in_month, sg_month)})
    assert report["per_month"] == months

    # The history is rich enough that no figure is trivially zero or None.
    totals = report["totals"]
    assert all(totals[k] not in (0, None) for k in totals), totals
    d1 = report["per_deputy"][0]
    assert (d1["station_months_attended"], d1["home_quarters_attended"], d1["report_given"]) == (
        2, 2, True)


async def test_a_scope_narrows_every_list(db: Database) -> None:
    await _build(db)
    async with db.reading() as session:
        town = await report_scope(session, town="110000002")
        deputy = await report_scope(session, deputy="D2")
        assert await report_scope(session, station="nowhere") is None
        assert town is not None and deputy is not None
        by_town = await build_report(session, FIRST, LAST, TZ, NOW, town, trend=False)
        by_deputy = await build_report(session, FIRST, LAST, TZ, NOW, deputy, trend=False)
        ledger = await ledger_rows(session, FIRST, LAST, TZ, town)
    assert by_town["totals"] == expected_row(*_of_town("110000002"))
    assert [r["code"] for r in by_town["per_town"]] == ["110000002"]
    assert [r["code"] for r in by_town["per_home"] + by_town["per_station"]] == ["H2", "S2"]
    assert [r["code"] for r in by_town["per_deputy"]] == ["D2", "D3"]
    assert by_deputy["totals"] == expected_row(*_of("S2"))
    assert by_deputy["per_deputy"] == [expected_deputy("D2")]
    assert [r["station"] for r in ledger] == ["S2", "S2", "S2", "H2"]
    assert {"text", "contact_name", "contact_phone"}.isdisjoint(ledger[0])
