"""The suggestion lifecycle as people live it: write, assign, answer, follow up, resolve, rate."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from lifecycle_world import DEADLINES, T0, Clock, build_world, new_suggestion
from sqlalchemy import func, select

import storage.lifecycle as lc
from storage import Database
from storage.lifecycle import LifecycleError
from storage.models import (
    Attachment,
    AuditEntry,
    Resident,
    Satisfaction,
    Suggestion,
    SuggestionStatus,
    TicketCounter,
    TimelineEntry,
    Visibility,
)

S = SuggestionStatus


async def test_creation_numbers_the_ticket_and_sets_deadlines_in_district_time(
    db: Database,
) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sug = await new_suggestion(
            s, w, share_identity=True, contact_name="张三", contact_phone="13800000000",
            attachments=[("photo", "AgAD-file", "uniq1"), ("voice", "AwAD-voice", "uniq2")],
            latitude=40.37, longitude=116.84,
        )
    assert sug.ticket == "2026-000001"
    assert sug.status is S.NEW
    # 14:00 Tuesday 10 March in Miyun: answer by the end of Friday 13th, resolve by the end of
    # Wednesday 25th (local midnight = 16:00 UTC the day before).
    assert sug.first_response_due == datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    assert sug.resolution_due == datetime(2026, 3, 25, 16, 0, tzinfo=UTC)
    async with db.reading() as s:
        entries = (await s.scalars(select(TimelineEntry))).all()
        audit = (await s.scalars(select(AuditEntry))).all()
        kinds = sorted(a.kind for a in await s.scalars(select(Attachment)))
        stored = await s.get(Suggestion, sug.id)
    assert [(e.kind, e.visibility, e.to_status) for e in entries] == [
        ("created", Visibility.PUBLIC, "new")
    ]
    assert kinds == ["photo", "voice"]
    assert stored is not None and stored.contact_phone == "13800000000"
    assert [a.action for a in audit] == ["suggestion.create"]
    assert "13800000000" not in str(audit[0].details) and "路灯" not in str(audit[0].details)


async def test_contact_is_kept_only_with_consent(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sug = await new_suggestion(s, w, contact_name="张三", contact_phone="13800000000")
    assert (sug.contact_name, sug.contact_phone) == (None, None)


async def test_ticket_year_is_the_district_year(db: Database) -> None:
    w = await build_world(db)
    new_year_in_miyun = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 Jan
    async with db.unit_of_work() as s:
        a = await new_suggestion(s, w, now=new_year_in_miyun - timedelta(hours=1))
        b = await new_suggestion(s, w, now=new_year_in_miyun)
        c = await new_suggestion(s, w, now=new_year_in_miyun)
    assert (a.ticket, b.ticket, c.ticket) == ("2026-000001", "2027-000001", "2027-000002")


async def test_concurrent_creation_gives_unique_gapless_tickets(db: Database) -> None:
    w = await build_world(db)

    async def one(i: int) -> str:
        async with db.unit_of_work() as s:
            sug = await new_suggestion(s, w, text=f"建议 {i}")
            await asyncio.sleep(0)  # let the others run while this transaction is open
            return sug.ticket

    tickets = await asyncio.gather(*(one(i) for i in range(40)))
    assert sorted(tickets) == [f"2026-{n:06d}" for n in range(1, 41)]
    async with db.reading() as s:
        assert await s.scalar(select(TicketCounter.last).where(TicketCounter.year == 2026)) == 40


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"text": "   \n "}, "lifecycle.error.empty_text"),
        ({"text": "字" * 8001}, "lifecycle.error.text_too_long"),
        ({"category_code": "nonsense"}, "lifecycle.error.unknown_category"),
        ({"station_id": 999_999}, "lifecycle.error.unknown_station"),
        ({"community_code": "110118999999"}, "lifecycle.error.unknown_community"),
        ({"addressed_deputy_id": 999_999}, "lifecycle.error.unknown_deputy"),
        ({"attachments": [("sticker", "x", "y")]}, "lifecycle.error.bad_attachment"),
        ({"latitude": 40.0}, "lifecycle.error.bad_location"),
    ],
)
async def test_bad_input_creates_nothing(db: Database, overrides: dict, key: str) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        with pytest.raises(LifecycleError) as refused:
            await new_suggestion(s, w, **overrides)
    assert refused.value.key == key
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Suggestion)) == 0
        assert await s.scalar(select(func.count()).select_from(TicketCounter)) == 0


async def test_a_forgotten_resident_cannot_write(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        resident = await s.get(Resident, w.resident.id)
        assert resident is not None
        resident.forgotten_at = T0
    async with db.unit_of_work() as s:
        with pytest.raises(LifecycleError, match="unknown_resident"):
            await new_suggestion(s, w)


async def test_the_whole_loop_resident_staff_deputy_resident(db: Database) -> None:
    w = await build_world(db)
    clock = Clock()
    async with db.unit_of_work() as s:
        sid = (await new_suggestion(s, w, now=clock.now)).id
    async with db.unit_of_work() as s:
        sug = await lc.assign(s, sid, w.staff, now=clock.tick(hours=1), deputy_id=w.deputy.id)
        assert (sug.status, sug.assignee_deputy_id) == (S.ASSIGNED, w.deputy.id)
        await lc.reply(s, sid, w.deputy, now=clock.tick(hours=1), text="查一下", visibility="internal")
        assert sug.status is S.ASSIGNED and sug.first_response_at is None
        answered_at = clock.tick(hours=2)
        await lc.reply(s, sid, w.deputy, now=answered_at, text="已联系供电所，本周修复。")
        assert (sug.status, sug.first_response_at) == (S.ANSWERED, answered_at)
        await lc.add_followup(s, sid, w.resident, now=clock.tick(days=1), text="还有一盏在桥头")
        assert sug.status is S.ASSIGNED
        await lc.reply(s, sid, w.deputy, now=clock.tick(hours=1), text="桥头那盏也记下了。")
        assert sug.first_response_at == answered_at  # only the first one counts
        resolved_at = clock.tick(days=2)
        await lc.resolve(s, sid, w.deputy, now=resolved_at, text="四盏路灯已全部修复。")
        assert (sug.status, sug.resolved_at) == (S.RESOLVED, resolved_at)
        closed_at = clock.tick(hours=3)
        await lc.rate(s, sid, w.resident, now=closed_at, satisfaction=Satisfaction.SATISFIED)
        assert (sug.status, sug.closed_at) == (S.CLOSED, closed_at)
        assert sug.satisfaction is Satisfaction.SATISFIED
    async with db.reading() as s:
        public = [(e.kind, e.to_status) for e in await lc.public_timeline(s, sid)]
        everything = await lc.full_timeline(s, sid)
        actions = [a.action for a in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert public == [
        ("created", "new"), ("assigned", "assigned"), ("reply", "answered"),
        ("followup", "assigned"), ("reply", "answered"), ("resolved", "resolved"),
        ("rating", "closed"),
    ]
    assert [e.kind for e in everything if e.visibility is Visibility.INTERNAL] == ["note"]
    assert actions == [
        "suggestion.create", "suggestion.assign", "suggestion.note", "suggestion.reply",
        "suggestion.add_followup", "suggestion.reply", "suggestion.resolve", "suggestion.rate",
    ]


async def test_unsatisfied_goes_back_to_the_handler_twice_then_to_staff(db: Database) -> None:
    w = await build_world(db)
    clock = Clock()
    async with db.unit_of_work() as s:
        sid = (await new_suggestion(s, w, now=clock.now)).id
        await lc.assign(s, sid, w.staff, now=clock.tick(hours=1), deputy_id=w.deputy.id)
    for round_ in (1, 2, 3):
        async with db.unit_of_work() as s:
            await lc.resolve(s, sid, w.deputy, now=clock.tick(days=1))
            rated_at = clock.tick(hours=1)
            sug = await lc.rate(
                s, sid, w.resident, now=rated_at, satisfaction="unsatisfied", comment="没修好"
            )
        assert (sug.status, sug.reopen_count, sug.resolved_at) == (S.REOPENED, round_, None)
        assert sug.resolution_due == DEADLINES.resolution_due(rated_at)
        expected = w.deputy.id if round_ <= 2 else None
        assert sug.assignee_deputy_id == expected, round_
    async with db.unit_of_work() as s:  # now it is staff's: the deputy cannot touch it
        with pytest.raises(LifecycleError, match="not_assigned_to_you"):
            await lc.resolve(s, sid, w.deputy, now=clock.tick(hours=1))
        await lc.resolve(s, sid, w.staff, now=clock.now)
        sug = await lc.rate(s, sid, w.resident, now=clock.tick(hours=1), satisfaction="basic")
    assert sug.status is S.CLOSED and sug.satisfaction is Satisfaction.BASIC


async def test_followup_after_a_staff_answer_returns_to_staff(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sid = (await new_suggestion(s, w)).id
        await lc.request_info(s, sid, w.staff, now=T0 + timedelta(hours=1), text="具体哪个路口？")
        sug = await lc.add_followup(s, sid, w.resident, now=T0 + timedelta(hours=2), text="东门")
    assert sug.status is S.NEW and sug.first_response_at == T0 + timedelta(hours=1)


async def test_hand_back_unassigns_with_an_internal_reason(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sid = (await new_suggestion(s, w)).id
        await lc.assign(s, sid, w.staff, now=T0, deputy_id=w.deputy.id)
        sug = await lc.hand_back(s, sid, w.deputy, now=T0, reason="属于另一个村")
        assert (sug.status, sug.assignee_deputy_id) == (S.NEW, None)
        with pytest.raises(LifecycleError, match="not_assigned_to_you"):
            await lc.reply(s, sid, w.deputy, now=T0, text="补充")
        public = [e.kind for e in await lc.public_timeline(s, sid)]
    assert "handed_back" not in public


async def test_escalation_climbs_one_level_at_a_time_and_unassigns(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sid = (await new_suggestion(s, w)).id
        await lc.assign(s, sid, w.staff, now=T0, deputy_id=w.deputy.id)
        sug = await lc.escalate(s, sid, w.staff, now=T0)
        assert (sug.level, sug.status, sug.assignee_deputy_id) == ("home", S.ESCALATED, None)
        with pytest.raises(LifecycleError, match="not_higher"):
            await lc.escalate(s, sid, w.staff, now=T0, to_level="station")
        with pytest.raises(LifecycleError, match="bad_level"):
            await lc.escalate(s, sid, w.staff, now=T0, to_level="province")
        await lc.escalate(s, sid, w.staff, now=T0, to_level="district")
        with pytest.raises(LifecycleError) as top:
            await lc.escalate(s, sid, w.staff, now=T0)
        assert top.value.key == "lifecycle.error.top_level"
        assert "区级" in top.value.render("zh") and "district" in top.value.render("en")
        sug = await lc.assign(s, sid, w.staff, now=T0, deputy_id=w.other_deputy.id)
    assert (sug.status, sug.level) == (S.ASSIGNED, "district")


async def test_duplicates_point_at_the_original(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        first = await new_suggestion(s, w)
        second = await new_suggestion(s, w)
        third = await new_suggestion(s, w)
        await lc.mark_duplicate(s, second.id, w.staff, now=T0, of_ticket=first.ticket)
        await lc.mark_duplicate(s, third.id, w.staff, now=T0, of_ticket="#2026-2")
        assert third.duplicate_of_id == first.id
        with pytest.raises(LifecycleError, match="duplicate_of_self"):
            await lc.mark_duplicate(s, first.id, w.staff, now=T0, of_ticket=first.ticket)
        with pytest.raises(LifecycleError, match="unknown_ticket"):
            await lc.mark_duplicate(s, first.id, w.staff, now=T0, of_ticket="2026-999999")
        reopened = await lc.reopen(s, third.id, w.staff, now=T0)
    assert (reopened.status, reopened.duplicate_of_id) == (S.REOPENED, None)


async def test_reject_close_reopen_and_metadata(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sid = (await new_suggestion(s, w)).id
        await lc.set_priority(s, sid, w.staff, now=T0, priority="urgent")
        await lc.set_category(s, sid, w.staff, now=T0, category_code="urban")
        await lc.set_hotline(s, sid, w.staff, now=T0, number="BJ2026-0310-77")
        with pytest.raises(LifecycleError, match="bad_hotline"):
            await lc.set_hotline(s, sid, w.staff, now=T0, number="12 34; drop")
        with pytest.raises(LifecycleError, match="unchanged"):
            await lc.set_priority(s, sid, w.staff, now=T0, priority="urgent")
        with pytest.raises(LifecycleError, match="unknown_category"):
            await lc.set_category(s, sid, w.staff, now=T0, category_code="weather")
        sug = await lc.reject(s, sid, w.staff, now=T0, reason="属于司法程序，请咨询法院。")
        assert (sug.status, sug.reject_reason) == (S.REJECTED, "属于司法程序，请咨询法院。")
        later = T0 + timedelta(days=20)
        sug = await lc.reopen(s, sid, w.staff, now=later)
        assert (sug.status, sug.reject_reason) == (S.REOPENED, None)
        assert sug.resolution_due == DEADLINES.resolution_due(later)
        sug = await lc.close(s, sid, w.staff, now=later)
        assert (sug.status, sug.closed_at) == (S.CLOSED, later)
        public = [e.kind for e in await lc.public_timeline(s, sid)]
    assert public == ["created", "hotline", "rejected", "reopened", "closed"]


async def test_queries_for_residents_deputies_and_deadlines(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        old = await new_suggestion(s, w, now=T0 - timedelta(days=10))
        fresh = await new_suggestion(s, w, now=T0)
        mine_other = await new_suggestion(s, w, now=T0, resident_id=w.other_resident.id)
        for sug in (old, fresh, mine_other):
            await lc.assign(s, sug.id, w.staff, now=T0, deputy_id=w.deputy.id)
        # old got its first response, so its resolution deadline (later) is what counts now
        await lc.reply(s, old.id, w.deputy, now=T0, text="收到")
    async with db.reading() as s:
        assert (await lc.get_by_ticket(s, " 2026-2 ")).id == fresh.id  # type: ignore[union-attr]
        assert await lc.get_by_ticket(s, "nonsense") is None
        mine = [x.id for x in await lc.list_for_resident(s, w.resident.id)]
        inbox = [x.id for x in await lc.list_for_deputy(s, w.deputy.id)]
        assert await lc.list_for_deputy(s, w.other_deputy.id) == []
        late = [x.id for x in await lc.overdue(s, T0 + timedelta(days=4))]
        later = [x.id for x in await lc.overdue(s, T0 + timedelta(days=6))]
    assert mine == [fresh.id, old.id]
    # fresh/mine_other: first response due 13 Mar; old: resolution due 10+15 → 16 Mar
    assert inbox == [fresh.id, mine_other.id, old.id]
    assert late == [fresh.id, mine_other.id] and later == [fresh.id, mine_other.id, old.id]


async def test_count_today_follows_the_district_day(db: Database) -> None:
    w = await build_world(db)
    tz = DEADLINES.tz
    midnight = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 00:00 11 March in Miyun
    async with db.unit_of_work() as s:
        await new_suggestion(s, w, now=midnight - timedelta(minutes=1))
        await new_suggestion(s, w, now=midnight)
        await new_suggestion(s, w, now=midnight + timedelta(hours=20))
        await new_suggestion(s, w, now=midnight, resident_id=w.other_resident.id)
    async with db.reading() as s:
        assert await lc.count_today(s, w.resident.id, midnight - timedelta(minutes=1), tz) == 1
        assert await lc.count_today(s, w.resident.id, midnight + timedelta(hours=21), tz) == 2


def test_errors_render_in_both_languages() -> None:
    err = LifecycleError("not_allowed", ticket="2026-000001", action="rate", status="assigned")
    assert err.render("zh") == "工单 2026-000001 当前状态为「已交办」，不能「评价」。"
    assert err.render("en") == "Ticket 2026-000001 is “Assigned” now, so you cannot rate it."


async def test_what_each_actor_may_see_and_do(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sug = await new_suggestion(s, w)
        await lc.assign(s, sug.id, w.staff, now=T0, deputy_id=w.deputy.id)
        await lc.reply(s, sug.id, w.deputy, now=T0, text="收到，正在联系。")
    assert lc.may_view(sug, w.staff) and lc.may_view(sug, w.deputy) and lc.may_view(sug, w.resident)
    assert not lc.may_view(sug, w.other_deputy) and not lc.may_view(sug, w.other_resident)
    assert lc.allowed_actions(sug, w.deputy) == [
        "reply", "note", "request_info", "hand_back", "resolve",
    ]
    assert lc.allowed_actions(sug, w.resident) == ["add_followup"]
    assert lc.allowed_actions(sug, w.other_deputy) == []
    assert "rate" not in lc.allowed_actions(sug, w.resident)
    assert {"assign", "reject", "escalate", "close"} <= set(lc.allowed_actions(sug, w.staff))
