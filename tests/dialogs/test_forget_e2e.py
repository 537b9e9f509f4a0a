"""/forget end to end: a resident onboards, writes a suggestion sharing name and phone, staff
answer on the card, the resident forgets — then no column of any table, no staff card in the
group and no log line holds their name, phone, Telegram id or typed address."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from resident_steps import onboard
from suggest_world import TICKET, write_until_preview
from triage_world import card_of

from locales import t
from storage.models import Suggestion
from tests.storage.whole_database import where_found

pytestmark = pytest.mark.e2e

USER = 731_942_658
NAME, PHONE = "王小明", "+8613800138000"
ADDRESS = "溪翁庄镇金叵罗村3号楼2单元"
ANSWER = "王小明您好，路灯已报修"
SECRETS = (NAME, PHONE, "13800138000", str(USER), ADDRESS)


async def test_forget_leaves_nothing_in_the_database_the_card_or_the_log(
    env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = env.user(USER, "zh-hans", first_name=NAME)
    await onboard(env, user, "zh", address=ADDRESS)
    await write_until_preview(env, user, "zh", ["路口的路灯坏了"], photos=1, share=True)
    await user.press(t("zh", "suggest.button_confirm"))
    (done,) = await user.wait_for()
    number = TICKET.search(done.text).group(1)  # type: ignore[union-attr]
    await env.settle()
    async with env.db.reading() as s:
        from sqlalchemy import select

        suggestion = await s.scalar(select(Suggestion).where(Suggestion.ticket == number))
    assert suggestion is not None
    ticket = type("T", (), {"id": suggestion.id})()
    card = await card_of(env, ticket)
    assert NAME in card.text and PHONE in card.text  # staff saw who it is (with consent)
    await env.staff_group.member(9001).reply_to(card.message_id, ANSWER)
    await user.wait_until(lambda ms: any("路灯已报修" in (m.text or "") for m in ms))
    await env.settle()
    assert len(await where_found(env.db, SECRETS)) >= 5  # the search sees what is stored

    await user.send("/forget")
    await user.wait_for()
    await user.press(t("zh", "privacy.btn_forget"))
    await user.wait_until(lambda ms: ms[-1].text == t("zh", "privacy.forgotten_next"))
    await env.settle()

    assert await where_found(env.db, SECRETS) == []
    card = await card_of(env, ticket)  # the card in the group, as it reads now
    assert number in card.text and NAME not in card.text and PHONE not in card.text
    assert t("zh", "cards.anonymous") in card.text
    async with env.db.reading() as s:
        kept = await s.get(Suggestion, suggestion.id)
    assert kept is not None and kept.text == "路口的路灯坏了" and kept.resident_id is None
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert not [secret for secret in SECRETS if secret in log]
    assert env.emulator.violations == []
