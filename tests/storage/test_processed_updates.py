"""Duplicate updates act once; what a user wrote is kept when handling failed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import ProcessedUpdate
from storage.processed_updates import claim_update, prune_processed, record_unhandled

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def test_an_update_is_claimed_once(db) -> None:
    async with db.unit_of_work() as s:
        assert await claim_update(s, 42, NOW) is True
    async with db.unit_of_work() as s:
        assert await claim_update(s, 42, NOW) is False
        assert await claim_update(s, 43, NOW) is True


async def test_a_rolled_back_claim_can_be_claimed_again(db) -> None:
    try:
        async with db.unit_of_work() as s:
            assert await claim_update(s, 7, NOW)
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass
    async with db.unit_of_work() as s:
        assert await claim_update(s, 7, NOW) is True


async def test_concurrent_claims_of_one_update_let_exactly_one_through(db) -> None:
    async def claim() -> bool:
        async with db.unit_of_work() as s:
            ok = await claim_update(s, 99, NOW)
            await asyncio.sleep(0.01)
            return ok

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_prune_keeps_recent_and_noted_updates(db) -> None:
    async with db.unit_of_work() as s:
        await claim_update(s, 1, NOW - timedelta(days=10))
        await claim_update(s, 2, NOW)
        s.add(ProcessedUpdate(update_id=3, processed_at=NOW - timedelta(days=5), note="kept"))
    async with db.unit_of_work() as s:
        assert await prune_processed(s, NOW, timedelta(days=3)) == 1
    async with db.reading() as s:
        left = (await s.scalars(select(ProcessedUpdate.update_id))).all()
    assert sorted(left) == [2, 3]


async def test_what_someone_wrote_into_a_failed_update_is_kept_a_week_and_bounded(db) -> None:
    async with db.unit_of_work() as s:
        await record_unhandled(s, 7, NOW - timedelta(days=6), "我家门口的路灯坏了")
        await record_unhandled(s, 8, NOW - timedelta(days=8), "我的电话是 13800138000")
        await record_unhandled(s, 9, NOW, "长" * 10_000)
    async with db.unit_of_work() as s:
        assert await prune_processed(s, NOW, timedelta(days=3)) == 1
    async with db.reading() as s:
        notes = {u.update_id: u.note for u in await s.scalars(select(ProcessedUpdate))}
    assert sorted(notes) == [7, 9]  # the note of eight days ago is gone, row and all
    assert notes[9] is not None and len(notes[9]) == 4096
