"""The outbox: written with the change, claimed under a lease, never lost, never sent to a
resident who blocked the bot, card edits coalesced."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from lifecycle_world import T0, build_world, new_suggestion
from sqlalchemy import select

from storage import Database, outbox
from storage.models import OutboxMessage, OutboxStatus, Resident, Suggestion

STAFF_CHAT = -100123
RESIDENT_CHAT = 1000  # chat of the world's first resident


async def _enqueue_many(db: Database, n: int, *, chat_id: int = 555) -> list[int]:
    async with db.unit_of_work() as s:
        rows = [
            await outbox.enqueue(
                s, chat_id=chat_id + i, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": f"#{i}"}, now=T0
            )
            for i in range(n)
        ]
        return [r.id for r in rows if r is not None]


async def test_a_rolled_back_change_leaves_no_message(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as s:
            await outbox.enqueue(s, chat_id=1, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "x"}, now=T0)
            raise RuntimeError("the change failed")
    async with db.reading() as s:
        assert await outbox.depth(s) == 0


async def test_claim_lease_send_and_depth(db: Database) -> None:
    ids = await _enqueue_many(db, 5)
    async with db.unit_of_work() as s:
        late = await outbox.enqueue(
            s, chat_id=9, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "later"},
            not_before=T0 + timedelta(minutes=5), now=T0,
        )
        assert late is not None
    async with db.unit_of_work() as s:
        claimed = await outbox.claim_due(s, owner="w1", now=T0, limit=3)
        assert [r.id for r in claimed] == ids[:3]
        assert all(r.lease_owner == "w1" and r.attempts == 1 for r in claimed)
    async with db.unit_of_work() as s:  # leased rows are not claimed again; the late one waits
        again = await outbox.claim_due(s, owner="w2", now=T0 + timedelta(seconds=1), limit=10)
        assert [r.id for r in again] == ids[3:]
        await outbox.mark_sent(s, ids[0], now=T0, message_id=77)
        await outbox.mark_retry(s, ids[1], not_before=T0 + timedelta(seconds=30), error="429")
        await outbox.mark_failed(s, ids[2], now=T0, error="400 Bad Request: chat not found")
    async with db.reading() as s:
        assert await outbox.depth(s) == 4  # ids[1] (retry), ids[3:], late
        sent = await s.get(OutboxMessage, ids[0])
        assert sent is not None
        assert (sent.status, sent.result_message_id) == (OutboxStatus.SENT, 77)
    async with db.unit_of_work() as s:
        due = await outbox.claim_due(s, owner="w1", now=T0 + timedelta(minutes=6), limit=10)
        # the retry and the late one are due; w2 never reported on ids[3:] and its 30 s lease
        # ran out, so those come back too; sent and failed rows never do
        assert [r.id for r in due] == sorted([*ids[3:], ids[1], late.id])  # oldest first


async def test_a_chat_never_sees_its_messages_reordered(db: Database) -> None:
    async with db.unit_of_work() as s:
        first, second, third = [
            await outbox.enqueue(s, chat_id=5, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": str(i)}, now=T0)
            for i in range(3)
        ]
        other = await outbox.enqueue(s, chat_id=6, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "x"}, now=T0)
    async with db.unit_of_work() as s:
        claimed = await outbox.claim_due(s, owner="w", now=T0, limit=10)
        assert [r.id for r in claimed] == [first.id, second.id, third.id, other.id]
        # the first hits a 429 for 30 s; the worker releases the rest of that chat at once
        await outbox.mark_retry(s, first.id, not_before=T0 + timedelta(seconds=30), error="429")
        for row in (second, third):
            await outbox.mark_retry(s, row.id, not_before=T0, error=None, count_attempt=False)
        await outbox.mark_sent(s, other.id, now=T0, message_id=1)
    async with db.unit_of_work() as s:  # nothing of chat 5 may overtake the held-back first row
        assert await outbox.claim_due(s, owner="w", now=T0 + timedelta(seconds=5), limit=10) == []
    async with db.unit_of_work() as s:
        due = await outbox.claim_due(s, owner="w", now=T0 + timedelta(seconds=31), limit=10)
        assert [r.id for r in due] == [first.id, second.id, third.id]


async def test_a_held_back_row_gets_its_attempt_back(db: Database) -> None:
    (row_id,) = await _enqueue_many(db, 1)
    for _ in range(3):  # e.g. pacing held it back three times, then a real network error
        async with db.unit_of_work() as s:
            (row,) = await outbox.claim_due(s, owner="w", now=T0, limit=1)
            await outbox.mark_retry(s, row_id, not_before=T0, error=None, count_attempt=False)
    async with db.unit_of_work() as s:
        (row,) = await outbox.claim_due(s, owner="w", now=T0, limit=1)
        await outbox.mark_retry(s, row_id, not_before=T0, error="TimedOut")
    async with db.unit_of_work() as s:  # held back once more: the real error is kept
        (row,) = await outbox.claim_due(s, owner="w", now=T0, limit=1)
        await outbox.mark_retry(s, row_id, not_before=T0, error=None, count_attempt=False)
    async with db.reading() as s:
        stored = await s.get(OutboxMessage, row_id)
    assert stored is not None and (stored.attempts, stored.last_error) == (1, "TimedOut")


async def test_a_dead_workers_rows_come_back_after_the_lease(db: Database) -> None:
    ids = await _enqueue_many(db, 2)
    async with db.unit_of_work() as s:
        await outbox.claim_due(s, owner="dies", now=T0, limit=10, lease_seconds=30)
    # the worker is killed here: it never marks anything
    async with db.unit_of_work() as s:
        assert await outbox.claim_due(s, owner="w2", now=T0 + timedelta(seconds=29), limit=10) == []
    async with db.unit_of_work() as s:
        back = await outbox.claim_due(s, owner="w2", now=T0 + timedelta(seconds=30), limit=10)
    assert [r.id for r in back] == ids
    assert all(r.attempts == 2 and r.lease_owner == "w2" for r in back)


async def test_a_blocked_resident_is_dropped_and_not_written_to_again(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        first = await outbox.enqueue(
            s, chat_id=RESIDENT_CHAT, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "答复"},
            resident_id=w.resident.id, now=T0,
        )
        second = await outbox.enqueue(
            s, chat_id=RESIDENT_CHAT, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "评价"}, now=T0
        )
        other = await outbox.enqueue(
            s, chat_id=1001, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "x"}, now=T0
        )
        assert first and second and other
    async with db.unit_of_work() as s:
        dropped = await outbox.mark_dropped(
            s, first.id, now=T0, error="Forbidden: bot was blocked by the user"
        )
    assert dropped == 2
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, w.resident.id)
        assert resident is not None and resident.blocked_at == T0
        assert await outbox.enqueue(
            s, chat_id=RESIDENT_CHAT, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "?"}, now=T0
        ) is None
        assert await outbox.enqueue(
            s, chat_id=42, method="sendMessage", purpose=outbox.OutboxPurpose.TO_RESIDENT, payload={"text": "?"},
            resident_id=w.resident.id, now=T0,
        ) is None
        rows = await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        statuses = {r.id: r.status for r in rows}
    assert statuses == {
        first.id: OutboxStatus.DROPPED, second.id: OutboxStatus.DROPPED,
        other.id: OutboxStatus.PENDING,
    }


async def test_card_edits_coalesce_and_learn_where_the_card_is(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sug = await new_suggestion(s, w)
        card = await outbox.enqueue(
            s, chat_id=STAFF_CHAT, method="sendMessage", purpose=outbox.OutboxPurpose.STAFF_CARD,
            payload={"text": "card v1", "message_thread_id": 7}, suggestion_id=sug.id, now=T0,
        )
        e1 = await outbox.enqueue_card_edit(
            s, suggestion_id=sug.id, chat_id=STAFF_CHAT, payload={"text": "card v2"}, now=T0
        )
        e2 = await outbox.enqueue_card_edit(
            s, suggestion_id=sug.id, chat_id=STAFF_CHAT, payload={"text": "card v3"}, now=T0
        )
        assert card is not None and e1.id == e2.id and "message_id" not in e2.payload
    async with db.unit_of_work() as s:
        claimed = await outbox.claim_due(s, owner="w", now=T0, limit=1)
        assert [r.id for r in claimed] == [card.id]
        await outbox.mark_sent(s, card.id, now=T0, message_id=4321)
    async with db.unit_of_work() as s:
        stored = await s.get(Suggestion, sug.id)
        assert stored is not None
        assert (stored.card_chat_id, stored.card_message_id, stored.card_thread_id) == (
            STAFF_CHAT, 4321, 7,
        )
        edit = await s.get(OutboxMessage, e1.id)
        assert edit is not None and edit.payload == {"text": "card v3", "message_id": 4321}
        claimed = await outbox.claim_due(s, owner="w", now=T0, limit=10)
        assert [r.id for r in claimed] == [e1.id]
    async with db.unit_of_work() as s:  # the waiting edit is leased: a new change gets a new row
        e3 = await outbox.enqueue_card_edit(
            s, suggestion_id=sug.id, chat_id=STAFF_CHAT, payload={"text": "card v4"}, now=T0
        )
    assert e3.id != e1.id and e3.payload == {"text": "card v4", "message_id": 4321}


async def test_concurrent_claimers_never_share_a_row(db: Database) -> None:
    ids = await _enqueue_many(db, 60)

    async def worker(name: str) -> list[int]:
        got: list[int] = []
        while True:
            async with db.unit_of_work() as s:
                rows = await outbox.claim_due(s, owner=name, now=T0, limit=7)
                await asyncio.sleep(0)
            if not rows:
                return got
            got.extend(r.id for r in rows)

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    flat = [i for part in results for i in part]
    assert sorted(flat) == ids and len(flat) == len(set(flat))


@pytest.mark.postgres
async def test_claims_of_two_processes_take_turns_and_never_overlap(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has one writer: there is no second claimer to overlap with")
    ids = await _enqueue_many(db, 10)
    other = Database(db.url.render_as_string(hide_password=False))  # another "process"
    try:
        async def second_claim() -> list[int]:
            async with other.unit_of_work() as second:
                return [r.id for r in await outbox.claim_due(second, owner="p2", now=T0, limit=10)]

        async with db.unit_of_work() as first:
            mine = await outbox.claim_due(first, owner="p1", now=T0, limit=6)
            theirs_task = asyncio.create_task(second_claim())
            await asyncio.sleep(0.3)
            # p1 has not committed: p2 waits for it rather than claim behind its back
            assert not theirs_task.done()
        theirs = await asyncio.wait_for(theirs_task, timeout=5)
        assert [r.id for r in mine] == ids[:6]
        assert theirs == ids[6:]
    finally:
        await other.dispose()
