"""The deputy's side, end to end: invitation, /inbox, asking for more, handing back, and nothing
of a ticket that is not theirs."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from triage_world import (
    DEPUTY_A,
    DEPUTY_B,
    STAFF_A,
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
from storage.models import Deputy, SuggestionStatus

Z = "zh"
LINK = re.compile(r"https://t\.me/\S+\?start=(inv_[A-Za-z0-9_-]{32})")


async def _assign(env, ticket, deputy_name: str) -> None:
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.button.assign"))
    await env.settle()
    card = await card_of(env, ticket)
    label = next(x for x in card.labels if x.startswith(deputy_name))
    await press_on(staff, card, label)
    await env.settle()


async def test_an_invitation_links_a_deputy_once(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    staff = env.staff_group.member(STAFF_A)
    await staff.send(f"/invite {deputies[0].code}")
    (answer,) = await env.staff_group.wait_for()
    code = LINK.search(answer.text)
    assert code is not None and deputies[0].name in answer.text, answer.text

    deputy = env.user(DEPUTY_A)
    await deputy.send(f"/start {code.group(1)}")
    (linked,) = await deputy.wait_for()
    assert linked.text == shown(Z, "inbox.linked_deputy", name=deputies[0].name, count=0)
    someone = env.user(DEPUTY_B)
    await someone.send(f"/start {code.group(1)}")
    (refused,) = await someone.wait_for()
    assert refused.text == shown(Z, "lifecycle.invite.used")
    async with env.db.reading() as s:
        accounts = dict((await s.execute(select(Deputy.id, Deputy.telegram_user_id))).all())
    assert accounts[deputies[0].id] == DEPUTY_A and DEPUTY_B not in accounts.values()

    await deputy.send("/inbox")
    (inbox,) = await deputy.wait_for()
    assert inbox.text == shown(Z, "inbox.empty")
    await someone.send("/inbox")
    (stranger,) = await someone.wait_for()
    assert stranger.text == shown(Z, "inbox.not_deputy")
    outsider = env.staff_group.member(9100)
    await outsider.send(f"/invite {deputies[1].code}")
    (no,) = await env.staff_group.wait_for()
    assert no.text == shown(Z, "triage.not_staff")
    assert env.emulator.violations == []


async def test_a_deputy_cannot_see_or_answer_a_ticket_not_theirs(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, second = await link_deputies(env, deputies)
    deputy_a, deputy_b = env.user(DEPUTY_A), env.user(DEPUTY_B)  # both opened the bot
    mine = await new_ticket(env, 1101, text="我的问题：小区门口积水")
    await _assign(env, mine, first.name)
    (pushed,) = await deputy_a.wait_for()

    await deputy_b.send("/inbox")
    (empty,) = await deputy_b.wait_for()
    assert empty.text == shown(Z, "inbox.empty")
    for action in ("op", "rp", "in", "hb", "rs", "rn"):
        await deputy_b.press_data(f"dep:{action}:{mine.id}", empty.message_id)
    await env.settle()
    answers = deputy_b.callback_answers()
    refusal = shown(Z, "lifecycle.error.not_assigned_to_you", ticket=mine.ticket)
    assert [a.get("text") for a in answers] == [refusal] * 6
    assert all("积水" not in (m.text or "") for m in deputy_b.messages())
    await deputy_b.send("就这样吧")  # no dialog step was opened for them
    await env.settle()
    row, entries = await stored(env, mine.id)
    assert row.status is SuggestionStatus.ASSIGNED and [e.kind for e in entries] == [
        "created", "assigned"]
    assert mine.resident.messages() == []
    assert pushed.text and "积水" in pushed.text
    assert env.emulator.violations == []


async def test_ask_for_more_then_hand_back_and_inbox_order(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, _ = await link_deputies(env, deputies)
    deputy = env.user(DEPUTY_A)
    a = await new_ticket(env, 1102, share=False, text="第一件：路面坑洼")
    b = await new_ticket(env, 1103, text="第二件：垃圾清运")
    await _assign(env, b, first.name)
    env.clock.advance(timedelta(hours=1))
    await _assign(env, a, first.name)
    await deputy.wait_for(2)
    anonymous = [m for m in deputy.messages() if a.ticket in (m.text or "")][0]
    assert shown(Z, "inbox.anonymous") in anonymous.text and "王小明" not in anonymous.text

    await press_on(deputy, anonymous, t(Z, "inbox.button.info"))
    await deputy.wait_for()
    await deputy.send("请问是哪一段路？")
    await deputy.wait_for()
    (asked,) = await a.resident.wait_for()
    assert "哪一段路" in asked.text

    await deputy.send("/inbox")
    (inbox,) = await deputy.wait_for()
    # a was answered (its resolution is due in 15 days), b still waits for a first response
    assert inbox.text.index(b.ticket) < inbox.text.index(a.ticket)
    await deputy.press(t(Z, "inbox.button.open", ticket=b.ticket))
    (opened,) = await deputy.wait_for()
    assert "垃圾清运" in opened.text and "王小明" in opened.text
    await press_on(deputy, opened, t(Z, "inbox.button.back"))
    await deputy.wait_for()
    await deputy.send("不在我的联系范围")
    (done,) = await deputy.wait_for()
    assert done.text == shown(Z, "inbox.done.hand_back", ticket=b.ticket)
    card = await card_shows(env, b, shown(Z, "triage.card.unassigned"))
    assert shown(Z, "lifecycle.status.new") in card.text
    notice = env.staff_group.last()
    assert "不在我的联系范围" in notice.text and notice.reply_to == card.message_id
    assert "不在我的联系范围" not in " ".join(await outbox_texts(env, b.resident.user_id))
    row, _ = await stored(env, b.id)
    assert row.status is SuggestionStatus.NEW and row.assignee_deputy_id is None
    assert env.emulator.violations == []
