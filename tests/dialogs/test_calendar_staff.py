"""Staff schedule a meeting in the group, move it and cancel it; the deputy on it confirms in
their private chat; a subscriber of the station is told of each change."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from calendar_world import (
    DEPUTY_A,
    STAFF_A,
    answer_prompt,
    calendar_station,
    group_shows,
    meeting_by_topic,
    plain,
    shown,
    subscriber,
)
from triage_world import press_on

from storage.models import DeputyResponse, MeetingDeputy, MeetingStatus

pytestmark = pytest.mark.e2e
TZ = ZoneInfo("Asia/Shanghai")


async def _invite(deputy, n: int):  # type: ignore[no-untyped-def]
    """The n-th invitation to the 垃圾分类座谈 in the deputy's chat."""
    def ours(m) -> bool:  # type: ignore[no-untyped-def]
        return "垃圾分类座谈" in (m.text or "") and shown("calendar.btn.attend") in m.labels

    messages = await deputy.wait_until(lambda ms: sum(ours(m) for m in ms) >= n)
    return [m for m in messages if ours(m)][n - 1]


async def test_create_confirm_move_and_cancel_a_meeting(env) -> None:  # type: ignore[no-untyped-def]
    station, deputies, community = await calendar_station(env)
    resident = await subscriber(env, station.id, community)
    deputy = env.user(DEPUTY_A)
    staff = env.staff_group.member(STAFF_A)

    await staff.send("/meetings")
    await group_shows(env, shown("calendar.list.head"))
    await staff.press(shown("calendar.btn.new"))
    await group_shows(env, shown("calendar.ask.station"))
    await answer_prompt(env, staff, station.code)
    await group_shows(env, shown("calendar.ask.kind", station=station.name))
    await staff.press(shown("station.kind.forum"))
    await group_shows(env, shown("calendar.ask.when"))
    await answer_prompt(env, staff, "2020-01-01 19:00-20:00")  # in the past: one sentence
    await group_shows(env, shown("calendar.errors.in_the_past"))
    await answer_prompt(env, staff, "2026-12-10 20:00-19:00")  # ends before it starts
    await group_shows(env, shown("calendar.errors.ends_before_start"))
    await answer_prompt(env, staff, "2026-12-10 19:00-20:30")
    await answer_prompt(env, staff, "-")  # the station's address
    await answer_prompt(env, staff, "垃圾分类座谈")
    await group_shows(env, "垃圾分类座谈", station.name)
    await staff.press("▫️ " + deputies[0].name)
    await env.settle()
    await env.staff_group.wait_until(lambda ms: "✅ " + deputies[0].name in ms[-1].labels)
    await staff.press(shown("calendar.btn.create"))
    card = await group_shows(env, "垃圾分类座谈", shown("calendar.status.planned"))
    meeting = await meeting_by_topic(env, "垃圾分类座谈")
    assert meeting.starts_at == datetime(2026, 12, 10, 19, 0, tzinfo=TZ)
    assert meeting.place == station.address and meeting.code in plain(card.text)

    # The deputy is asked, answers 参加, and the card shows it; the subscriber hears of it.
    await deputy.send("/agenda")  # a linked deputy has talked to the bot before
    await deputy.wait_until(lambda ms: any("垃圾分类座谈" in (m.text or "") for m in ms))
    await env.run_jobs()
    await env.settle()
    invite = await _invite(deputy, 1)
    await press_on(deputy, invite, shown("calendar.btn.attend"))
    await deputy.wait_until(lambda ms: any(shown("calendar.deputy.answer.attending") in (m.text or "")
                                           for m in ms))
    await resident.wait_until(lambda ms: any("垃圾分类座谈" in (m.text or "") for m in ms))
    await staff.press(shown("calendar.btn.refresh"))
    await group_shows(env, f"{deputies[0].name} ✅")

    # Move it: deputies answer again, subscribers are told; an overlapping time is refused.
    await staff.press(shown("calendar.btn.move"))
    await answer_prompt(env, staff, "2026-12-11 19:00-20:30")
    await group_shows(env, shown("calendar.saved"))
    async with env.db.reading() as s:
        link = await s.get(MeetingDeputy, (meeting.id, deputies[0].id))
    assert link is not None and link.response is None
    await env.run_jobs()
    await env.settle()
    invite = await _invite(deputy, 2)
    await resident.wait_until(lambda ms: any(plain(m.text or "").startswith("📢")
                                             and "12月11日" in (m.text or "") for m in ms))
    await press_on(deputy, invite, shown("calendar.btn.decline"))
    await deputy.wait_until(lambda ms: any(shown("calendar.deputy.answer.declined") in (m.text or "")
                                           for m in ms))
    async with env.db.reading() as s:
        link = await s.get(MeetingDeputy, (meeting.id, deputies[0].id))
    assert link is not None and link.response == DeputyResponse.DECLINED

    # Cancel it: the card says so, subscriber and deputy are told.
    await staff.press(shown("calendar.btn.refresh"))
    await group_shows(env, f"{deputies[0].name} ❌")
    await staff.press(shown("calendar.btn.cancel"))
    await group_shows(env, shown("calendar.ask.cancel_sure"))
    await staff.press(shown("calendar.btn.cancel_yes"))
    await group_shows(env, "垃圾分类座谈", shown("calendar.status.cancelled"))
    await env.run_jobs()
    await env.settle()
    await deputy.wait_until(lambda ms: any(shown("calendar.deputy.cancelled") in (m.text or "")
                                           for m in ms))
    await resident.wait_until(lambda ms: sum("垃圾分类座谈" in (m.text or "") for m in ms) >= 3)
    after = await meeting_by_topic(env, "垃圾分类座谈")
    assert after.status == MeetingStatus.CANCELLED and after.edited_at is not None
    assert env.emulator.violations == []
