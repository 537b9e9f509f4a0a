"""The whole transition table, exhaustively: every action from every status, by every kind of
actor. Allowed ones succeed and land where the table says; refused ones raise LifecycleError and
— even though the unit of work then commits — change nothing at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from lifecycle_world import DEADLINES, T0, World, build_world, new_suggestion
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import storage.lifecycle as lc
from storage import Database
from storage.lifecycle import TRANSITIONS, LifecycleError
from storage.models import (
    ActorKind,
    AuditEntry,
    Suggestion,
    SuggestionStatus,
    TimelineEntry,
    Visibility,
)
from storage.roles import Actor

NOW = T0 + timedelta(hours=1)
Call = Callable[[AsyncSession, int, Actor, World], Awaitable[Suggestion]]

CALLS: dict[str, Call] = {
    "assign": lambda s, i, a, w: lc.assign(s, i, a, now=NOW, deputy_id=w.other_deputy.id),
    "escalate": lambda s, i, a, w: lc.escalate(s, i, a, now=NOW),
    "reject": lambda s, i, a, w: lc.reject(s, i, a, now=NOW, reason="不属于人大代表职责范围"),
    "mark_duplicate": lambda s, i, a, w: lc.mark_duplicate(
        s, i, a, now=NOW, of_ticket="2026-000001"
    ),
    "close": lambda s, i, a, w: lc.close(s, i, a, now=NOW),
    "reopen": lambda s, i, a, w: lc.reopen(s, i, a, now=NOW, deadlines=DEADLINES),
    "set_hotline": lambda s, i, a, w: lc.set_hotline(s, i, a, now=NOW, number="BJ2026031000123"),
    "set_category": lambda s, i, a, w: lc.set_category(s, i, a, now=NOW, category_code="urban"),
    "set_priority": lambda s, i, a, w: lc.set_priority(s, i, a, now=NOW, priority="urgent"),
    "reply": lambda s, i, a, w: lc.reply(s, i, a, now=NOW, text="已联系供电所。"),
    "note": lambda s, i, a, w: lc.reply(
        s, i, a, now=NOW, text="供电所电话已打", visibility=Visibility.INTERNAL
    ),
    "request_info": lambda s, i, a, w: lc.request_info(s, i, a, now=NOW, text="是哪条路？"),
    "hand_back": lambda s, i, a, w: lc.hand_back(s, i, a, now=NOW, reason="不在我的片区"),
    "resolve": lambda s, i, a, w: lc.resolve(s, i, a, now=NOW, text="路灯已修复。"),
    "add_followup": lambda s, i, a, w: lc.add_followup(s, i, a, now=NOW, text="还有一盏没修"),
    "rate": lambda s, i, a, w: lc.rate(s, i, a, now=NOW, satisfaction="satisfied"),
    "followup_fixed": lambda s, i, a, w: lc.confirm_fixed(s, i, a, now=NOW),
    "followup_came_back": lambda s, i, a, w: lc.came_back(
        s, i, a, now=NOW, comment="又坏了", deadlines=DEADLINES
    ),
}


def test_every_action_in_the_table_is_exercised() -> None:
    assert set(CALLS) == set(TRANSITIONS)


def _allowed_actor(action: str, w: World) -> Actor:
    actors = TRANSITIONS[action].actors
    if ActorKind.RESIDENT in actors:
        return w.resident
    return w.deputy if action in lc.DEPUTY_ACTIONS and ActorKind.DEPUTY in actors else w.staff


async def _prepare(db: Database, w: World, status: SuggestionStatus) -> int:
    """A suggestion in ``status``, assigned to ``w.deputy``, at station level (the original
    2026-000001 is created first, so it can be the target of a duplicate)."""
    async with db.unit_of_work() as s:
        if await s.scalar(select(func.count()).select_from(Suggestion)) == 0:
            await new_suggestion(s, w, now=T0)
        sug = await new_suggestion(s, w, now=T0)
        sug.status = status
        sug.assignee_deputy_id = w.deputy.id
        sug.followup_asked_at = T0  # the 回访 question is open (its answers are in the table)
        return sug.id


async def _snapshot(db: Database, suggestion_id: int) -> dict[str, Any]:
    async with db.reading() as s:
        row = await s.get(Suggestion, suggestion_id)
        assert row is not None
        state = {c.key: getattr(row, c.key) for c in Suggestion.__mapper__.column_attrs}
        state["#timeline"] = await s.scalar(
            select(func.count()).where(TimelineEntry.suggestion_id == suggestion_id)
        )
        state["#audit"] = await s.scalar(select(func.count()).select_from(AuditEntry))
        return state


async def _expect_refusal(
    db: Database, w: World, action: str, suggestion_id: int, actor: Actor, key: str
) -> None:
    before = await _snapshot(db, suggestion_id)
    async with db.unit_of_work() as s:  # the caller catches and commits: still nothing changes
        with pytest.raises(LifecycleError) as refused:
            await CALLS[action](s, suggestion_id, actor, w)
    assert refused.value.key == key, (action, actor.kind)
    assert await _snapshot(db, suggestion_id) == before, (action, actor.kind)


async def test_every_status_and_action(db: Database) -> None:
    w = await build_world(db)
    for action, rule in TRANSITIONS.items():
        actor = _allowed_actor(action, w)
        for status in SuggestionStatus:
            sid = await _prepare(db, w, status)
            if status not in rule.sources:
                await _expect_refusal(db, w, action, sid, actor, "lifecycle.error.not_allowed")
                continue
            async with db.unit_of_work() as s:
                done = await CALLS[action](s, sid, actor, w)
                stayed = rule.keeps_status and done.status is status
                assert done.status in rule.targets or stayed, (action, status)
                last = await s.scalar(
                    select(TimelineEntry)
                    .where(TimelineEntry.suggestion_id == sid)
                    .order_by(TimelineEntry.id.desc())
                    .limit(1)
                )
                assert last is not None and last.from_status == status.value
                assert (last.visibility is Visibility.PUBLIC) == rule.public, action


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
async def test_actors_outside_the_rule_are_refused(db: Database, action: str) -> None:
    w = await build_world(db)
    rule = TRANSITIONS[action]
    status = next(iter(sorted(rule.sources)))
    sid = await _prepare(db, w, status)
    candidates = {
        ActorKind.STAFF: w.staff,
        ActorKind.SYSTEM: Actor.system(),
        ActorKind.DEPUTY: w.deputy,
        ActorKind.RESIDENT: w.resident,
    }
    for kind, actor in candidates.items():
        if kind not in rule.actors:
            await _expect_refusal(db, w, action, sid, actor, "lifecycle.error.forbidden")
    if ActorKind.DEPUTY in rule.actors:  # only the deputy it is assigned to
        await _expect_refusal(
            db, w, action, sid, w.other_deputy, "lifecycle.error.not_assigned_to_you"
        )
    if ActorKind.RESIDENT in rule.actors:  # only the resident who wrote it
        await _expect_refusal(
            db, w, action, sid, w.other_resident, "lifecycle.error.not_your_ticket"
        )
