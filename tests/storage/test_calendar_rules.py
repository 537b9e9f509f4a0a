"""Calendar rules: scheduling, deputies' answers, bookings with a waiting list, sign-in, counts.
Every bad input is one refusal with a reason and changes nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from station_world import NOW, TZ, StationWorld, build_station_world

from storage import Database
from storage.bookings import book, cancel_booking
from storage.checkins import add_walk_ins, check_in_deputy, check_in_resident
from storage.meeting_counts import calendar_counts
from storage.meeting_rules import (
    MeetingError,
    cancel_meeting,
    create_meeting,
    edit_meeting,
    move_meeting,
    respond,
)
from storage.models import (
    Booking,
    BookingStatus,
    CheckIn,
    Deputy,
    DeputyResponse,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    Resident,
)

NEXT_WEEK = datetime(2026, 12, 2, 14, 0, tzinfo=TZ)


async def _create(db: Database, world: StationWorld, **overrides: object) -> Meeting:
    args: dict[str, object] = dict(
        station_id=world.station_id, kind=MeetingKind.FORUM, starts_at=NEXT_WEEK,
        ends_at=NEXT_WEEK + timedelta(hours=2), now=NOW, place="会议室", topic="垃圾分类",
        deputy_ids=[world.national_id],
    )
    args.update(overrides)
    async with db.unit_of_work() as s:
        return await create_meeting(s, **args)  # type: ignore[arg-type]


async def _meeting_count(db: Database) -> int:
    async with db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(Meeting)) or 0)


async def test_staff_create_a_meeting_with_deputies_and_a_sign_in_token(db: Database) -> None:
    world = await build_station_world(db)
    meeting = await _create(db, world)
    async with db.reading() as s:
        stored = await s.get(Meeting, meeting.id)
        on_it = (await s.scalars(select(MeetingDeputy.deputy_id).where(
            MeetingDeputy.meeting_id == meeting.id))).all()
    assert stored is not None and stored.status == MeetingStatus.PLANNED
    assert stored.code.startswith("S110118100-01-M20261202")
    assert stored.checkin_token and stored.edited_at is not None
    assert list(on_it) == [world.national_id]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"starts_at": NOW - timedelta(hours=1), "ends_at": NOW + timedelta(hours=1)}, "in_the_past"),
        ({"ends_at": NEXT_WEEK - timedelta(minutes=1)}, "ends_before_start"),
        ({"starts_at": NOW + timedelta(days=1), "ends_at": NOW + timedelta(days=1, hours=1)},
         "overlap"),  # tomorrow's reception 09:00–11:30 at the same station
        ({"deputy_ids": [-1]}, "deputy_not_of_station"),
    ],
)
async def test_bad_meetings_are_refused_and_nothing_is_written(
    db: Database, overrides: dict[str, object], reason: str
) -> None:
    world = await build_station_world(db)
    before = await _meeting_count(db)
    with pytest.raises(MeetingError) as refused:
        await _create(db, world, **overrides)
    assert refused.value.reason == reason
    assert await _meeting_count(db) == before


async def test_a_deputy_of_another_station_is_refused(db: Database) -> None:
    world = await build_station_world(db)
    async with db.unit_of_work() as s:
        stranger = Deputy(code="DX", name="示例代表·外站", level="town")
        s.add(stranger)
        await s.flush()
        stranger_id = stranger.id
    with pytest.raises(MeetingError) as refused:
        await _create(db, world, deputy_ids=[world.national_id, stranger_id])
    assert refused.value.reason == "deputy_not_of_station"


async def test_move_resets_answers_and_cancel_is_final(db: Database) -> None:
    world = await build_station_world(db)
    meeting = await _create(db, world)
    async with db.unit_of_work() as s:
        await respond(s, meeting.id, world.national_id, DeputyResponse.ATTENDING, NOW)
    later = NEXT_WEEK + timedelta(days=1)
    async with db.unit_of_work() as s:
        await move_meeting(s, meeting.id, later, later + timedelta(hours=1), NOW)
    async with db.reading() as s:
        row = await s.get(MeetingDeputy, (meeting.id, world.national_id))
        moved = await s.get(Meeting, meeting.id)
    assert row is not None and row.response is None and row.notified_at is None
    assert moved is not None and moved.starts_at == later and moved.announced_at is None
    async with db.unit_of_work() as s:
        await cancel_meeting(s, meeting.id, NOW)
    for call in (
        lambda s: cancel_meeting(s, meeting.id, NOW),
        lambda s: move_meeting(s, meeting.id, later, later + timedelta(hours=1), NOW),
        lambda s: edit_meeting(s, meeting.id, NOW, topic="x"),
        lambda s: respond(s, meeting.id, world.national_id, DeputyResponse.DECLINED, NOW),
    ):
        with pytest.raises(MeetingError) as refused:
            async with db.unit_of_work() as s:
                await call(s)
        assert refused.value.reason == "already_cancelled"


async def test_a_deputy_not_on_the_meeting_cannot_answer(db: Database) -> None:
    world = await build_station_world(db)
    meeting = await _create(db, world)
    with pytest.raises(MeetingError) as refused:
        async with db.unit_of_work() as s:
            await respond(s, meeting.id, world.town_deputy_id, DeputyResponse.ATTENDING, NOW)
    assert refused.value.reason == "not_on_meeting"


async def _residents(db: Database, n: int) -> list[Resident]:
    async with db.unit_of_work() as s:
        people = [Resident(telegram_user_id=900 + i, chat_id=900 + i, consent_at=NOW)
                  for i in range(n)]
        s.add_all(people)
        await s.flush()
        return people


async def test_a_full_reception_puts_people_on_the_waiting_list_which_moves_up(
    db: Database,
) -> None:
    world = await build_station_world(db)
    async with db.unit_of_work() as s:
        reception = await s.get(Meeting, world.tomorrow_id)
        assert reception is not None
        reception.capacity = 2
    a, b, c, d = await _residents(db, 4)
    results = []
    for who in (a, b, c, d):
        async with db.unit_of_work() as s:
            results.append(await book(s, world.tomorrow_id, who, "道路  修缮", NOW))
    assert [r.booking.status for r in results] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [r.position for r in results] == [0, 0, 1, 2]
    assert results[0].booking.topic == "道路 修缮"
    with pytest.raises(MeetingError) as twice:
        async with db.unit_of_work() as s:
            await book(s, world.tomorrow_id, a, "", NOW)
    assert twice.value.reason == "already_booked"
    async with db.unit_of_work() as s:
        gone = await cancel_booking(s, results[1].booking.id, b, NOW)
    assert gone.promoted is not None and gone.promoted.resident_id == c.id
    async with db.unit_of_work() as s:  # a waiting booking given back frees no seat
        quiet = await cancel_booking(s, results[3].booking.id, d, NOW)
    assert quiet.promoted is None
    async with db.reading() as s:
        statuses = {r: st for r, st in await s.execute(select(Booking.resident_id, Booking.status))}
    assert statuses == {a.id: BookingStatus.CONFIRMED, b.id: BookingStatus.CANCELLED,
                        c.id: BookingStatus.CONFIRMED, d.id: BookingStatus.CANCELLED}


async def test_bookings_of_forums_cancelled_or_past_meetings_are_refused(db: Database) -> None:
    world = await build_station_world(db)
    (who,) = await _residents(db, 1)
    for meeting_id, reason in ((world.forum_id, "not_bookable"),
                               (world.cancelled_id, "already_cancelled"),
                               (world.past_id, "already_started")):
        with pytest.raises(MeetingError) as refused:
            async with db.unit_of_work() as s:
                await book(s, meeting_id, who, "", NOW)
        assert refused.value.reason == reason
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Booking)) == 0


async def _token(db: Database, meeting_id: int) -> str:
    from storage.meeting_rules import ensure_checkin_token

    async with db.unit_of_work() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        return ensure_checkin_token(meeting)


async def test_sign_in_once_on_the_day_and_never_for_a_cancelled_meeting(db: Database) -> None:
    world = await build_station_world(db)
    token = await _token(db, world.tomorrow_id)
    (who,) = await _residents(db, 1)
    on_the_day = NOW + timedelta(days=1, hours=1)
    async with db.unit_of_work() as s:
        await check_in_deputy(s, token, world.national_id, on_the_day, TZ)
        await check_in_resident(s, token, who, on_the_day, TZ)
    cases = [
        (lambda s: check_in_resident(s, token, who, on_the_day, TZ), "already_checked_in"),
        (lambda s: check_in_deputy(s, token, world.national_id, on_the_day, TZ),
         "already_checked_in"),
        (lambda s: check_in_resident(s, token, who, on_the_day + timedelta(days=1), TZ),
         "checkin_wrong_day"),
        (lambda s: check_in_resident(s, "nope", who, on_the_day, TZ), "unknown_meeting"),
    ]
    cancelled = await _token(db, world.cancelled_id)
    cases.append((lambda s: check_in_resident(s, cancelled, who, on_the_day, TZ),
                  "checkin_cancelled"))
    for call, reason in cases:
        with pytest.raises(MeetingError) as refused:
            async with db.unit_of_work() as s:
                await call(s)
        assert refused.value.reason == reason
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(CheckIn)) == 2


async def test_a_resident_without_consent_is_not_counted(db: Database) -> None:
    world = await build_station_world(db)
    token = await _token(db, world.tomorrow_id)
    async with db.unit_of_work() as s:
        who = Resident(telegram_user_id=77, chat_id=77)
        s.add(who)
        await s.flush()
    with pytest.raises(MeetingError) as refused:
        async with db.unit_of_work() as s:
            await check_in_resident(s, token, who, NOW + timedelta(days=1), TZ)
    assert refused.value.reason == "consent_needed"


async def test_counts_take_held_meetings_check_ins_walk_ins_and_bookings(db: Database) -> None:
    world = await build_station_world(db)
    token = await _token(db, world.tomorrow_id)
    people = await _residents(db, 2)
    day = NOW + timedelta(days=1, hours=1)
    async with db.unit_of_work() as s:
        await book(s, world.tomorrow_id, people[0], "", NOW)
        for who in people:
            await check_in_resident(s, token, who, day, TZ)
        await check_in_deputy(s, token, world.town_deputy_id, day, TZ)
        await add_walk_ins(s, world.tomorrow_id, 5)
    with pytest.raises(MeetingError):
        async with db.unit_of_work() as s:
            await add_walk_ins(s, world.tomorrow_id, 0)
    start, end = NOW - timedelta(days=30), NOW + timedelta(days=30)
    async with db.reading() as s:
        before = await calendar_counts(s, start, end)
    assert (before.meetings_held, before.bookings) == (0, 1)
    async with db.unit_of_work() as s:
        meeting = await s.get(Meeting, world.tomorrow_id)
        assert meeting is not None
        meeting.status = MeetingStatus.HELD
    async with db.reading() as s:
        after = await calendar_counts(s, start, end)
        elsewhere = await calendar_counts(s, start, end, station_ids=[world.home_id])
    assert (after.meetings_held, after.deputy_attendances, after.voter_contacts) == (1, 1, 7)
    assert elsewhere.meetings_held == 0
