"""Staff see the whole conversation: 📜 on the card opens the ticket's timeline (public and
internal, in order, with who and when, a page at a time), and what the deputy answers and the
resident adds arrives beside the card as a reply to it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from triage_world import (
    DEPUTY_A,
    STAFF_A,
    card_of,
    link_deputies,
    new_ticket,
    press_on,
    shown,
    station_with_two_deputies,
)

import storage.lifecycle as lc
from locales import t
from storage.models import Resident
from storage.roles import Actor

pytestmark = pytest.mark.e2e

Z = "zh"


async def _replies_to(env: Any, message_id: int) -> list[Any]:
    await env.settle()
    return [m for m in env.staff_group.messages()
            if (m.raw.get("reply_to_message") or {}).get("message_id") == message_id]


async def test_deputy_answers_and_follow_ups_appear_beside_the_card(env: Any) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, _ = await link_deputies(env, deputies)
    ticket = await new_ticket(env)
    staff = env.staff_group.member(STAFF_A)
    card = await card_of(env, ticket)
    await staff.reply_to(card.message_id, f"/assign {first.name}")
    await env.staff_group.wait_for()
    deputy = env.user(DEPUTY_A)
    await deputy.wait_for()
    await deputy.press(t(Z, "inbox.button.reply"))
    await deputy.wait_for()
    await deputy.send("您好，已联系镇里，本周内修好路灯。")
    await deputy.wait_for()
    mirrored = await _replies_to(env, card.message_id)
    assert [m.text for m in mirrored] == [
        shown(Z, "cards.mirror.reply", name=first.name, ticket=ticket.ticket)
        + "\n您好，已联系镇里，本周内修好路灯。"]

    resident = ticket.resident
    await resident.wait_for()  # the deputy's answer, with a 💬 Reply button
    await resident.press(t(Z, "cards.button_reply"))
    await resident.wait_for()
    await resident.send("谢谢，晚上七点以后最黑。")
    await resident.wait_for()
    mirrored = await _replies_to(env, card.message_id)
    assert len(mirrored) == 2 and "谢谢，晚上七点以后最黑。" in mirrored[1].text
    assert mirrored[1].text.startswith(shown(Z, "cards.notice.followup", ticket=ticket.ticket,
                                             status=t(Z, "lifecycle.status.new"))[:8])
    assert env.emulator.violations == []


async def test_the_timeline_button_pages_through_every_entry(env: Any) -> None:
    ticket = await new_ticket(env)
    staff = env.staff_group.member(STAFF_A)
    card = await card_of(env, ticket)
    await staff.reply_to(card.message_id, "!先核实路灯归属")
    await env.staff_group.wait_for()
    async with env.db.unit_of_work() as s:  # nine follow-ups, a minute apart
        resident = await s.get(Resident, ticket.resident_id)
        assert resident is not None
        for i in range(9):
            await lc.add_followup(s, ticket.id, Actor.resident(resident.id),
                                  now=env.clock.now() + timedelta(minutes=i + 1), text=f"补充第{i + 1}条")
    await env.settle()
    card = await card_of(env, ticket)
    await press_on(staff, card, t(Z, "triage.button.timeline"))
    await env.settle()
    assert any(shown(Z, "triage.timeline.posted", ticket=ticket.ticket) == a.get("text")
               for a in staff.callback_answers())
    (page,) = [m for m in await _replies_to(env, card.message_id) if m.text.startswith("📜")]
    assert page.text.startswith(shown(Z, "triage.timeline.head", ticket=ticket.ticket, page=1,
                                      pages=2, total=11))
    assert page.text.index(t(Z, "lifecycle.timeline.created")) < page.text.index("先核实路灯归属")
    assert "先核实路灯归属" in page.text and shown(Z, "triage.timeline.internal") in page.text
    assert "补充第6条" in page.text and "补充第7条" not in page.text
    assert page.labels == [t(Z, "triage.timeline.next")]

    await press_on(staff, page, t(Z, "triage.timeline.next"))
    await env.settle()
    (page,) = [m for m in env.staff_group.messages() if m.message_id == page.message_id]
    assert page.text.startswith(shown(Z, "triage.timeline.head", ticket=ticket.ticket, page=2,
                                      pages=2, total=11))
    assert "补充第7条" in page.text and "补充第9条" in page.text
    assert page.labels == [t(Z, "triage.timeline.prev")]

    outsider = env.staff_group.member(9100)
    await press_on(outsider, page, t(Z, "triage.timeline.prev"))
    await env.settle()
    assert outsider.callback_answers()[-1]["show_alert"] is True
    assert env.emulator.violations == []


@pytest.mark.parametrize("env", [{"forum": True}], indirect=True)
async def test_in_a_forum_the_timeline_and_follow_ups_stay_in_the_towns_topic(env: Any) -> None:
    import asyncio

    from sqlalchemy import func, select

    from storage.models import StaffTopic, Suggestion, Town

    for _ in range(200):  # the service creates the topics in the background
        async with env.db.reading() as s:
            made = await s.scalar(select(func.count()).select_from(StaffTopic))
            towns = await s.scalar(select(func.count()).select_from(Town))
        if made == towns:
            break
        await asyncio.sleep(0.05)
    ticket = await new_ticket(env)
    async with env.db.reading() as s:
        row = await s.get(Suggestion, ticket.id)
        assert row is not None and row.card_thread_id is not None
        thread = row.card_thread_id
    staff = env.staff_group.member(STAFF_A)
    card = await card_of(env, ticket)
    await press_on(staff, card, t(Z, "triage.button.timeline"))
    await env.settle()
    in_topic = env.staff_group.messages(thread_id=thread)
    assert [m.message_id for m in in_topic][0] == card.message_id
    assert any(m.text.startswith("📜") for m in in_topic[1:])
    assert env.emulator.violations == []
