"""Staff triage in the group, end to end: the card, its buttons, replies to it, and the whole loop
resident → staff → deputy → resident → card closed."""

from __future__ import annotations

from sqlalchemy import select
from triage_world import (
    DEPUTY_A,
    OUTSIDER,
    STAFF_A,
    STAFF_B,
    audit_actions,
    card_of,
    card_shows,
    link_deputies,
    new_ticket,
    outbox_texts,
    press_on,
    shown,
    station_with_two_deputies,
    stored,
)

from locales import t
from storage.models import Staff, SuggestionStatus, Visibility

Z = "zh"


def tb(key: str, **fields: object) -> str:
    return t(Z, f"triage.button.{key}", **fields)


async def test_card_arrives_with_the_triage_buttons_and_state(env) -> None:
    ticket = await new_ticket(env)
    card = await card_of(env, ticket)
    assert ticket.ticket in card.text and "村口的路灯坏了三盏" in card.text
    assert "王小明" in card.text and "13800138000" in card.text  # the resident consented
    assert shown(Z, "triage.card.unassigned") in card.text
    assert [tb("assign"), tb("category"), tb("priority")] == card.buttons[0]
    assert tb("reopen") not in card.labels  # only what can work now
    assert env.emulator.violations == []


async def test_the_whole_loop_resident_staff_deputy_resident_closed(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, _ = await link_deputies(env, deputies)
    ticket = await new_ticket(env, 1001)
    staff = env.staff_group.member(STAFF_A)
    deputy = env.user(DEPUTY_A)

    card = await card_of(env, ticket)
    await press_on(staff, card, tb("assign"))
    card = await card_shows(env, ticket, ticket.ticket)
    await env.staff_group.wait_until(lambda msgs: any(
        first.name in m.labels for m in msgs if m.message_id == card.message_id))
    card = await card_of(env, ticket)
    await press_on(staff, card, first.name)
    card = await card_shows(env, ticket, shown(Z, "triage.card.assignee", name=first.name))
    assert shown(Z, "lifecycle.status.assigned") in card.text
    assert staff.user_id and any(
        a.get("text", "").startswith(shown(Z, "triage.done.assigned", ticket=ticket.ticket,
                                           name=first.name)[:6])
        for a in staff.callback_answers())

    (pushed,) = await deputy.wait_for()
    assert ticket.ticket in pushed.text and "村口的路灯坏了三盏" in pushed.text
    assert "王小明" in pushed.text  # shared with consent
    await deputy.press(t(Z, "inbox.button.reply"))
    await deputy.wait_for()
    await deputy.send("您好，已联系镇里，本周内修好路灯。")
    (done,) = await deputy.wait_for()
    assert done.text == shown(Z, "inbox.done.reply", ticket=ticket.ticket)

    (answer,) = await ticket.resident.wait_for()
    assert "本周内修好路灯" in answer.text and first.name in answer.text
    card = await card_shows(env, ticket, shown(Z, "lifecycle.status.answered"))

    await deputy.press(t(Z, "inbox.button.resolve"))
    await deputy.wait_for()
    await deputy.press(t(Z, "inbox.button.resolve_now"))
    await deputy.wait_for()
    (resolved,) = await ticket.resident.wait_for()
    assert t(Z, "lifecycle.satisfaction.satisfied") in resolved.labels

    await ticket.resident.press(t(Z, "lifecycle.satisfaction.satisfied"))
    await ticket.resident.wait_for()
    await ticket.resident.press(t(Z, "tracking.button_no_comment"))
    await ticket.resident.wait_for()
    card = await card_shows(env, ticket, shown(Z, "lifecycle.status.closed"),
                            shown(Z, "lifecycle.satisfaction.satisfied"))
    assert tb("assign") not in card.labels and tb("reopen") in card.labels
    row, entries = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.CLOSED
    assert [e.kind for e in entries] == ["created", "assigned", "reply", "resolved", "rating"]
    assert await audit_actions(env, ticket.id) == [
        ("resident", "suggestion.create"), ("staff", "suggestion.assign"),
        ("deputy", "suggestion.reply"), ("deputy", "suggestion.resolve"),
        ("resident", "suggestion.rate"),
    ]
    # one card, edited in place: the group got no other message about this ticket
    texts = [m.text for m in env.staff_group.messages() if ticket.ticket in (m.text or "")]
    assert len([x for x in texts if "📌" in x]) == 1
    assert env.emulator.violations == []


async def test_staff_reply_is_signed_by_the_station_and_notes_stay_internal(env) -> None:
    ticket = await new_ticket(env, 1002)
    card = await card_of(env, ticket)
    staff = env.staff_group.member(STAFF_B)
    await staff.reply_to(card.message_id, "!先核实是哪几盏灯")
    await staff.reply_to(card.message_id, "/note 联系了村委会")
    await env.settle()
    await staff.reply_to(card.message_id, "您好，路灯已报修，三天内修好。")
    (answer,) = await ticket.resident.wait_for()
    assert "三天内修好" in answer.text
    async with env.db.reading() as s:
        station = await s.scalar(select(Staff).where(Staff.telegram_user_id == STAFF_B))
    assert station is not None and station.display_name not in answer.text
    row, entries = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.ANSWERED
    notes = [e for e in entries if e.kind == "note"]
    assert [n.text for n in notes] == ["先核实是哪几盏灯", "联系了村委会"]
    assert all(n.visibility is Visibility.INTERNAL for n in notes)
    to_resident = " ".join(await outbox_texts(env, ticket.resident.user_id))
    assert "核实" not in to_resident and "村委会" not in to_resident
    assert len(ticket.resident.messages()) == 1
    await card_shows(env, ticket, shown(Z, "lifecycle.status.answered"),
                     shown(Z, "triage.card.timeline", count=4))
    assert env.emulator.violations == []


async def test_reject_with_a_template_reason_tells_the_resident_kindly(env) -> None:
    ticket = await new_ticket(env, 1003)
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), tb("reject"))
    await env.settle()
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.reject_button.scope"))
    await env.settle()
    # Nothing is sent yet: the card shows what the resident will receive, and asks.
    preview = await card_of(env, ticket)
    assert ticket.resident.messages() == []
    assert preview.text.startswith(shown(Z, "triage.preview.head", ticket=ticket.ticket,
                                         action=t(Z, "lifecycle.action.reject")))
    assert shown(Z, "triage.reject_reason.scope") in preview.text
    assert preview.labels == [t(Z, "triage.confirm.rej"), t(Z, "triage.button.back")]
    await press_on(staff, preview, t(Z, "triage.confirm.rej"))
    (told,) = await ticket.resident.wait_for()
    assert shown(Z, "triage.reject_reason.scope")[:20] in told.text
    # What the resident got is what the preview showed.
    assert told.text in preview.text
    card = await card_shows(env, ticket, shown(Z, "lifecycle.status.rejected"))
    assert tb("reopen") in card.labels
    row, _ = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.REJECTED
    assert env.emulator.violations == []


