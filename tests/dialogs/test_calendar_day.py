"""A reception day from end to end: two residents book the one seat (the second is wait-listed
and moves up when the first cancels), a deputy and a resident sign in by the link on the day, a
staff member records a walk-in's suggestion (代录) and counts walk-ins, the meeting is closed
with minutes and a photo, and `jiazhan archive` has all of it with the right counts."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from calendar_world import (
    DEPUTY_A,
    STAFF_A,
    answer_prompt,
    calendar_station,
    group_shows,
    plain,
    shown,
)
from openpyxl import load_workbook
from sqlalchemy import select
from triage_world import press_on

from bot.cli import main
from dialogs.resident.station_render import when
from storage.bookings import bookable_receptions
from storage.meeting_rules import ensure_checkin_token
from storage.models import AnswerChannel, Meeting, MeetingStatus, Resident, Suggestion

pytestmark = pytest.mark.e2e


async def _resident(env, user_id: int, station_id: int, community: str):  # type: ignore[no-untyped-def]
    async with env.db.unit_of_work() as s:
        s.add(Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh",
                       community_code=community, station_id=station_id,
                       consent_at=env.clock.now(), display_name=f"居民{user_id}"))
    return env.user(user_id)


async def _book(env, user, topic: str | None) -> None:  # type: ignore[no-untyped-def]
    await user.send("/station")
    await user.wait_until(lambda ms: bool(ms) and shown("calendar.btn.book") in ms[-1].labels)
    await user.press(shown("calendar.btn.book"))
    pick = (await user.wait_for())[-1]
    assert pick.labels, pick.text
    await press_on(user, pick, pick.labels[0])  # the next reception
    await user.wait_until(lambda ms: bool(ms) and shown("calendar.btn.skip") in ms[-1].labels)
    if topic is None:
        await user.press(shown("calendar.btn.skip"))
    else:
        await user.send(topic)
    await env.settle()


async def test_book_wait_move_up_sign_in_record_close_and_archive(
    env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    station, deputies, community = await calendar_station(env)
    deputy = env.user(DEPUTY_A)
    await deputy.send("/agenda")  # a linked deputy has talked to the bot
    await env.settle()
    async with env.db.unit_of_work() as s:
        reception = (await bookable_receptions(s, station.id, env.clock.now()))[0]
        reception.capacity = 1
        token = ensure_checkin_token(reception)
        meeting_id, code = reception.id, reception.code
    first = await _resident(env, 5201, station.id, community)
    second = await _resident(env, 5202, station.id, community)

    await _book(env, first, "村口路灯坏了")
    await first.wait_until(lambda ms: bool(ms) and "预约成功" in plain(ms[-1].text or ""))
    await _book(env, second, None)
    await second.wait_until(lambda ms: bool(ms) and "候补名单第 1 位" in plain(ms[-1].text or ""))
    await first.send("/bookings")
    await first.wait_until(lambda ms: bool(ms) and shown("calendar.btn.cancel_booking") in ms[-1].labels)
    await first.press(shown("calendar.btn.cancel_booking"))
    await env.settle()
    await second.wait_until(lambda ms: bool(ms) and "候补转为正式预约" in plain(ms[-1].text or ""))

    # The day: a deputy and a resident sign in by the link, once each.
    async with env.db.reading() as s:
        meeting = await s.get(Meeting, meeting_id)
    assert meeting is not None
    env.clock.advance(meeting.starts_at - env.clock.now() + timedelta(minutes=10))
    for _ in range(2):
        await deputy.send(f"/start ci_{token}")
        await env.settle()
    await deputy.wait_until(lambda ms: len(ms) >= 2)
    assert "签到成功（代表）" in plain(deputy.messages()[-2].text or "")
    assert plain(deputy.messages()[-1].text or "") == shown("calendar.errors.already_checked_in")
    await second.send(f"/start ci_{token}")
    await second.wait_until(lambda ms: bool(ms) and "签到成功" in plain(ms[-1].text or ""))

    # Staff record a walk-in's suggestion at the meeting, and five walk-ins.
    staff = env.staff_group.member(STAFF_A)
    await staff.send(f"/meetings {station.code}")
    await group_shows(env, shown("calendar.list.head"))
    await staff.press(shown("calendar.list.open", n=1))
    await group_shows(env, code)
    await staff.press(shown("calendar.btn.on_behalf"))
    await group_shows(env, shown("calendar.ask.ob_category"))
    await staff.press(env.staff_group.messages()[-1].labels[0])
    await group_shows(env, shown("calendar.ask.ob_text"))
    await answer_prompt(env, staff, "村里的自来水冬天经常冻住，希望改造管道。")
    await answer_prompt(env, staff, "张大爷 13900001111")
    await staff.press(shown("calendar.channel.phone"))
    await group_shows(env, "已代录")
    async with env.db.reading() as s:
        recorded = await s.scalar(select(Suggestion).where(Suggestion.meeting_id == meeting_id))
    assert recorded is not None and recorded.on_behalf and recorded.resident_id is None
    assert recorded.answer_channel == AnswerChannel.PHONE
    assert (recorded.contact_name, recorded.contact_phone) == ("张大爷", "13900001111")
    await group_shows(env, recorded.ticket, "自来水")  # its triage card, like any other
    await staff.press(shown("calendar.btn.refresh"))
    await staff.press(shown("calendar.btn.walk_ins"))
    await group_shows(env, shown("calendar.ask.walk_ins"))
    await answer_prompt(env, staff, "5")
    await group_shows(env, shown("calendar.card.attendance", deputies=1, residents=1, walk_ins=5))

    # After it ends: the close card; minutes and a photo; planned → held.
    env.clock.advance(meeting.ends_at - meeting.starts_at)
    await env.run_jobs()
    day = when("zh", env.settings.tz, meeting.starts_at, meeting.ends_at)
    close_card = await group_shows(env, "活动已结束，请结束归档", station.name, day)
    await press_on(staff, close_card, shown("calendar.btn.close"))
    await group_shows(env, shown("calendar.ask.minutes"))
    await answer_prompt(env, staff, "代表接待群众 6 人，听取供水和路灯问题，现场答复 1 件。")
    photo_prompt = await group_shows(env, shown("calendar.ask.photos", limit=10))
    await staff.send_photo(reply_to=photo_prompt.message_id)
    await group_shows(env, shown("calendar.close.photo_kept", n=1))
    await staff.press(shown("calendar.btn.archive"))
    await group_shows(env, shown("calendar.close.done"))
    async with env.db.reading() as s:
        closed = await s.get(Meeting, meeting_id)
    assert closed is not None and closed.status == MeetingStatus.HELD
    assert closed.minutes.startswith("代表接待群众") and closed.closed_at is not None

    # The archive has all of it.
    out = tmp_path / "archive.xlsx"
    monkeypatch.setenv("JIAZHAN_DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("JIAZHAN_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("JIAZHAN_LOCALE", raising=False)
    printed: list[str] = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: printed.append(" ".join(map(str, a))))
    assert await asyncio.to_thread(main, ["archive", "--year", str(meeting.starts_at.year),
                                          "--station", station.code, "--json", str(out)]) == 0
    counts = json.loads(printed[-1])
    assert (counts["bookings"], counts["on_behalf"]) == (1, 1)
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    (row,) = [r for r in rows if r[0] == code]
    header = rows[0]
    record = dict(zip(header, row, strict=True))
    assert record["状态"] == "已举行" and f"{deputies[0].name}✓" in record["代表（✓ 已签到）"]
    assert (record["代表出席"], record["居民签到"], record["现场登记"], record["参加群众"],
            record["预约"], record["照片"]) == (1, 1, 5, 6, 1, 1)
    assert record["会议纪要"].startswith("代表接待群众") and record["现场意见工单"] == recorded.ticket
    assert env.emulator.violations == []
