"""What the card and an answer template say: 🆕 only while new, the deadline once, and
``{date}`` the day the resident wrote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from triage_world import STAFF_A, card_of, card_shows, new_ticket, shown

from locales import t

pytestmark = pytest.mark.e2e

Z = "zh"


async def test_new_mark_goes_when_answered_and_the_deadline_shows_once(env: Any) -> None:
    ticket = await new_ticket(env)
    card = await card_of(env, ticket)
    assert card.text.startswith("🆕 ")
    assert card.text.count("期限") == 1  # the first answer's, in the triage lines
    assert shown(Z, "triage.deadline.first_response") in card.text
    staff = env.staff_group.member(STAFF_A)
    await staff.reply_to(card.message_id, "已转交村委会。")
    await env.staff_group.wait_for()
    card = await card_shows(env, ticket, shown(Z, "lifecycle.status.answered"))
    assert not card.text.startswith("🆕") and "🆕" not in card.text
    assert card.text.count("期限") == 1 and shown(Z, "triage.deadline.resolution") in card.text
    assert env.emulator.violations == []


async def test_the_date_placeholder_is_the_day_the_resident_wrote(env: Any) -> None:
    ticket = await new_ticket(env)  # written on Wednesday 25 November 2026
    env.clock.advance(timedelta(days=2))
    staff = env.staff_group.member(STAFF_A)
    await staff.send("/templates add got 您{date}提出的建议已收到。")
    await env.staff_group.wait_for()
    card = await card_of(env, ticket)
    await staff.reply_to(card.message_id, "/tpl got")
    (answer,) = await ticket.resident.wait_for()
    day = t(Z, "cards.day", year=2026, month=11, day=25, weekday=t(Z, "cards.weekday.2"))
    assert f"您{day}提出的建议已收到。" in answer.text, answer.text
    assert env.emulator.violations == []


async def test_resolving_without_words_shows_what_the_resident_gets_first(env: Any) -> None:
    from triage_world import press_on, stored

    from storage.models import SuggestionStatus

    ticket = await new_ticket(env)
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.button.resolve"))
    await env.settle()
    preview = await card_of(env, ticket)
    assert shown(Z, "cards.answer.resolved", ticket=ticket.ticket) in preview.text
    assert shown(Z, "cards.please_rate") in preview.text
    assert shown(Z, "triage.preview.resolve_words") in preview.text
    assert ticket.resident.messages() == []
    row, _ = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.NEW  # nothing happened yet

    await press_on(staff, preview, t(Z, "triage.button.back"))  # changed their mind
    card = await card_shows(env, ticket, shown(Z, "lifecycle.status.new"))
    assert t(Z, "triage.button.resolve") in card.labels and ticket.resident.messages() == []

    await press_on(staff, card, t(Z, "triage.button.resolve"))
    await env.settle()
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.confirm.res"))
    (told,) = await ticket.resident.wait_for()
    assert told.text == preview.text.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
    assert t(Z, "lifecycle.satisfaction.satisfied") in told.labels
    assert env.emulator.violations == []
