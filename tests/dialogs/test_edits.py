"""Edited messages end to end: an edit is applied as an edit (the resident's copy edited in
place, marked 「（已修改）」) or answered with one sentence — never a second answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from suggest_world import TICKET, resident_with_station, write_until_preview
from triage_world import (
    DEPUTY_A,
    STAFF_A,
    STAFF_B,
    card_of,
    link_deputies,
    new_ticket,
    press_on,
    shown,
    station_with_two_deputies,
    stored,
)

from locales import t
from storage.models import Suggestion, SuggestionStatus, TimelineEntry

Z = "zh"


async def _answer(env: Any, ticket: Any, text: str) -> tuple[Any, int]:
    """Staff answer on the card; returns the staff member and the id of their message."""
    staff = env.staff_group.member(STAFF_B)
    await staff.reply_to((await card_of(env, ticket)).message_id, text)
    (answer,) = await ticket.resident.wait_for()
    assert text in answer.text
    await env.settle()
    return staff, staff.own_message_ids()[-1]


async def test_staff_correcting_a_typo_edits_the_residents_copy_in_place(env: Any) -> None:
    ticket = await new_ticket(env, 1201)
    staff, mine = await _answer(env, ticket, "您好，路灯已保修，三天内修好。")
    (before,) = ticket.resident.messages()

    await staff.edit(mine, "您好，路灯已报修，三天内修好。")
    await ticket.resident.wait_until(lambda ms: "已报修" in (ms[-1].text or ""))
    await env.settle()
    (after,) = ticket.resident.messages()  # still one message: the same one, edited
    assert after.message_id == before.message_id and after.edited
    assert "已保修" not in after.text and after.text.endswith(t(Z, "cards.edited_mark"))
    assert after.labels == before.labels  # the reply and timeline buttons stay
    told = env.staff_group.messages()[-1]
    assert told.text == shown(Z, "common.edit_applied", ticket=ticket.ticket)
    _, entries = await stored(env, ticket.id)
    assert [e.text for e in entries if e.kind == "reply"] == ["您好，路灯已报修，三天内修好。"]
    assert env.emulator.violations == []


async def test_an_edited_note_stays_internal_and_a_command_edit_is_not_applied(env: Any) -> None:
    ticket = await new_ticket(env, 1202)
    staff = env.staff_group.member(STAFF_A)
    card = await card_of(env, ticket)
    await staff.reply_to(card.message_id, "!先核实是哪几盏灯")
    await env.settle()
    note = staff.own_message_ids()[-1]
    await staff.reply_to(card.message_id, "/reject 不属于本站范围")
    await env.settle()
    command = staff.own_message_ids()[-1]
    group_before = len(env.staff_group.messages())

    await staff.edit(note, "!先核实是哪三盏灯")
    await staff.edit(command, "/reject 重复提交")
    await env.settle()
    texts = [m.text for m in env.staff_group.messages()[group_before:]]
    assert shown(Z, "common.edit_recorded", ticket=ticket.ticket) in texts
    assert shown(Z, "common.edit_not_forwarded") in texts
    row, entries = await stored(env, ticket.id)
    assert [e.text for e in entries if e.kind == "note"] == ["先核实是哪三盏灯"]
    assert row.status is SuggestionStatus.REJECTED and row.reject_reason == "不属于本站范围"
    assert all("核实" not in (m.text or "") for m in ticket.resident.messages())
    assert env.emulator.violations == []


async def test_a_resident_editing_what_was_already_sent_gets_one_sentence(env: Any) -> None:
    user, _ = await resident_with_station(env, 1203, Z)
    await write_until_preview(env, user, Z, ["路口的路灯坏了"], photos=0, share=False)
    await user.press(t(Z, "suggest.button_confirm"))
    (done,) = await user.wait_for()
    number = TICKET.search(done.text).group(1)  # type: ignore[union-attr]
    await env.settle()
    group_before = len(env.staff_group.messages())
    chat = user.view.chat_id
    text_message = next(i for i in user.own_message_ids()
                        if env.emulator.world.messages[(chat, i)].data.get("text") == "路口的路灯坏了")

    await user.edit(text_message, "路口的路灯和井盖都坏了")
    (said,) = await user.wait_for()
    assert said.text == shown(Z, "common.edit_not_forwarded")
    await env.settle()
    async with env.db.reading() as s:
        row = await s.scalar(select(Suggestion).where(Suggestion.ticket == number))
        assert row is not None and row.text == "路口的路灯坏了"
        entries = (await s.scalars(select(TimelineEntry).where(
            TimelineEntry.suggestion_id == row.id))).all()
    assert [e.kind for e in entries] == ["created"]
    assert len(env.staff_group.messages()) == group_before  # staff heard nothing of it
    assert [m.text for m in user.messages()].count(said.text) == 1  # one sentence, once
    assert env.emulator.violations == []


async def test_a_deputy_correcting_their_answer_edits_the_residents_copy(env: Any) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, _ = await link_deputies(env, deputies)
    deputy = env.user(DEPUTY_A)
    ticket = await new_ticket(env, 1204)
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.button.assign"))
    await env.settle()
    card = await card_of(env, ticket)
    await press_on(staff, card, next(x for x in card.labels if x.startswith(first.name)))
    await env.settle()
    (assigned,) = await deputy.wait_for()
    await press_on(deputy, assigned, t(Z, "inbox.button.reply"))
    await deputy.wait_for()
    await deputy.send("下周二带人去看现场")
    await deputy.wait_for()
    (answer,) = await ticket.resident.wait_for()
    await env.settle()

    await deputy.edit(deputy.own_message_ids()[-1], "下周三带人去看现场")
    await ticket.resident.wait_until(lambda ms: "下周三" in (ms[-1].text or ""))
    (after,) = ticket.resident.messages()
    assert after.message_id == answer.message_id and first.name in after.text
    assert after.text.endswith(t(Z, "cards.edited_mark"))
    (told,) = await deputy.wait_for()
    assert told.text == shown(Z, "common.edit_applied", ticket=ticket.ticket)
    assert env.emulator.violations == []
