"""Closing a meeting (minutes, photos; reminders after 3 and 7 days) and 代录."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from station_world import NOW, build_station_world

from storage import Database
from storage.categories import ensure_categories
from storage.closing import close_meeting, due_close_notices
from storage.deadlines import Deadlines
from storage.lifecycle import LifecycleError
from storage.meeting_rules import MeetingError
from storage.models import (
    AnswerChannel,
    Meeting,
    MeetingPhoto,
    MeetingStatus,
    Staff,
    Suggestion,
    TimelineEntry,
)
from storage.on_behalf import record_on_behalf
from storage.roles import Actor


async def test_close_after_the_end_with_minutes_and_photos(db: Database) -> None:
    world = await build_station_world(db)
    after = NOW + timedelta(days=1, hours=3)  # tomorrow's reception has ended
    for kwargs, reason in (({"minutes": "纪要", "now": NOW}, "not_ended"),
                           ({"minutes": "  ", "now": after}, "minutes_missing")):
        with pytest.raises(MeetingError) as refused:
            async with db.unit_of_work() as s:
                await close_meeting(s, world.tomorrow_id, photos=[], closed_by=1, **kwargs)
        assert refused.value.reason == reason
    async with db.unit_of_work() as s:
        await close_meeting(s, world.tomorrow_id, minutes="听取意见 5 条", photos=[("f1", "u1")],
                            closed_by=9001, now=after)
    with pytest.raises(MeetingError) as twice:
        async with db.unit_of_work() as s:
            await close_meeting(s, world.tomorrow_id, minutes="x", photos=[], closed_by=1,
                                now=after)
    assert twice.value.reason == "already_held"
    async with db.reading() as s:
        meeting = await s.get(Meeting, world.tomorrow_id)
        photos = await s.scalar(select(func.count()).select_from(MeetingPhoto))
    assert meeting is not None and meeting.status == MeetingStatus.HELD and photos == 1


async def test_close_card_then_reminders_after_three_and_seven_days(db: Database) -> None:
    world = await build_station_world(db)
    async with db.unit_of_work() as s:  # a real (not demo) meeting of the past: asked about
        for meeting in await s.scalars(select(Meeting)):
            meeting.is_demo = True
        past = await s.get(Meeting, world.past_id)
        assert past is not None
        past.is_demo = False
    stages = []
    for days in (0, 1, 3, 3, 7, 8):
        async with db.unit_of_work() as s:
            due = await due_close_notices(s, NOW + timedelta(days=days))
        stages.append([(m.id, stage) for m, stage in due])
    assert stages == [[(world.past_id, 0)], [], [(world.past_id, 1)], [], [(world.past_id, 2)], []]


async def test_a_suggestion_recorded_on_behalf_gets_a_ticket(db: Database) -> None:
    world = await build_station_world(db)
    async with db.unit_of_work() as s:
        await ensure_categories(s)
        staff = Staff(telegram_user_id=9001, display_name="工作人员")
        s.add(staff)
        await s.flush()
        suggestion = await record_on_behalf(
            s, Actor.staff(staff.id), station_id=world.station_id, category_code="urban",
            text="路灯坏了", now=NOW, deadlines=Deadlines(), answer_channel=AnswerChannel.PHONE,
            meeting_id=world.tomorrow_id, name="张大爷", phone="139 0000 1111", consent=True)
        staff_id = staff.id
    async with db.reading() as s:
        stored = await s.get(Suggestion, suggestion.id)
        entries = (await s.scalars(select(TimelineEntry).where(
            TimelineEntry.suggestion_id == suggestion.id))).all()
    assert stored is not None and stored.on_behalf and stored.resident_id is None
    assert (stored.recorded_by_kind, stored.recorded_by_id) == ("staff", staff_id)
    assert (stored.contact_name, stored.contact_phone) == ("张大爷", "13900001111")
    assert [e.kind for e in entries] == ["created"]
    for kwargs, error in (({"consent": False}, None), ({"meeting_id": world.cancelled_id}, MeetingError),
                          ({"answer_channel": AnswerChannel.TELEGRAM}, LifecycleError)):
        args = dict(station_id=world.station_id, category_code="urban", text="再说一件",
                    now=NOW, deadlines=Deadlines(), answer_channel=AnswerChannel.IN_PERSON,
                    name="李四", phone="13800000000") | kwargs
        async with db.unit_of_work() as s:
            if error is None:
                kept = await record_on_behalf(s, Actor.staff(staff_id), **args)  # type: ignore[arg-type]
                assert (kept.contact_name, kept.contact_phone) == (None, None)
                continue
            with pytest.raises(error):
                await record_on_behalf(s, Actor.staff(staff_id), **args)  # type: ignore[arg-type]
