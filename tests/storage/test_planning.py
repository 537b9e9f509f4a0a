"""The station rhythm and the year's plan: rrule occurrences, stable codes, idempotent planning
that leaves moved and cancelled meetings alone; the rhythm in the stations sheet."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from station_world import NOW, TZ, build_station_world

from storage import Database
from storage.meeting_rules import cancel_meeting, move_meeting
from storage.models import Meeting, MeetingKind, MeetingStatus, Station
from storage.planning import plan_year
from storage.rhythm import (
    RhythmError,
    check_rhythm,
    home_rhythm,
    occurrences,
    station_rhythm,
)
from storage.transfer import ImportRejected, export_path, import_path

TOPICS = {MeetingKind.RECEPTION: "月进站", MeetingKind.FORUM: "季回家"}


def test_second_saturday_and_last_thursday_of_each_quarter() -> None:
    monthly = occurrences(station_rhythm(2, "SA"), 150, 2027, TZ, station_code="S1",
                          kind=MeetingKind.RECEPTION)
    assert len(monthly) == 12
    assert monthly[0].starts_at == datetime(2027, 1, 9, 9, 0, tzinfo=TZ)
    assert monthly[0].ends_at - monthly[0].starts_at == timedelta(minutes=150)
    assert [o.code for o in monthly[:2]] == ["S1-R202701", "S1-R202702"]
    quarterly = occurrences(home_rhythm(), 120, 2027, TZ, station_code="H1", kind=MeetingKind.FORUM)
    assert [o.starts_at.date().isoformat() for o in quarterly] == [
        "2027-03-25", "2027-06-24", "2027-09-30", "2027-12-30"]
    assert [o.code for o in quarterly] == ["H1-F2027Q1", "H1-F2027Q2", "H1-F2027Q3", "H1-F2027Q4"]


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY", "FREQ=HOURLY;BYHOUR=9", "nonsense",
                                  "FREQ=MONTHLY;BYHOUR=9;COUNT=3", "FREQ=MONTHLY;BYDAY=XX;BYHOUR=9"])
def test_rules_we_cannot_plan_from_are_refused(rule: str) -> None:
    with pytest.raises(RhythmError):
        check_rhythm(rule)


async def _set_rhythm(db: Database, station_id: int, rule: str) -> None:
    async with db.unit_of_work() as s:
        station = await s.get(Station, station_id)
        assert station is not None
        station.rhythm = rule


async def _plan(db: Database, now: datetime = NOW):  # type: ignore[no-untyped-def]
    async with db.unit_of_work() as s:
        return await plan_year(s, 2027, TZ, now, TOPICS)


async def test_planning_twice_changes_nothing_and_moved_or_cancelled_meetings_stay(
    db: Database,
) -> None:
    world = await build_station_world(db)
    await _set_rhythm(db, world.station_id, station_rhythm(2, "SA"))
    await _set_rhythm(db, world.home_id, home_rhythm())
    first = await _plan(db)
    assert (first.created, first.updated, first.unchanged) == (16, 0, 0)
    assert {(p.code, p.meetings) for p in first.stations} == {("H110118100", 4),
                                                             ("S110118100-01", 12)}
    async with db.reading() as s:
        march = await s.scalar(select(Meeting).where(Meeting.code == "S110118100-01-R202703"))
        april = await s.scalar(select(Meeting).where(Meeting.code == "S110118100-01-R202704"))
    assert march is not None and april is not None and march.topic == "月进站"
    moved_to = march.starts_at + timedelta(days=1)
    async with db.unit_of_work() as s:
        await move_meeting(s, march.id, moved_to, moved_to + timedelta(hours=2), NOW)
        await cancel_meeting(s, april.id, NOW)
    second = await _plan(db)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 16)
    async with db.reading() as s:
        after_march = await s.get(Meeting, march.id)
        after_april = await s.get(Meeting, april.id)
    assert after_march is not None and after_march.starts_at == moved_to
    assert after_april is not None and after_april.status == MeetingStatus.CANCELLED
    assert {(p.code, p.meetings) for p in second.stations} == {("H110118100", 4),
                                                              ("S110118100-01", 11)}
    await _set_rhythm(db, world.station_id, station_rhythm(3, "SA"))  # the rhythm changes
    third = await _plan(db)
    assert third.updated == 10 and third.unchanged == 6  # moved, cancelled and the home's 4


async def test_past_occurrences_are_not_planned(db: Database) -> None:
    world = await build_station_world(db)
    await _set_rhythm(db, world.station_id, station_rhythm(2, "SA"))
    result = await _plan(db, datetime(2027, 6, 30, tzinfo=TZ))
    assert (result.created, result.skipped) == (6, 6)


async def test_the_rhythm_travels_in_the_stations_sheet(db: Database, tmp_path: Path) -> None:
    world = await build_station_world(db)
    await _set_rhythm(db, world.station_id, station_rhythm(2, "SA"))
    async with db.reading() as s:
        await export_path(s, tmp_path / "out", tz=TZ)
    sheet = (tmp_path / "out" / "stations.csv").read_text("utf-8-sig")
    assert "FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;BYMINUTE=0" in sheet
    header, *rows = sheet.splitlines()
    # An older file without the rhythm columns leaves the rhythm as it is.
    keep = len(header.split(",")) - 3
    old = "\n".join(",".join(line.split(",")[:keep]) for line in [header, *rows]) + "\n"
    (tmp_path / "out" / "stations.csv").write_text(old, "utf-8")
    async with db.unit_of_work() as s:
        await import_path(s, tmp_path / "out", tz=TZ)
    async with db.reading() as s:
        station = await s.get(Station, world.station_id)
    assert station is not None and station.rhythm.startswith("FREQ=MONTHLY;BYDAY=+2SA")
    bad = sheet.replace("FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;BYMINUTE=0", "every second Saturday")
    (tmp_path / "out" / "stations.csv").write_text(bad, "utf-8")
    with pytest.raises(ImportRejected) as rejected:
        async with db.unit_of_work() as s:
            await import_path(s, tmp_path / "out", tz=TZ)
    assert [p.code for p in rejected.value.problems] == ["bad_rhythm"]
