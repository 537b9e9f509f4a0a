"""Deadlines, the daily digest, templates and staff management, end to end with the controllable
clock and the jobs run on demand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from triage_world import (
    DEPUTY_A,
    OUTSIDER,
    STAFF_A,
    card_of,
    card_shows,
    link_deputies,
    new_ticket,
    press_on,
    shown,
    station_with_two_deputies,
)

from locales import t
from storage.models import AuditEntry, Staff

Z = "zh"


async def test_reminders_before_and_at_the_deadline_then_overdue_card_and_digest(env) -> None:
    _, _, deputies = await station_with_two_deputies(env)
    first, _ = await link_deputies(env, deputies)
    deputy = env.user(DEPUTY_A)
    ticket = await new_ticket(env, 1201)
    staff = env.staff_group.member(STAFF_A)
    await press_on(staff, await card_of(env, ticket), t(Z, "triage.button.assign"))
    await env.settle()
    await press_on(staff, await card_of(env, ticket), first.name)
    await deputy.wait_for()  # the ticket itself
    group_before = len(env.staff_group.messages())

    await env.run_jobs()  # 2026-11-25 09:xx: nothing is due yet
    await env.settle()
    assert len(deputy.messages()) == 1

    env.clock.advance(timedelta(days=3))  # 11-28 09:xx: first response due at the end of today
    await env.run_jobs()
    (soon,) = await deputy.wait_for()
    assert soon.text.startswith("⏰") and ticket.ticket in soon.text
    (digest,) = await env.staff_group.wait_for()
    assert shown(Z, "triage.digest", date="2026-11-28", new=0, unassigned=0, overdue=0,
                 resolved=0, rated=0, satisfied=0, rate=t(Z, "triage.digest_no_rate"),
                 open=1) == digest.text
    await env.run_jobs()  # idempotent: no second reminder, no second digest
    await env.settle()
    assert len(deputy.messages()) == 2
    assert len(env.staff_group.messages()) == group_before + 1
    assert shown(Z, "triage.card.overdue") not in (await card_of(env, ticket)).text

    env.clock.advance(timedelta(days=1))  # 11-29 09:xx: overdue
    await env.run_jobs()
    (due,) = await deputy.wait_for()
    assert due.text.startswith("⚠️") and ticket.ticket in due.text
    await card_shows(env, ticket, shown(Z, "triage.card.overdue"))
    await env.run_jobs()
    await env.settle()
    assert len(deputy.messages()) == 3
    async with env.db.reading() as s:
        stamps = await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(["deadline.soon", "deadline.due"])))
    assert stamps == 2
    assert env.emulator.violations == []


async def test_answer_templates_with_placeholders(env) -> None:
    ticket = await new_ticket(env, 1202)
    staff = env.staff_group.member(STAFF_A)
    await staff.send("/templates add bad 您好 {name}")
    (refused,) = await env.staff_group.wait_for()
    assert refused.text == shown(Z, "triage.tpl_error.unknown_placeholder", name="name")
    await staff.send("/templates add got 您好，您的建议 {ticket} 已收到，{station}正在办理。")
    (saved,) = await env.staff_group.wait_for()
    assert saved.text == shown(Z, "triage.tpl_saved", name="got")
    await staff.send("/templates")
    (listing,) = await env.staff_group.wait_for()
    assert "got" in listing.text and "bad" not in listing.text
    card = await card_of(env, ticket)
    await staff.reply_to(card.message_id, "/tpl nosuch")
    (missing,) = await env.staff_group.wait_for()
    assert missing.text == shown(Z, "triage.tpl_missing", name="nosuch")
    await staff.reply_to(card.message_id, "/tpl got")
    (answer,) = await ticket.resident.wait_for()
    assert f"您的建议 {ticket.ticket} 已收到" in answer.text and "{station}" not in answer.text
    assert env.emulator.violations == []


async def test_staff_added_by_an_admin_can_triage_and_removed_cannot(env) -> None:
    ticket = await new_ticket(env, 1203)
    admin = env.staff_group.member(STAFF_A)
    outsider = env.staff_group.member(OUTSIDER)
    await outsider.send(f"/staff add {OUTSIDER}")
    (no,) = await env.staff_group.wait_for()
    assert no.text == shown(Z, "triage.not_staff")
    await admin.send(f"/staff add {OUTSIDER}")
    await env.staff_group.wait_for()
    await press_on(outsider, await card_of(env, ticket), t(Z, "triage.button.priority"))
    await env.settle()
    assert t(Z, "lifecycle.priority.urgent") in (await card_of(env, ticket)).labels
    await outsider.send("/staff add 4242")  # staff, but not an administrator
    (admins_only,) = await env.staff_group.wait_for()
    assert admins_only.text == shown(Z, "triage.staff.admins_only")
    await admin.send(f"/staff remove {OUTSIDER}")
    await env.staff_group.wait_for()
    await press_on(outsider, await card_of(env, ticket), t(Z, "triage.button.back"))
    await env.settle()
    assert outsider.callback_answers()[-1]["text"] == shown(Z, "triage.not_staff")
    async with env.db.reading() as s:
        rows = dict((await s.execute(select(Staff.telegram_user_id, Staff.active))).all())
    assert rows[OUTSIDER] is False and 4242 not in rows
    assert env.emulator.violations == []
