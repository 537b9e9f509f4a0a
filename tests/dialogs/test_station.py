"""/station, deputy cards, calendar files, /subscribe and the day-before reminder, end to end."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from resident_steps import LANGS, expired, onboard, resident_of, shown, user_for
from sqlalchemy import func, select

from dialogs.resident.station_render import MAX_TEXT, station_card_text, when
from locales import t
from storage.models import (
    Deputy,
    DeputyLevel,
    Meeting,
    MeetingKind,
    OutboxMessage,
    Station,
    StationKind,
    Subscription,
    Town,
)
from storage.stations import MeetingView, StationCard, load_deputy_card, upcoming_meetings

pytestmark = pytest.mark.e2e


async def _next_meeting(env, station_id: int) -> Meeting:  # type: ignore[no-untyped-def]
    async with env.db.reading() as s:
        views = await upcoming_meetings(s, station_id, env.clock.now(), limit=1)
    return views[0].meeting


@pytest.mark.parametrize("lang", LANGS)
async def test_the_card_the_deputy_card_and_a_calendar_file(env, lang: str) -> None:
    user = user_for(env, lang, 4001)
    await onboard(env, user, lang)
    await user.send("/station")
    card = (await user.wait_for())[-1]
    resident = await resident_of(env, user)
    assert resident is not None and resident.station_id is not None
    async with env.db.reading() as s:
        station = await s.get(Station, resident.station_id)
        assert station is not None
        deputies = list(await s.scalars(select(Deputy).where(Deputy.name.in_(
            [label.removeprefix("👤 ") for label in card.labels if label.startswith("👤 ")]))))
    assert station.name in card.text and station.phone in card.text
    for deputy in deputies:
        assert shown(lang, "station.deputy_line", name=deputy.name, title=deputy.title,
                     level=t(lang, f"station.level.{deputy.level}")) in card.text
    meeting = await _next_meeting(env, station.id)
    local = meeting.starts_at.astimezone(env.settings.tz)
    assert t(lang, f"station.weekday.{local.weekday()}") in card.text and f"{local:%H:%M}" in card.text

    await user.press(t(lang, "station.btn_deputy", name=deputies[0].name))
    profile = (await user.wait_for())[-1]
    district = {"zh": "密云区", "en": "Miyun District"}[lang]  # a district deputy says which
    assert t(lang, f"station.level_full.{deputies[0].level}", district=district) in profile.text
    assert station.name in profile.text

    # The deputy card's calendar button: the deputy's next meeting (a reception or the forum).
    async with env.db.reading() as s:
        deputy_card = await load_deputy_card(s, deputies[0].id, env.clock.now())
    assert deputy_card is not None
    meeting = deputy_card.meetings[0].meeting
    local = meeting.starts_at.astimezone(env.settings.tz)
    await user.press(t(lang, "station.btn_calendar"))
    document = (await user.wait_for())[-1]
    assert document.media == "document"
    info = document.raw["document"]
    assert info["file_name"].endswith(".ics")
    ics = user.world.files[info["file_id"]].data.decode("utf-8")
    assert "BEGIN:VEVENT" in ics and f"UID:meeting-{meeting.code}@jiazhan.miyun" in ics
    assert f"DTSTART:{meeting.starts_at:%Y%m%dT%H%M%SZ}" in ics  # stored in UTC
    assert t(lang, f"station.weekday.{local.weekday()}") in (document.text or "")
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_the_towns_home_has_a_pin_and_its_forum(env, lang: str) -> None:
    user = user_for(env, lang, 4002)
    await onboard(env, user, lang)
    async with env.db.reading() as s:
        home = await s.scalar(select(Station).where(Station.town_code == "110118101",
                                                    Station.kind == StationKind.HOME))
    assert home is not None
    await user.press(t(lang, "station.btn_home", name=home.name))
    venue, card = await user.wait_for(2)
    assert venue.media == "venue" and venue.raw["venue"]["title"] == home.name
    assert shown(lang, "station.kind_home") in card.text
    assert t(lang, "station.kind.forum") in card.text
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_subscribe_and_the_reminder_goes_once(env, lang: str) -> None:
    user = user_for(env, lang, 4003)
    await onboard(env, user, lang)
    await user.send("/subscribe")
    await user.wait_for()
    await user.press(t(lang, "station.btn_subscribe"))
    await env.settle()
    answer = user.last()
    resident = await resident_of(env, user)
    assert resident is not None and resident.station_id is not None
    station_id, meeting = resident.station_id, await _next_meeting(env, resident.station_id)
    async with env.db.reading() as s:
        station = await s.get(Station, station_id)
        sub = await s.get(Subscription, (resident.id, station_id))
    assert station is not None and sub is not None and sub.remind
    assert answer.text == shown(lang, "station.subscribed_text", station=station.name,
                                remind=t(lang, "station.remind_state_on"))

    # The day before the meeting, 10:00 in Miyun: the job runs (several times, and after a restart).
    day_before = meeting.starts_at.astimezone(env.settings.tz).date() - timedelta(days=1)
    target = datetime.combine(day_before, time(10, 0), env.settings.tz)
    env.clock.advance(target - env.clock.now())
    await env.run_jobs()  # announcements of upcoming meetings may come too: find the reminder
    await env.settle()
    reminder = [m for m in user.messages() if (m.text or "").startswith("⏰")][-1]
    assert station.name in reminder.text
    assert when(lang, env.settings.tz, meeting.starts_at, meeting.ends_at) in reminder.text
    assert reminder.labels == [t(lang, "station.btn_calendar_this"), t(lang, "station.btn_stop_reminders")]
    await env.run_jobs()
    await env.restart()
    await env.run_jobs()
    await env.settle()
    async with env.db.reading() as s:
        reminders = await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.purpose == "reminder", OutboxMessage.chat_id == user.user_id))
        stamped = await s.get(Meeting, meeting.id)
    assert reminders == 1 and stamped is not None and stamped.reminded_at is not None
    assert sum(1 for m in user.messages() if m.text == reminder.text) == 1

    await user.press(t(lang, "station.btn_stop_reminders"))
    await env.settle()
    assert user.callback_answers()[-1].get("text") == t(lang, "station.remind_off")
    async with env.db.reading() as s:
        sub = await s.get(Subscription, (resident.id, station_id))
    assert sub is not None and sub.remind is False

    await user.send("/subscribe")  # the command shows where one stands
    assert (await user.wait_for())[-1].text == shown(
        lang, "station.sub_state_on", station=station.name, remind=t(lang, "station.remind_state_off")
    ) + "\n\n" + shown(lang, "announce.sub_on")
    await user.press(t(lang, "station.btn_unsubscribe"))
    await user.wait_until(lambda ms: ms[-1].text == shown(lang, "station.unsubscribed_text",
                                                          station=station.name))
    async with env.db.reading() as s:
        assert await s.get(Subscription, (resident.id, station_id)) is None
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
async def test_subscribing_on_the_card_redraws_it(env, lang: str) -> None:
    user = user_for(env, lang, 4004)
    await onboard(env, user, lang)
    card = user.last()
    await user.press(t(lang, "station.btn_subscribe"))
    redrawn = await user.wait_until(
        lambda ms: any(m.message_id == card.message_id and t(lang, "station.btn_unsubscribe") in m.labels
                       for m in ms))
    same = next(m for m in redrawn if m.message_id == card.message_id)
    assert t(lang, "station.btn_remind_on") in same.labels and same.text == card.text
    assert user.callback_answers()[-1].get("text") == t(lang, "station.subscribed")


@pytest.mark.parametrize("lang", LANGS)
async def test_without_a_station_the_commands_say_how_to_get_one(env, lang: str) -> None:
    user = user_for(env, lang, 4005)
    for command in ("/station", "/subscribe"):
        await user.send(command)
        assert (await user.wait_for())[-1].text == shown(lang, "station.no_home")
    await user.send("/help")
    help_msg = (await user.wait_for())[-1]
    for data in ("st:sub:1:c", "st:rem:1:0"):
        await user.press_data(data, help_msg.message_id)
        await env.settle()
        assert user.callback_answers()[-1].get("text") == t(lang, "station.no_home_short")
    await user.press_data("st:ics:99999999", help_msg.message_id)
    await env.settle()
    assert user.callback_answers()[-1].get("text") == t(lang, "station.meeting_gone")
    await user.press_data("st:card:x", help_msg.message_id)
    await env.settle()
    assert expired(user)
    async with env.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Subscription)) == 0
    assert env.emulator.violations == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_huge_card_still_fits_one_message(lang: str) -> None:
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    station = Station(id=1, code="S", kind=StationKind.STATION, name="很长的站名" * 20,
                      town_code="110118101", is_model=True, address="地址" * 200,
                      opening_hours="每天" * 100, phone="010-11800000", latitude=None, longitude=None)
    deputies = tuple(Deputy(id=i, code=f"D{i}", name=f"代表{i}" * 10, level=DeputyLevel.TOWN,
                            title="职务" * 100, profile="", active=True) for i in range(200))
    meetings = tuple(MeetingView(Meeting(id=i, code=f"M{i}", station_id=1, kind=MeetingKind.RECEPTION,
                                         starts_at=now + timedelta(days=i + 1),
                                         ends_at=now + timedelta(days=i + 1, hours=2),
                                         place="<地点>" * 100, topic="主题&" * 100), station, deputies)
                     for i in range(3))
    card = StationCard(station, Town(code="110118101", name="溪翁庄镇", short_name="溪翁庄"), None,
                       deputies, meetings)
    text = station_card_text(lang, ZoneInfo("Asia/Shanghai"), card)
    assert len(text) <= MAX_TEXT and text.endswith(t(lang, "station.more"))
    assert t(lang, "station.model_badge") in text and text.count("<b>") == text.count("</b>")


@pytest.mark.parametrize("lang", LANGS)
async def test_subscribers_hear_of_upcoming_meetings_once(env, lang: str) -> None:
    user = user_for(env, lang, 4009)
    await onboard(env, user, lang)
    await user.send("/subscribe")
    await user.wait_for()
    await user.press(t(lang, "station.btn_subscribe"))
    await env.settle()
    resident = await resident_of(env, user)
    assert resident is not None and resident.station_id is not None
    start = env.clock.now() + timedelta(days=10)
    async with env.db.unit_of_work() as s:  # staff schedule an extra reception (as an import would)
        s.add(Meeting(code="EXTRA-1", station_id=resident.station_id, kind=MeetingKind.RECEPTION,
                      starts_at=start, ends_at=start + timedelta(hours=2), place="党群服务中心",
                      topic="加开接待日"))
    await env.run_jobs()
    await env.run_jobs()
    await env.settle()
    news = [m for m in user.messages() if (m.text or "").startswith("📢")]
    assert len(news) == 1  # the new reception, told once; meetings known before were not news
    assert when(lang, env.settings.tz, start, start + timedelta(hours=2)) in news[0].text
    assert news[0].labels == [t(lang, "station.btn_calendar_this"), t(lang, "announce.btn_off")]
    assert env.emulator.violations == []