async def test_duplicate_by_replying_with_the_original_ticket(env) -> None:
    original = await new_ticket(env, 1004, text="北门的路灯不亮")
    copy = await new_ticket(env, 1005, text="北门路灯坏了")
    staff = env.staff_group.member(STAFF_A)
    card = await card_of(env, copy)
    await press_on(staff, card, tb("duplicate"))
    await env.settle()
    hint = staff.callback_answers()[-1]
    assert hint.get("show_alert") and "/dup" in hint.get("text", "")
    await staff.reply_to(card.message_id, "/dup 2099-000001")
    await env.settle()
    assert "2099-000001" in env.staff_group.last().text  # unknown ticket: said, nothing changed
    await staff.reply_to(card.message_id, f"/dup {original.ticket}")
    (told,) = await copy.resident.wait_for()
    assert original.ticket in told.text
    await card_shows(env, copy, shown(Z, "triage.card.duplicate", ticket=original.ticket))
    row, _ = await stored(env, copy.id)
    assert row.status is SuggestionStatus.DUPLICATE and row.duplicate_of_id == original.id
    assert original.resident.messages() == []
    assert env.emulator.violations == []


async def test_escalate_and_hotline(env) -> None:
    ticket = await new_ticket(env, 1006)
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), tb("escalate"))
    await env.settle()
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.confirm.esc"))
    (told,) = await ticket.resident.wait_for()
    assert ticket.ticket in told.text
    card = await card_shows(env, ticket, shown(Z, "lifecycle.status.escalated"),
                            t(Z, "lifecycle.level.home"))
    await staff.reply_to(card.message_id, "/hotline 12345-0001")
    await card_shows(env, ticket, shown(Z, "triage.card.hotline", number="12345-0001"))
    row, _ = await stored(env, ticket.id)
    assert row.level.value == "home" and row.hotline_ticket == "12345-0001"
    assert ("staff", "suggestion.escalate") in await audit_actions(env, ticket.id)
    assert env.emulator.violations == []


async def test_non_staff_and_forged_presses_change_nothing(env) -> None:
    ticket = await new_ticket(env, 1007)
    card = await card_of(env, ticket)
    outsider = env.staff_group.member(OUTSIDER)
    await press_on(outsider, card, tb("assign"))
    await outsider.reply_to(card.message_id, "我来回复居民")
    await env.settle()
    assert outsider.callback_answers()[-1]["text"] == shown(Z, "triage.not_staff")
    assert env.staff_group.last().text == shown(Z, "triage.not_staff_reply")

    staff = env.staff_group.member(STAFF_A)
    for forged in (f"tri:ok:{ticket.id}:zzz", "tri:ad:999999:1", f"tri:ad:{ticket.id}:abc",
                   f"tri:rr:{ticket.id}:nonsense", "tri:as:x", f"tri:cc:{ticket.id}:nope"):
        await staff.press_data(forged, card.message_id)
    await env.settle()
    answers = staff.callback_answers()
    assert len(answers) == 6 and all(a.get("show_alert") for a in answers)
    # a resident pressing a card button in their private chat is not staff either
    private = ticket.resident
    await private.send("/help")
    (helped,) = await private.wait_for()
    await private.press_data(f"tri:ok:{ticket.id}:cls", helped.message_id)
    await env.settle()
    row, entries = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.NEW and row.category_code == "urban"
    assert [e.kind for e in entries] == ["created"]
    assert ticket.resident.messages()[-1].message_id == helped.message_id
    assert env.emulator.violations == []


async def test_category_priority_and_assign_by_name(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    ticket = await new_ticket(env, 1008)
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), tb("category"))
    await env.settle()
    await press_on(staff, await card_of(env, ticket), "交通出行")
    await env.settle()
    await press_on(staff, await card_of(env, ticket), tb("priority"))
    await env.settle()
    await press_on(staff, await card_of(env, ticket), t(Z, "lifecycle.priority.urgent"))
    card = await card_shows(env, ticket, "交通出行", t(Z, "lifecycle.priority.urgent"))
    await staff.reply_to(card.message_id, f"/assign {deputies[1].name}")
    card = await card_shows(env, ticket, deputies[1].name)
    row, entries = await stored(env, ticket.id)
    assert (row.category_code, row.priority.value) == ("transport", "urgent")
    assert row.assignee_deputy_id == deputies[1].id
    assert all(e.visibility is Visibility.INTERNAL for e in entries
               if e.kind in ("category", "priority"))
    assert env.emulator.violations == []
