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
