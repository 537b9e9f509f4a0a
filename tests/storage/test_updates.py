"""Duplicate updates act once; dialog state is stored and cleared."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage.models import DialogState, ProcessedUpdate
from storage.updates import (
    claim_update,
    clear_state,
    load_state,
    prune_processed,
    record_unhandled,
    save_state,
)

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


async def test_dialog_state_round_trip(db) -> None:
    async with db.unit_of_work() as s:
        await save_state(s, 5, 5, "suggest", "text", {"parts": ["a"]}, NOW)
    async with db.unit_of_work() as s:
        state = await load_state(s, 5)
        assert state is not None and state.data == {"parts": ["a"]}
        await save_state(s, 5, 5, "suggest", "photos", {"parts": ["a", "b"]}, NOW)
    async with db.reading() as s:
        state = await s.get(DialogState, 5)
        assert state is not None and (state.step, state.data["parts"]) == ("photos", ["a", "b"])
    async with db.unit_of_work() as s:
        await clear_state(s, 5)
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(DialogState)) == 0


async def test_load_person_finds_resident_and_state_or_none(db) -> None:
    from storage.models import Resident
    from storage.updates import load_person

    async with db.unit_of_work() as s:
        assert await load_person(s, 77) == (None, None)
        s.add(Resident(telegram_user_id=77, chat_id=77, locale="en"))
        await save_state(s, 78, 78, "onboarding", "address", {"x": 1}, NOW)
    async with db.unit_of_work() as s:
        resident, state = await load_person(s, 77)
        assert resident is not None and resident.locale == "en" and state is None
        resident, state = await load_person(s, 78)
        assert resident is None and state is not None and state.data == {"x": 1}


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
