"""Station and deputy cards, and day-before reminders that go exactly once per subscriber."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from station_world import NOW, TZ, build_station_world

from storage import Database
from storage.models import Broadcast, Delivery, Meeting, OutboxMessage, Resident
from storage.reminders import send_due_reminders, tomorrow_bounds
from storage.residents import give_consent, set_home_community, set_remind, subscribe
from storage.stations import (
    MeetingView,
    load_deputy_card,
    load_meeting,
    load_station_card,
    station_for_community,
)


async def test_the_station_card_has_active_deputies_by_level_and_the_next_public_meetings(
    db: Database,
) -> None:
    w = await build_station_world(db)
    async with db.reading() as s:
        card = await load_station_card(s, w.station_id, NOW)
        assert card is not None
        assert card.station.is_model and card.home is not None and card.home.id == w.home_id
        assert card.town is not None and card.town.name == "溪翁庄镇"
        assert [d.id for d in card.deputies] == [w.national_id, w.town_deputy_id]
        assert [v.meeting.id for v in card.meetings] == [w.tomorrow_id, w.forum_id]
        assert [d.id for d in card.meetings[0].deputies] == sorted(
            [w.national_id, w.town_deputy_id],
            key=lambda i: {w.national_id: "示例代表·张一", w.town_deputy_id: "示例代表·王二"}[i])
        home = await load_station_card(s, w.home_id, NOW)
        assert home is not None and home.home is None and home.meetings == ()
        assert await load_station_card(s, 10_000, NOW) is None
        # a meeting still running counts; one that ended does not
        later = await load_station_card(s, w.station_id, datetime(2026, 11, 26, 11, 0, tzinfo=TZ))
        assert later is not None and later.meetings[0].meeting.id == w.tomorrow_id
        assert (await station_for_community(s, w.covered)).id == w.station_id  # type: ignore[union-attr]
        assert (await station_for_community(s, w.uncovered)).id == w.home_id  # type: ignore[union-attr]
        assert await station_for_community(s, "000000000000") is None


async def test_the_deputy_card_and_meetings_for_calendars(db: Database) -> None:
    w = await build_station_world(db)
    async with db.reading() as s:
        card = await load_deputy_card(s, w.national_id, NOW)
        assert card is not None
        assert {st.id for st in card.stations} == {w.home_id, w.station_id}
        assert [v.meeting.id for v in card.meetings] == [w.tomorrow_id]
        assert await load_deputy_card(s, w.retired_id, NOW) is None
        assert await load_deputy_card(s, 10_000, NOW) is None
        view = await load_meeting(s, w.tomorrow_id)
        assert view is not None and view.station.id == w.station_id
        assert await load_meeting(s, w.inspection_id) is None  # not public


def test_tomorrow_is_counted_in_the_district_time_zone() -> None:
    late = datetime(2026, 11, 25, 23, 30, tzinfo=TZ)  # 15:30 UTC on the 25th
    start, end = tomorrow_bounds(late, TZ)
    assert start == datetime(2026, 11, 26, 0, 0, tzinfo=TZ) and end - start == timedelta(days=1)


def _render(view: MeetingView, resident: Resident) -> dict[str, Any]:
    return {"text": f"{view.meeting.code}:{resident.locale}"}


async def _residents(db: Database, w) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    async with db.unit_of_work() as s:
        for n, (station, remind) in enumerate([(w.station_id, True), (w.station_id, False),
                                               (w.home_id, True)]):
            r = await give_consent(s, telegram_user_id=800 + n, chat_id=800 + n, locale="en", now=NOW)
            await set_home_community(s, r, w.covered, address_text=None)
            await subscribe(s, r, station, now=NOW)
            if not remind:
                await set_remind(s, r, station, False)
            ids.append(r.id)
    return ids


async def test_reminders_go_once_to_subscribers_who_asked(db: Database) -> None:
    w = await build_station_world(db)
    ids = await _residents(db, w)
    async with db.unit_of_work() as s:
        assert await send_due_reminders(s, NOW, TZ, _render) == 1
    async with db.unit_of_work() as s:  # a second run, or a restart: nothing more
        assert await send_due_reminders(s, NOW + timedelta(hours=1), TZ, _render) == 0
    async with db.reading() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
        assert [(m.chat_id, m.payload["text"], m.purpose, m.resident_id) for m in rows] == [
            (800, "M-TOMORROW:en", "reminder", ids[0])]
        assert rows[0].payload["chat_id"] == 800
        meeting = await s.get(Meeting, w.tomorrow_id)
        assert meeting is not None and meeting.reminded_at == NOW
        for other in (w.cancelled_id, w.inspection_id, w.forum_id):
            assert (await s.get(Meeting, other)).reminded_at is None  # type: ignore[union-attr]
        assert await s.scalar(select(func.count()).select_from(Broadcast)) == 1
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 1


async def test_a_late_subscriber_still_gets_one_reminder(db: Database) -> None:
    w = await build_station_world(db)
    async with db.unit_of_work() as s:
        assert await send_due_reminders(s, NOW, TZ, _render) == 0  # nobody subscribed yet
    await _residents(db, w)
    async with db.unit_of_work() as s:
        assert await send_due_reminders(s, NOW + timedelta(hours=2), TZ, _render) == 1
        assert await send_due_reminders(s, NOW + timedelta(hours=3), TZ, _render) == 0
    async with db.reading() as s:
        meeting = await s.get(Meeting, w.tomorrow_id)
        assert meeting is not None and meeting.reminded_at == NOW  # stamped at the first run


async def test_no_reminders_at_night_nor_for_blocked_or_forgotten_residents(db: Database) -> None:
    w = await build_station_world(db)
    ids = await _residents(db, w)
    night = datetime(2026, 11, 25, 23, 0, tzinfo=TZ)
    async with db.unit_of_work() as s:
        assert await send_due_reminders(s, night, TZ, _render) == 0
        r = await s.get(Resident, ids[0])
        assert r is not None
        r.blocked_at = NOW
    async with db.unit_of_work() as s:
        assert await send_due_reminders(s, NOW, TZ, _render) == 0
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
