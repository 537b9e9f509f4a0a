"""Meetings are announced to their station's subscribers once; a change or cancellation once more."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from station_world import NOW, TZ, build_station_world

from storage import Database
from storage.announcements import send_announcements
from storage.models import Broadcast, Delivery, Meeting, MeetingStatus, Resident, Subscription
from storage.transfer import export_path, import_path


def _render(view, kind, resident):  # type: ignore[no-untyped-def]
    return {"text": f"{kind.value}:{view.meeting.code}"}


async def _subscriber(db: Database, station_id: int, user_id: int, **extra: object) -> None:
    async with db.unit_of_work() as s:
        r = Resident(telegram_user_id=user_id, chat_id=user_id, locale="zh", consent_at=NOW, **extra)
        s.add(r)
        await s.flush()
        s.add(Subscription(resident_id=r.id, station_id=station_id, remind=False))


async def _announce(db: Database, now=NOW) -> int:  # type: ignore[no-untyped-def]
    async with db.unit_of_work() as s:
        return await send_announcements(s, now, TZ, _render)


async def _texts(db: Database) -> list[tuple[int, str]]:
    """What the broadcast engine will send: (chat, text) per recipient, in order."""
    async with db.reading() as s:
        rows = (await s.execute(
            select(Delivery, Broadcast, Resident)
            .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
            .join(Resident, Resident.id == Delivery.resident_id)
            .order_by(Broadcast.id, Resident.id))).all()
    return [(r.chat_id, b.payloads[r.locale]["params"]["text"]) for _, b, r in rows]


async def test_new_changed_and_cancelled_meetings_are_told_once(db: Database) -> None:
    world = await build_station_world(db)
    await _subscriber(db, world.station_id, 501)
    await _subscriber(db, world.station_id, 502, blocked_at=NOW)  # blocked the bot: never written
    assert await _announce(db) == 2  # tomorrow's reception and the forum; not the inspection
    assert await _announce(db) == 0  # idempotent
    async with db.reading() as s:
        tomorrow = await s.get(Meeting, world.tomorrow_id)
        forum = await s.get(Meeting, world.forum_id)
    assert [t for _, t in await _texts(db)] == [f"new:{tomorrow.code}", f"new:{forum.code}"]

    async with db.unit_of_work() as s:  # staff move the forum and cancel tomorrow's reception
        moved = await s.get(Meeting, world.forum_id)
        moved.starts_at += timedelta(days=1)
        moved.announced_at = None
        gone = await s.get(Meeting, world.tomorrow_id)
        gone.status = MeetingStatus.CANCELLED
        gone.announced_at = None
    assert await _announce(db) == 2
    assert [t for _, t in await _texts(db)][2:] == [f"cancelled:{tomorrow.code}",
                                                   f"changed:{forum.code}"]
    assert {chat for chat, _ in await _texts(db)} == {501}


async def test_nothing_is_written_at_night_and_cancelled_unknown_meetings_stay_quiet(
    db: Database,
) -> None:
    world = await build_station_world(db)
    await _subscriber(db, world.station_id, 601)
    assert await _announce(db, NOW.replace(hour=23)) == 0
    await _announce(db)
    async with db.reading() as s:
        count = await s.scalar(select(func.count()).select_from(Delivery))
    assert count == 2  # the never-announced cancelled meeting is not "cancelled" news


async def test_an_import_that_moves_a_meeting_announces_it_again(db: Database, tmp_path: Path) -> None:
    world = await build_station_world(db)
    await _subscriber(db, world.station_id, 701)
    await _announce(db)
    folder = tmp_path / "export"
    async with db.reading() as s:
        await export_path(s, folder, tz=TZ)
        moved_code = (await s.get(Meeting, world.forum_id)).code
    path = folder / "meetings.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["code"] == moved_code:
            row["place"] = "镇政府二楼会议室"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    async with db.unit_of_work() as s:
        await import_path(s, folder, tz=TZ)
    async with db.reading() as s:
        stamps = {m.code: m.announced_at for m in (await s.scalars(select(Meeting))).all()}
    assert stamps[moved_code] is None
    assert await _announce(db) == 1
    assert (await _texts(db))[-1] == (701, f"changed:{moved_code}")
