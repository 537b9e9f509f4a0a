"""Staff commands in the group that are not replies to a card: /invite and /assign find a deputy
the same way (a number, a code, the name or a unique part of it); /digest and /stats answer in
the group."""

from __future__ import annotations

import re
from typing import Any

import pytest
from triage_world import STAFF_A, card_of, new_ticket, shown

pytestmark = pytest.mark.e2e

Z = "zh"


async def test_invite_and_assign_find_a_deputy_by_a_unique_part_of_the_name(env: Any) -> None:
    staff = env.staff_group.member(STAFF_A)
    await staff.send("/invite 廖一")
    (answer,) = await env.staff_group.wait_for()
    username = env.emulator.world.bot_username
    assert re.search(rf"https://t\.me/{username}\?start=inv_\S+", answer.text), answer.text
    assert "示例代表·廖一" in answer.text and "<bot>" not in answer.text

    await staff.send("/invite 示例代表·廖")
    (several,) = await env.staff_group.wait_for()
    assert several.text.startswith("有 ") and "示例代表·廖一（" in several.text

    ticket = await new_ticket(env)
    card = await card_of(env, ticket)
    await staff.reply_to(card.message_id, "/assign 廖一")
    (done,) = await env.staff_group.wait_for()
    assert done.text == shown(Z, "triage.done.assigned_unlinked", name="示例代表·廖一",
                              ticket=ticket.ticket)
    assert env.emulator.violations == []


async def test_digest_and_stats_answer_in_the_group(env: Any) -> None:
    first = await new_ticket(env)
    await new_ticket(env, user_id=1002)
    staff = env.staff_group.member(STAFF_A)
    card = await card_of(env, first)
    await staff.reply_to(card.message_id, "已安排电工明天上门。")  # answered on time
    await env.staff_group.wait_for()
    await env.settle()

    await staff.send("/digest")
    (digest,) = await env.staff_group.wait_for()
    assert digest.text.startswith("📊 2026-11-25 工作简报"), digest.text
    assert "新收意见建议（近 24 小时）：2" in digest.text and "在办总数：2" in digest.text

    await staff.send("/stats")
    (stats,) = await env.staff_group.wait_for()
    assert stats.text.startswith("📈 三率统计（截至 2026-11-25）"), stats.text
    assert "意见建议共 2 件，未办结 2 件" in stats.text
    # Only the answered ticket counts for the response rate (the other is not due yet).
    assert "响应率 100.0%，解决率 0.0%，满意率 —" in stats.text
    town_lines = [line for line in stats.text.splitlines() if line.startswith("· ")]
    assert len(town_lines) == 1 and "：2 件（未办结 2）" in town_lines[0]

    outsider = env.staff_group.member(9100)
    await outsider.send("/stats")
    (no,) = await env.staff_group.wait_for()
    assert no.text == shown(Z, "triage.not_staff")
    assert env.emulator.violations == []
