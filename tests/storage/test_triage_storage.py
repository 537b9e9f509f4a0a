"""Storage behind triage: deadline reminders owed once per stage, the digest's figures and window,
answer templates, cards behind their ticket, and who a ticket can be assigned to."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from lifecycle_world import T0, build_world, new_suggestion

import storage.lifecycle as lc
from storage import Database, outbox
from storage.answer_templates import (
    TemplateError,
    delete_template,
    fill_template,
    list_templates,
    save_template,
)
from storage.assignees import assign_choices, find_deputies
from storage.card_sync import stale_cards
from storage.deadline_watch import REMINDER_LEAD, collect_due_notices
from storage.deadlines import DEFAULT_TZ
from storage.digest import digest_figures, digest_owed, mark_digest_sent
from storage.models import DeputyStation, Satisfaction
from storage.ticket_view import find_by_card, is_overdue, load_ticket_view


async def test_reminders_are_owed_once_before_and_once_at_each_deadline(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        sug = await new_suggestion(s, w)
        await lc.assign(s, sug.id, w.staff, now=T0, deputy_id=w.deputy.id)
    due = sug.first_response_due

    async def owed(at):  # type: ignore[no-untyped-def]
        async with db.unit_of_work() as s:
            return [(n.stage, n.deadline) for n in await collect_due_notices(s, at)]

    assert await owed(T0) == []
    assert await owed(due - REMINDER_LEAD - timedelta(minutes=1)) == []
    assert await owed(due - REMINDER_LEAD + timedelta(minutes=1)) == [("soon", "first_response")]
    assert await owed(due - timedelta(minutes=1)) == []
    assert await owed(due) == [("due", "first_response")]
    assert await owed(due + timedelta(hours=5)) == []
    async with db.unit_of_work() as s:  # a new handler starts afresh
        await lc.assign(s, sug.id, w.staff, now=due, deputy_id=w.other_deputy.id)
    assert await owed(due + timedelta(hours=6)) == [("due", "first_response")]
    async with db.unit_of_work() as s:  # answered: the resolution deadline is next
        answered = await lc.reply(s, sug.id, w.other_deputy, now=due + timedelta(hours=7),
                                  text="已联系")
        resolution = answered.resolution_due
        assert not is_overdue(answered, due + timedelta(hours=7))
    assert await owed(due + timedelta(hours=8)) == []
    assert await owed(resolution - timedelta(hours=1)) == [("soon", "resolution")]
    async with db.unit_of_work() as s:
        await lc.resolve(s, sug.id, w.other_deputy, now=resolution - timedelta(minutes=30))
    assert await owed(resolution + timedelta(days=1)) == []  # resolved: nothing to chase


async def test_digest_figures_and_its_daily_window(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        one = await new_suggestion(s, w)
        two = await new_suggestion(s, w)
        await new_suggestion(s, w, now=T0 - timedelta(days=20))  # old, unassigned, overdue
        await lc.assign(s, one.id, w.staff, now=T0, deputy_id=w.deputy.id)
        await lc.resolve(s, one.id, w.deputy, now=T0 + timedelta(hours=1))
        await lc.rate(s, one.id, w.resident, now=T0 + timedelta(hours=2),
                      satisfaction=Satisfaction.BASIC)
        await lc.reject(s, two.id, w.staff, now=T0, reason="不属于代表履职范围")
    async with db.reading() as s:
        f = await digest_figures(s, T0 + timedelta(hours=3))
    assert (f.new, f.unassigned, f.overdue, f.resolved, f.rated, f.satisfied, f.open) == (
        2, 1, 1, 1, 1, 1, 1)
    at = time(8, 30)
    morning = T0.astimezone(DEFAULT_TZ).replace(hour=8, minute=29)  # local 08:29
    async with db.unit_of_work() as s:
        assert await digest_owed(s, morning, tz=DEFAULT_TZ, at=at) is None
        day = await digest_owed(s, morning + timedelta(minutes=1), tz=DEFAULT_TZ, at=at)
        assert day == "2026-03-10"
        assert await digest_owed(s, morning + timedelta(hours=3), tz=DEFAULT_TZ, at=at) is None
        mark_digest_sent(s, day, morning)
    async with db.reading() as s:
        assert await digest_owed(s, morning + timedelta(minutes=5), tz=DEFAULT_TZ, at=at) is None
        tomorrow = morning + timedelta(days=1, minutes=1)
        assert await digest_owed(s, tomorrow, tz=DEFAULT_TZ, at=at) == "2026-03-11"


async def test_answer_templates_check_placeholders_when_saved(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        await save_template(s, w.staff, "got", "工单 {ticket} 已收到，{station}办理中。")
        await save_template(s, w.staff, "got", "您的工单 {ticket} 已收到（{date}）。")  # replaced
        for name, text, key in (
            ("x", "你好 {name}", "unknown_placeholder"), ("x", "你好 {ticket", "braces"),
            ("x", "{ticket!r}", "unknown_placeholder"), ("带 空格", "你好", "bad_name"),
            ("x", "   ", "empty"),
        ):
            with pytest.raises(TemplateError) as refused:
                await save_template(s, w.staff, name, text)
            assert refused.value.key == f"triage.tpl_error.{key}"
    async with db.unit_of_work() as s:
        (only,) = await list_templates(s)
        assert fill_template(only.text, {"ticket": "2026-000001", "date": "2026-03-10"}) == (
            "您的工单 2026-000001 已收到（2026-03-10）。")
        assert await delete_template(s, w.staff, "got") and not await delete_template(
            s, w.staff, "got")


async def test_cards_behind_their_ticket_are_found_and_caught_up(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        with_card = await new_suggestion(s, w)
        without = await new_suggestion(s, w)
        row = await outbox.enqueue(s, chat_id=-100, method="sendMessage", payload={"text": "c"},
                                   purpose=outbox.OutboxPurpose.STAFF_CARD, suggestion_id=with_card.id, now=T0)
        assert row is not None
        await outbox.mark_sent(s, row.id, now=T0, message_id=77)
    async with db.unit_of_work() as s:
        assert list(await stale_cards(s, T0)) == []
        later = T0 + timedelta(minutes=5)
        await lc.add_followup(s, with_card.id, w.resident, now=later, text="补充一句")
        await lc.add_followup(s, without.id, w.resident, now=later, text="补充一句")
        assert list(await stale_cards(s, later)) == [with_card.id]
        await outbox.enqueue_card_edit(s, suggestion_id=with_card.id, chat_id=-100,
                                       payload={"text": "c2"}, now=later)
        assert list(await stale_cards(s, later)) == []
        assert (await find_by_card(s, -100, 77)).id == with_card.id  # type: ignore[union-attr]
        view = await load_ticket_view(s, with_card.id)
        assert view is not None and view.timeline_count == 2 and view.assignee_name is None


async def test_assignees_station_first_then_by_name(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        s.add_all([DeputyStation(deputy_id=w.other_deputy.id, station_id=w.station_id),
                   DeputyStation(deputy_id=w.retired_deputy_id, station_id=w.station_id)])
    async with db.reading() as s:
        assert [d.id for d in await assign_choices(s, w.station_id)] == [w.other_deputy.id]
        found = await find_deputies(s, "测试代表")
        assert [d.name for d in found] == ["测试代表1", "测试代表2"]  # the retired one is out
        assert [d.name for d in await find_deputies(s, "测试代表2")] == ["测试代表2"]
        assert list(await find_deputies(s, "%")) == []
        assert list(await find_deputies(s, "  ")) == []
