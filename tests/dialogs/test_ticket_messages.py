"""A reply to any bot message about a ticket acts on that ticket, like a reply to its card: the
「✍️ 工单…居民补充留言」 notice is the one staff naturally answer."""

from __future__ import annotations

from typing import Any

import pytest
from suggest_world import press_and_wait, send_and_wait
from triage_world import STAFF_A, card_of, new_ticket, shown, stored

from locales import t
from storage.models import Visibility

pytestmark = pytest.mark.e2e

Z = "zh"


async def test_replying_to_a_follow_up_notice_answers_the_resident(env: Any) -> None:
    ticket = await new_ticket(env)
    other = await new_ticket(env, user_id=1002)  # a newer card: the reply must not go there
    user = ticket.resident
    await send_and_wait(user, "/my")
    await press_and_wait(user, f"{ticket.ticket} · {t(Z, 'lifecycle.status.new')}")
    await press_and_wait(user, t(Z, "tracking.button_followup"))
    await send_and_wait(user, "栏杆已经掉下来一段了")
    await env.settle()
    notice = env.staff_group.last()
    assert notice.text.startswith(shown(Z, "cards.notice.followup", ticket=ticket.ticket,
                                        status=t(Z, "lifecycle.status.new")))
    assert notice.message_id != (await card_of(env, ticket)).message_id

    staff = env.staff_group.member(STAFF_A)
    await staff.reply_to(notice.message_id, "已通知村委会今天加固。")
    (done,) = await env.staff_group.wait_for()
    assert ticket.ticket in done.text and other.ticket not in done.text
    await env.settle()
    assert "已通知村委会今天加固。" in user.last().text and ticket.ticket in user.last().text
    await staff.reply_to(notice.message_id, "!村委会电话已记下")
    (noted,) = await env.staff_group.wait_for()
    assert noted.text == shown(Z, "triage.noted", ticket=ticket.ticket)
    _, entries = await stored(env, ticket.id)
    assert [(e.kind, e.visibility) for e in entries][-2:] == [
        ("reply", Visibility.PUBLIC), ("note", Visibility.INTERNAL)]
    _, others = await stored(env, other.id)
    assert [e.kind for e in others] == ["created"]
    assert env.emulator.violations == []


async def test_replying_to_the_bots_own_answer_acts_on_the_ticket_it_names(env: Any) -> None:
    ticket = await new_ticket(env)
    await env.settle()
    staff = env.staff_group.member(STAFF_A)
    await staff.reply_to((await card_of(env, ticket)).message_id, "已安排电工。")
    said = shown(Z, "triage.replied", ticket=ticket.ticket, station="")[:4]
    await env.staff_group.wait_until(lambda msgs: any(said in m.text for m in msgs))
    await env.settle()
    (done,) = [m for m in env.staff_group.messages() if said in m.text and ticket.ticket in m.text]
    await staff.reply_to(done.message_id, "!电工周五上门")
    noted = shown(Z, "triage.noted", ticket=ticket.ticket)
    await env.staff_group.wait_until(lambda msgs: msgs[-1].text == noted)
    _, entries = await stored(env, ticket.id)
    assert [e.text for e in entries if e.kind == "note"] == ["电工周五上门"]
    assert env.emulator.violations == []
