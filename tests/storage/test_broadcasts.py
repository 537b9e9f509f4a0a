"""The broadcast engine: recipients fixed at confirmation, each at most once, the unsubscribed,
forgotten and blocked skipped at their turn, quiet hours, pause/resume/cancel, crash leases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from station_world import NOW, TZ, build_station_world

from storage import Database
from storage import broadcasts as engine
from storage.models import AuditEntry, Delivery, Resident, Subscription
from storage.roles import Actor

PAYLOADS = {"zh": {"method": "sendMessage", "params": {"text": "通知"}},
            "en": {"method": "sendMessage", "params": {"text": "Notice"}}}


async def _resident(db: Database, user_id: int, station_id: int | None, *, subscribe: bool = True,
                    locale: str = "zh", **extra: object) -> int:
    async with db.unit_of_work() as s:
        r = Resident(telegram_user_id=user_id, chat_id=user_id, locale=locale, consent_at=NOW,
                     station_id=station_id, **extra)
        s.add(r)
        await s.flush()
        if subscribe and station_id is not None:
            s.add(Subscription(resident_id=r.id, station_id=station_id, remind=False))
        return r.id


async def _start(db: Database, audience: dict[str, object], **extra: object) -> int:
    async with db.unit_of_work() as s:
        b = await engine.create_broadcast(s, kind="custom", payloads=PAYLOADS, audience=audience,
                                          now=NOW, **extra)  # type: ignore[arg-type]
        await engine.confirm(s, b.id, now=NOW)
        return b.id


async def _drain(db: Database, now=NOW, result: str = "sent") -> list[engine.Due]:  # type: ignore[no-untyped-def]
    sent: list[engine.Due] = []
    while True:
        async with db.unit_of_work() as s:
            due = await engine.claim_due(s, now=now, tz=TZ, limit=2)
        if not due:
            return sent
        sent.extend(due)
        async with db.unit_of_work() as s:
            await engine.record_outcomes(
                s, [engine.Outcome(d.broadcast_id, d.resident_id, result) for d in due], now=now)
            await engine.finish_done(s, now=now)


async def test_recipients_are_fixed_at_confirmation_and_each_gets_it_once(db: Database) -> None:
    world = await build_station_world(db)
    a = await _resident(db, 501, world.station_id)
    b = await _resident(db, 502, world.station_id, locale="en")
    await _resident(db, 503, world.station_id, blocked_at=NOW)  # blocked the bot: never a recipient
    await _resident(db, 504, world.home_id)  # another station's subscriber
    bid = await _start(db, {"kind": "subscribers", "station_id": world.station_id})
    await _resident(db, 505, world.station_id)  # subscribes after confirmation: not added
    sent = await _drain(db)
    assert sorted(d.resident_id for d in sent) == [a, b]
    assert {d.chat_id: d.params["text"] for d in sent} == {501: "通知", 502: "Notice"}
    assert await _drain(db) == []  # nobody twice
    async with db.reading() as s:
        counts = await engine.counts(s, bid)
        broadcast_status = (await s.get(engine.Broadcast, bid)).status  # type: ignore[union-attr]
    assert counts["sent"] == 2 and counts["pending"] == 0
    assert broadcast_status == "done"


async def test_unsubscribed_forgotten_and_muted_are_skipped_at_their_turn(db: Database) -> None:
    world = await build_station_world(db)
    ids = [await _resident(db, 600 + i, world.station_id) for i in range(4)]
    bid = await _start(db, {"kind": "subscribers", "station_id": world.station_id})
    async with db.unit_of_work() as s:  # before their turn: one unsubscribes, one forgets, one mutes
        sub = await s.get(Subscription, (ids[0], world.station_id))
        await s.delete(sub)
        (await s.get(Resident, ids[1])).forgotten_at = NOW  # type: ignore[union-attr]
        await engine.turn_off_announcements(s, ids[2], now=NOW)
    sent = await _drain(db)
    assert [d.resident_id for d in sent] == [ids[3]]
    async with db.reading() as s:
        counts = await engine.counts(s, bid)
    assert counts["skipped"] == 3 and counts["sent"] == 1


async def test_a_403_marks_the_resident_blocked(db: Database) -> None:
    world = await build_station_world(db)
    rid = await _resident(db, 701, world.station_id)
    bid = await _start(db, {"kind": "home", "station_id": world.station_id})
    await _drain(db, result="blocked")
    async with db.reading() as s:
        assert (await s.get(Resident, rid)).blocked_at is not None  # type: ignore[union-attr]
        assert (await engine.counts(s, bid))["blocked"] == 1


async def test_quiet_hours_hold_non_urgent_broadcasts(db: Database) -> None:
    world = await build_station_world(db)
    await _resident(db, 801, world.station_id)
    await _resident(db, 802, world.station_id)
    late = NOW.replace(hour=22)
    await _start(db, {"kind": "town", "town_code": "110118100"})
    assert await _drain(db, now=late) == []  # 22:00: waits
    await _start(db, {"kind": "area"}, urgent=True)
    assert len(await _drain(db, now=late)) == 2  # urgent goes out at night
    assert len(await _drain(db, now=late + timedelta(hours=10))) == 2  # 08:00 next day


async def test_a_crashed_lease_is_claimed_again_and_send_at_waits(db: Database) -> None:
    world = await build_station_world(db)
    await _resident(db, 901, world.station_id)
    await _start(db, {"kind": "district", "district_code": "110118"})
    async with db.unit_of_work() as s:
        first = await engine.claim_due(s, now=NOW, tz=TZ, limit=10, lease_seconds=30)
    assert len(first) == 1
    async with db.unit_of_work() as s:  # the process died: nothing recorded; leased meanwhile
        assert await engine.claim_due(s, now=NOW + timedelta(seconds=10), tz=TZ, limit=10) == []
    again = await _drain(db, now=NOW + timedelta(seconds=31))
    assert [d.resident_id for d in again] == [first[0].resident_id]
    later = await _start(db, {"kind": "area"}, send_at=NOW + timedelta(hours=1))
    assert await _drain(db) == []
    assert len(await _drain(db, now=NOW + timedelta(hours=1))) == 1
    async with db.reading() as s:
        assert (await s.get(engine.Broadcast, later)).status == "done"  # type: ignore[union-attr]


async def test_pause_resume_cancel_are_audited(db: Database) -> None:
    world = await build_station_world(db)
    for i in range(3):
        await _resident(db, 1000 + i, world.station_id)
    bid = await _start(db, {"kind": "open_at", "station_id": world.station_id})
    assert await _drain(db) == []  # nobody has an open suggestion there
    bid = await _start(db, {"kind": "list", "resident_ids": [1, 2, 3]})
    staff = Actor.staff(1)
    async with db.unit_of_work() as s:
        await engine.pause(s, bid, staff, now=NOW)
    assert await _drain(db) == []
    async with db.unit_of_work() as s:
        await engine.resume(s, bid, staff, now=NOW)
        due = await engine.claim_due(s, now=NOW, tz=TZ, limit=1)
    assert len(due) == 1
    async with db.unit_of_work() as s:
        await engine.cancel(s, bid, staff, now=NOW)
    assert await _drain(db, now=NOW + timedelta(minutes=5)) == []
    async with db.reading() as s:
        counts = await engine.counts(s, bid)
        actions = list(await s.scalars(select(AuditEntry.action).where(
            AuditEntry.object_kind == "broadcast")))
        rows = (await s.scalars(select(Delivery).where(Delivery.broadcast_id == bid))).all()
    assert counts["cancelled"] == 3 and len(rows) == 3
    assert actions == ["broadcast_pause", "broadcast_resume", "broadcast_cancel"]


async def test_outcomes_are_recorded_set_wise_and_never_undo_a_cancel(db: Database) -> None:
    """One statement per result: the sent, the 403s (their residents marked blocked) and the
    retries of a batch; a recipient cancelled while in flight stays cancelled."""
    world = await build_station_world(db)
    ids = [await _resident(db, 1000 + i, world.station_id) for i in range(6)]
    bid = await _start(db, {"kind": "home", "station_id": world.station_id})
    async with db.unit_of_work() as s:
        due = await engine.claim_due(s, now=NOW, tz=TZ, limit=10)
    assert sorted(d.resident_id for d in due) == sorted(ids)
    retry_at = NOW + timedelta(seconds=7)
    outcomes = [engine.Outcome(bid, ids[0], "sent"), engine.Outcome(bid, ids[1], "sent"),
                engine.Outcome(bid, ids[2], "blocked"), engine.Outcome(bid, ids[3], "failed"),
                engine.Outcome(bid, ids[4], "retry", retry_at)]
    async with db.unit_of_work() as s:
        await engine.record_outcomes(s, outcomes, now=NOW)
    async with db.unit_of_work() as s:  # staff cancel while the last one is still in flight
        await engine.cancel(s, bid, Actor.system(), now=NOW)
    async with db.unit_of_work() as s:
        await engine.record_outcomes(s, [engine.Outcome(bid, ids[5], "sent")], now=NOW)
    async with db.reading() as s:
        rows = {d.resident_id: d for d in await s.scalars(
            select(Delivery).where(Delivery.broadcast_id == bid))}
        blocked = await s.get(Resident, ids[2])
    assert [rows[i].status for i in ids] == ["sent", "sent", "blocked", "failed", "cancelled",
                                             "cancelled"]
    assert rows[ids[0]].sent_at is not None and rows[ids[0]].lease_until is None
    assert blocked is not None and blocked.blocked_at is not None
    assert rows[ids[5]].sent_at is None  # the cancel stands


async def test_resuming_a_scheduled_broadcast_waits_for_its_time(db: Database) -> None:
    """⏸ then ▶️ on an announcement scheduled for later does not send it at once."""
    world = await build_station_world(db)
    for i in range(2):
        await _resident(db, 1100 + i, world.station_id)
    later = NOW + timedelta(hours=1)
    bid = await _start(db, {"kind": "area"}, send_at=later)
    staff = Actor.staff(1)
    async with db.unit_of_work() as s:
        await engine.pause(s, bid, staff, now=NOW)
        resumed = await engine.resume(s, bid, staff, now=NOW)
        assert resumed.status == "scheduled"
    assert await _drain(db) == []
    assert len(await _drain(db, now=later)) == 2
