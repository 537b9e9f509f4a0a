"""The station's permanent code (站码): a newcomer who scans it agrees and lands on that station's
card without typing an address; a sign-in link of a cancelled meeting or of another day is one
sentence and counts nothing."""

from __future__ import annotations

import pytest
from calendar_world import calendar_station, plain, shown
from sqlalchemy import func, select

from storage.meeting_rules import ensure_checkin_token
from storage.models import CheckIn, Meeting, MeetingStatus, Resident

pytestmark = pytest.mark.e2e


async def test_a_newcomer_scans_the_station_code(env) -> None:  # type: ignore[no-untyped-def]
    station, _, _ = await calendar_station(env)
    user = env.user(5301)
    await user.send(f"/start st_{station.code}")
    (welcome,) = await user.wait_for()
    assert station.name in plain(welcome.text or "") and shown("onboarding.agree") in welcome.labels
    await user.press(shown("onboarding.agree"))
    await user.wait_until(lambda ms: bool(ms) and shown("station.btn_change") in ms[-1].labels)
    async with env.db.reading() as s:
        resident = await s.scalar(select(Resident).where(Resident.telegram_user_id == 5301))
    assert resident is not None and resident.station_id == station.id
    assert env.emulator.violations == []


async def test_sign_in_links_of_a_cancelled_meeting_or_another_day(env) -> None:  # type: ignore[no-untyped-def]
    station, _, _ = await calendar_station(env)
    user = env.user(5302)
    await user.send(f"/start st_{station.code}")
    await user.wait_for()
    await user.press(shown("onboarding.agree"))
    await env.settle()
    async with env.db.unit_of_work() as s:
        meetings = list(await s.scalars(select(Meeting).where(
            Meeting.station_id == station.id, Meeting.status == MeetingStatus.PLANNED)
            .order_by(Meeting.starts_at).limit(2)))
        later, cancelled = ensure_checkin_token(meetings[0]), ensure_checkin_token(meetings[1])
        ids = [m.id for m in meetings]
        meetings[1].status = MeetingStatus.CANCELLED
    await user.send(f"/start ci_{later}")  # today is not the meeting's day
    await user.wait_until(lambda ms: bool(ms) and "只在活动当天" in plain(ms[-1].text or ""))
    await user.send(f"/start ci_{cancelled}")
    await user.wait_until(lambda ms: bool(ms) and plain(ms[-1].text or "")
                          == shown("calendar.errors.checkin_cancelled"))
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.meeting_id.in_(ids))) == 0
    assert env.emulator.violations == []


async def test_a_deputy_records_a_walk_ins_suggestion(env) -> None:  # type: ignore[no-untyped-def]
    from calendar_world import DEPUTY_A, group_shows
    from triage_world import press_on

    from storage.models import AnswerChannel, Suggestion

    station, _, _ = await calendar_station(env)
    deputy = env.user(DEPUTY_A)
    await deputy.send("/agenda")
    await env.settle()
    messages = await deputy.wait_until(lambda ms: any(shown("calendar.btn.on_behalf") in m.labels
                                                      for m in ms))
    first = next(m for m in messages if shown("calendar.btn.on_behalf") in m.labels)
    await press_on(deputy, first, shown("calendar.btn.on_behalf"))
    await deputy.wait_until(lambda ms: bool(ms) and plain(ms[-1].text or "")
                            == shown("calendar.ask.ob_category"))
    categories = deputy.messages()[-1]
    await press_on(deputy, categories, categories.labels[0])
    await deputy.wait_until(lambda ms: bool(ms) and plain(ms[-1].text or "")
                            == shown("calendar.ask.ob_text"))
    await deputy.send("老人活动中心冬天没有暖气。")
    await deputy.wait_until(lambda ms: bool(ms) and plain(ms[-1].text or "")
                            == shown("calendar.ask.ob_contact"))
    await deputy.send("-")
    await deputy.wait_until(lambda ms: bool(ms) and shown("calendar.channel.phone") in ms[-1].labels)
    await deputy.press(shown("calendar.channel.phone"))  # no phone given: refused, kept
    await env.settle()
    assert deputy.callback_answers()[-1].get("text") == shown("calendar.ob.phone_needed")
    await deputy.press(shown("calendar.channel.in_person"))
    await deputy.wait_until(lambda ms: bool(ms) and "已代录" in plain(ms[-1].text or ""))
    async with env.db.reading() as s:
        recorded = await s.scalar(select(Suggestion).where(Suggestion.on_behalf.is_(True)))
    assert recorded is not None and recorded.recorded_by_kind == "deputy"
    assert recorded.answer_channel == AnswerChannel.IN_PERSON and recorded.contact_name is None
    assert recorded.station_id == station.id or recorded.meeting_id is not None
    await group_shows(env, recorded.ticket, "暖气")
    assert env.emulator.violations == []


async def test_staff_change_a_stations_rhythm_in_the_group(env) -> None:  # type: ignore[no-untyped-def]
    from calendar_world import STAFF_A, group_shows

    from storage.models import Station

    station, _, _ = await calendar_station(env)
    staff = env.staff_group.member(STAFF_A)
    await staff.send(f"/rhythm {station.code} every-second-saturday")
    await group_shows(env, "every-second-saturday")
    await staff.send(f"/rhythm {station.code} FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;BYMINUTE=0 120")
    await group_shows(env, "FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;BYMINUTE=0", "120")
    async with env.db.reading() as s:
        stored = await s.get(Station, station.id)
    assert stored is not None and stored.rhythm == "FREQ=MONTHLY;BYDAY=+2SA;BYHOUR=9;BYMINUTE=0"
    assert stored.rhythm_minutes == 120
    assert env.emulator.violations == []
