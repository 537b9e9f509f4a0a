"""回访 "was it really fixed?": who is asked, when, and only once; the answers as lifecycle steps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from lifecycle_world import DEADLINES, T0, World, build_world, new_suggestion
from sqlalchemy import select, update

import storage.lifecycle as lc
from storage import Database
from storage.followup import GRACE, claim, due_followups
from storage.models import Resident, Suggestion, SuggestionStatus, TimelineEntry, Visibility

D = timedelta(days=1)


async def _resolved(db: Database, w: World, *, at=T0, how: str = "resolve", **kw: object) -> int:
    """A suggestion of ``w.resident`` finished at ``at``: resolved, rated (closed), closed by
    staff, rejected or merged."""
    async with db.unit_of_work() as s:
        sug = await new_suggestion(s, w, now=at - D, **kw)
        if how in ("resolve", "rate"):
            await lc.resolve(s, sug.id, w.staff, now=at, text="路灯已修好")
        if how == "rate":
            await lc.rate(s, sug.id, w.resident, now=at + timedelta(hours=1),
                          satisfaction="satisfied")
        if how == "close":
            await lc.close(s, sug.id, w.staff, now=at)
        if how == "reject":
            await lc.reject(s, sug.id, w.staff, now=at, reason="不属于人大代表职责范围")
        if how == "merge":
            original = await new_suggestion(s, w, now=at - 2 * D)
            await lc.mark_duplicate(s, sug.id, w.staff, now=at, of_ticket=original.ticket)
        return sug.id


async def _due(db: Database, now, days: int = 30) -> list[int]:
    async with db.reading() as s:
        return [d.suggestion_id for d in await due_followups(s, now, days=days)]


async def test_asked_thirty_days_after_resolution_and_not_before(db: Database) -> None:
    w = await build_world(db)
    resolved = await _resolved(db, w)
    rated = await _resolved(db, w, how="rate")
    closed = await _resolved(db, w, how="close")
    assert await _due(db, T0 + 30 * D - timedelta(minutes=1)) == []
    assert sorted(await _due(db, T0 + 30 * D + timedelta(hours=2))) == sorted(
        [resolved, rated, closed])
    assert await _due(db, T0 + 10 * D, days=10) != []  # JIAZHAN_FOLLOWUP_DAYS
    assert await _due(db, T0 + 30 * D + GRACE + D) == []  # long past: not asked at all


async def test_not_asked_rejected_merged_forgotten_blocked_or_without_a_chat(db: Database) -> None:
    w = await build_world(db)
    await _resolved(db, w, how="reject")
    await _resolved(db, w, how="merge")
    others = await _resolved(db, w, resident_id=w.other_resident.id)
    async with db.unit_of_work() as s:
        await s.execute(update(Resident).where(Resident.id == w.resident.id)
                        .values(forgotten_at=T0))
    later = T0 + 31 * D
    assert await _due(db, later) == [others]
    async with db.unit_of_work() as s:
        await s.execute(update(Resident).where(Resident.id == w.other_resident.id)
                        .values(blocked_at=T0))
    assert await _due(db, later) == []
    async with db.unit_of_work() as s:
        await s.execute(update(Resident).values(blocked_at=None, forgotten_at=None, chat_id=None))
    assert await _due(db, later) == []  # recorded on behalf / never wrote to the bot


async def test_asked_once_however_often_it_runs(db: Database) -> None:
    w = await build_world(db)
    sid = await _resolved(db, w)
    later = T0 + 31 * D
    async with db.unit_of_work() as s:
        assert await claim(s, sid, later)
        assert not await claim(s, sid, later)  # a second run (or process) in the same moment
    async with db.unit_of_work() as s:
        assert not await claim(s, sid, later + D)
    assert await _due(db, later + D) == []
    async with db.reading() as s:
        row = await s.get(Suggestion, sid)
        assert row is not None and row.followup_asked_at == later


async def test_two_processes_at_the_same_moment_ask_once(db: Database) -> None:
    """Two services on one database both see the suggestion due; one claim wins."""
    w = await build_world(db)
    sid = await _resolved(db, w)
    later = T0 + 31 * D
    claimed = asyncio.Event()

    async def first() -> bool:
        async with db.unit_of_work() as s:
            got = await claim(s, sid, later)
            claimed.set()
            await asyncio.sleep(0.3)  # the other process tries before this one commits
            return got

    async def second() -> bool:
        await claimed.wait()
        async with db.unit_of_work() as s:
            return await claim(s, sid, later)

    assert sorted(await asyncio.gather(first(), second())) == [False, True]


async def test_came_back_reopens_with_a_note_and_the_residents_words(db: Database) -> None:
    w = await build_world(db)
    sid = await _resolved(db, w, how="rate")
    later = T0 + 31 * D
    async with db.unit_of_work() as s:
        with pytest.raises(lc.LifecycleError) as early:  # never asked: nothing to answer
            await lc.came_back(s, sid, w.resident, now=later)
        assert early.value.key == "lifecycle.error.followup_not_asked"
        assert await claim(s, sid, later)
    async with db.unit_of_work() as s:
        with pytest.raises(lc.LifecycleError) as other:
            await lc.came_back(s, sid, w.other_resident, now=later)
        assert other.value.key == "lifecycle.error.not_your_ticket"
        done = await lc.came_back(s, sid, w.resident, now=later + D, comment=" 又不亮了 ",
                                  deadlines=DEADLINES)
        assert done.status is SuggestionStatus.REOPENED
        assert done.closed_at is None and done.resolved_at is None
        assert done.resolution_due > later + D
        assert (done.followup_answer, done.followup_answered_at) == ("came_back", later + D)
    async with db.reading() as s:
        last = await s.scalar(select(TimelineEntry).where(TimelineEntry.suggestion_id == sid)
                              .order_by(TimelineEntry.id.desc()).limit(1))
        assert last is not None
        assert (last.kind, last.text, last.visibility) == (
            "followup_came_back", "又不亮了", Visibility.PUBLIC)
        assert (last.from_status, last.to_status) == ("closed", "reopened")


async def test_still_fixed_is_recorded_once_and_changes_no_status(db: Database) -> None:
    w = await build_world(db)
    sid = await _resolved(db, w)
    later = T0 + 31 * D
    async with db.unit_of_work() as s:
        await claim(s, sid, later)
    async with db.unit_of_work() as s:
        done = await lc.confirm_fixed(s, sid, w.resident, now=later)
        assert done.status is SuggestionStatus.RESOLVED and done.followup_answer == "still_fixed"
    async with db.unit_of_work() as s:
        for answer in (lc.confirm_fixed(s, sid, w.resident, now=later),
                       lc.came_back(s, sid, w.resident, now=later)):
            with pytest.raises(lc.LifecycleError) as again:
                await answer
            assert again.value.key == "lifecycle.error.followup_answered"
    async with db.reading() as s:
        row = await s.get(Suggestion, sid)
        assert row is not None and row.status is SuggestionStatus.RESOLVED
        kinds = list(await s.scalars(select(TimelineEntry.kind)
                                     .where(TimelineEntry.suggestion_id == sid)))
        assert kinds.count("followup_fixed") == 1
