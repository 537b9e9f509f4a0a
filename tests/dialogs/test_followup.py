"""回访 end to end: 30 days after a suggestion was resolved its resident is asked once whether the
problem stayed fixed — "came back" reopens it (the staff card follows, the timeline has the note,
staff see the resident's words beside the card), "still fixed" is recorded; nothing is asked in
quiet hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from suggest_world import shown
from triage_world import card_shows, new_ticket, stored

from dialogs.resident.followup import ask_due
from dialogs.staff.card import refresh_card
from locales import t
from storage import lifecycle
from storage.models import OutboxMessage, OutboxPurpose, Staff, SuggestionStatus
from storage.roles import Actor

D = timedelta(days=1)


async def resolve(env: Any, suggestion_id: int) -> None:
    async with env.db.unit_of_work() as s:
        staff = Staff(telegram_user_id=9001, display_name="staff")
        s.add(staff)
        await s.flush()
        await lifecycle.resolve(s, suggestion_id, Actor.staff(staff.id), now=env.clock.now(),
                                text="路灯已经修好。")
        await refresh_card(s, env.service.services.config, suggestion_id, env.clock.now())
    env.service.services.outbox_signal.set()


async def questions(env: Any, suggestion_id: int) -> int:
    async with env.db.reading() as s:
        rows = await s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.suggestion_id == suggestion_id,
            OutboxMessage.purpose == OutboxPurpose.FOLLOWUP))
        return len(list(rows))


async def asked(env: Any, user: Any) -> Any:
    """Run the follow-up job and wait for the question in the resident's chat."""
    user.view.set_mark()
    assert await ask_due(env.service.services) == 1
    env.service.services.outbox_signal.set()
    (question,) = await user.wait_for(1)
    return question


async def test_came_back_reopens_the_suggestion_and_updates_the_card(env) -> None:
    ticket = await new_ticket(env, 3101)
    await resolve(env, ticket.id)
    await card_shows(env, ticket, t("zh", "lifecycle.status.resolved"))
    env.clock.advance(29 * D)
    assert await ask_due(env.service.services) == 0  # not yet
    env.clock.advance(2 * D)
    question = await asked(env, ticket.resident)
    assert ticket.ticket in question.text and "问题还解决着吗" in question.text
    assert question.labels == [t("zh", "followup.button_fixed"), t("zh", "followup.button_back")]

    await ticket.resident.press(t("zh", "followup.button_back"))
    await ticket.resident.wait_until(
        lambda msgs: any(t("zh", "followup.button_no_comment") in m.labels for m in msgs))
    await ticket.resident.send("路灯又不亮了，三盏都黑着")
    (done,) = await ticket.resident.wait_for(1)
    assert done.text.startswith(shown("zh", "followup.reopened", ticket=ticket.ticket,
                                      due="")[:10])

    row, entries = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.REOPENED and row.followup_answer == "came_back"
    assert (entries[-1].kind, entries[-1].text) == ("followup_came_back", "路灯又不亮了，三盏都黑着")
    await card_shows(env, ticket, t("zh", "lifecycle.status.reopened"))
    await env.staff_group.wait_until(lambda msgs: any(
        ticket.ticket in m.text and "路灯又不亮了" in m.text and "回访" in m.text for m in msgs))

    # The resident's timeline has the note.
    ticket.resident.view.set_mark()
    await ticket.resident.send("/my")
    await ticket.resident.wait_for(1)
    await ticket.resident.press(f"{ticket.ticket} · {t('zh', 'lifecycle.status.reopened')}")
    (timeline,) = await ticket.resident.wait_for(1)
    assert t("zh", "lifecycle.timeline.followup_came_back") in timeline.text
    # Asked once: the job finds nothing more, even a day later.
    env.clock.advance(D)
    assert await ask_due(env.service.services) == 0
    assert await questions(env, ticket.id) == 1
    assert env.emulator.violations == []


async def test_still_fixed_is_recorded_and_never_asked_again(env) -> None:
    ticket = await new_ticket(env, 3102, "en")
    await resolve(env, ticket.id)
    env.clock.advance(31 * D)
    question = await asked(env, ticket.resident)
    assert "still fixed" in question.text
    await ticket.resident.press(t("en", "followup.button_fixed"))
    await ticket.resident.wait_until(lambda msgs: any(
        shown("en", "followup.thanks_fixed", ticket=ticket.ticket) in m.text for m in msgs))
    row, entries = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.RESOLVED and row.followup_answer == "still_fixed"
    assert entries[-1].kind == "followup_fixed"
    # Someone else pressing a forged button is refused and changes nothing.
    stranger = env.user(3199, "en")
    await stranger.send("/start")
    await stranger.wait_for(1)
    await stranger.press_data(f"fu:back:{ticket.id}", question.message_id)
    await env.settle()
    assert [a.get("text") for a in stranger.callback_answers()] == [
        t("en", "common.stale_button")]
    # A second press (the old button) changes nothing more.
    await ticket.resident.press_data(f"fu:back:{ticket.id}", question.message_id)
    await env.settle()
    row, _ = await stored(env, ticket.id)
    assert row.status is SuggestionStatus.RESOLVED and row.followup_answer == "still_fixed"
    env.clock.advance(5 * D)
    assert await ask_due(env.service.services) == 0
    assert await questions(env, ticket.id) == 1
    assert env.emulator.violations == []


async def test_not_asked_in_quiet_hours(env) -> None:
    ticket = await new_ticket(env, 3103)
    await resolve(env, ticket.id)
    # START is 09:00 local: 30 days and 13 hours later it is 22:00, quiet hours.
    env.clock.advance(30 * D + timedelta(hours=13))
    assert await ask_due(env.service.services) == 0
    env.clock.advance(timedelta(hours=8))  # 06:00: still quiet
    assert await ask_due(env.service.services) == 0
    assert await questions(env, ticket.id) == 0
    env.clock.advance(timedelta(hours=2, minutes=5))  # 08:05
    question = await asked(env, ticket.resident)
    assert ticket.ticket in question.text
    assert env.emulator.violations == []
