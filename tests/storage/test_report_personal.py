"""The personal-data ledger and its audit, and the weekly summary's stamp, on SQLite and
PostgreSQL: who may export, what each row then carries (the name and phone given with the
suggestion, else the resident's; nothing of a forgotten resident), one audit entry per export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from test_report import FIRST, LAST, NOW, TZ, _build

from storage import Database
from storage.models import AuditEntry, Resident, Staff, Suggestion
from storage.report import ReportScope, ledger_rows
from storage.report_group import mark_weekly_sent, staff_group_ids, weekly_sent
from storage.report_personal import (
    AUDIT_ACTION,
    ExportRefused,
    add_personal_columns,
    audit_personal_export,
    export_actor,
)

ADMIN, CLERK = 7001, 7002


async def test_who_may_export_personal_data(db: Database) -> None:
    async with db.unit_of_work() as s:
        s.add_all([Staff(telegram_user_id=ADMIN), Staff(telegram_user_id=CLERK),
                   Staff(telegram_user_id=7003, active=False)])
    admins = frozenset({ADMIN, 7003, 7004})
    async with db.reading() as s:
        actor = await export_actor(s, ADMIN, admins)
        assert actor.kind.value == "staff" and actor.id is not None
        for who, key in ((None, "actor_required"), (7004, "actor_unknown"),
                         (7003, "actor_unknown"), (CLERK, "not_admin")):
            with pytest.raises(ExportRefused) as refused:
                await export_actor(s, who, admins)
            assert refused.value.key == f"report.personal.{key}"


async def test_the_ledger_with_names_phones_and_texts_and_its_audit(db: Database) -> None:
    await _build(db)
    async with db.reading() as s:
        tickets = [r["ticket"] for r in await ledger_rows(s, FIRST, LAST, TZ, ReportScope(None))]
    assert len(tickets) >= 3
    async with db.unit_of_work() as s:
        s.add(Staff(telegram_user_id=ADMIN))
        alice = Resident(telegram_user_id=5001, chat_id=5001, display_name="张三", phone="139")
        gone = Resident(telegram_user_id=5002, chat_id=5002, display_name="李四", phone="138",
                        forgotten_at=NOW)
        s.add_all([alice, gone])
        await s.flush()
        first, second, third = (await s.scalars(
            select(Suggestion).where(Suggestion.ticket.in_(tickets[:3]))
            .order_by(Suggestion.ticket))).all()
        first.resident_id, first.text = alice.id, "路灯坏了"
        second.resident_id, second.contact_name, second.contact_phone = alice.id, "王五", "137"
        third.resident_id = gone.id
    async with db.unit_of_work() as s:
        ledger = await ledger_rows(s, FIRST, LAST, TZ, ReportScope(None))
        assert not {"resident_name", "resident_phone", "suggestion_text"} & set(ledger[0])
        rows = {r["ticket"]: r for r in await add_personal_columns(s, ledger)}
        assert len(rows) == len(ledger)
        person = {k: (r["resident_name"], r["resident_phone"]) for k, r in rows.items()}
        assert person[first.ticket] == ("张三", "139")
        assert rows[first.ticket]["suggestion_text"] == "路灯坏了"
        assert person[second.ticket] == ("王五", "137")  # given with the suggestion
        assert person[third.ticket] == ("", "")  # forgotten: nothing left to show
        actor = await export_actor(s, ADMIN, frozenset({ADMIN}))
        audit_personal_export(s, actor, first=FIRST, last=LAST, scope="town:110000001",
                              path="/" + "x" * 80 + "/ledger.xlsx", rows=len(rows), now=NOW)
    async with db.reading() as s:
        (entry,) = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == AUDIT_ACTION))).all()
    assert entry.actor_id == actor.id and entry.at == NOW
    assert entry.details["scope"] == "town:110000001" and entry.details["rows"] == len(rows)
    assert entry.details["first"] == FIRST.isoformat() and entry.details["last"] == LAST.isoformat()
    assert str(entry.details["path"]).endswith("/ledger.xlsx") and len(entry.details["path"]) <= 48


async def test_the_weekly_stamp_is_per_group_and_week(db: Database) -> None:
    monday = date(2026, 11, 23)
    async with db.unit_of_work() as s:
        assert not await weekly_sent(s, -100, monday)
        mark_weekly_sent(s, -100, monday, NOW)
    async with db.reading() as s:
        assert await weekly_sent(s, -100, monday)
        assert not await weekly_sent(s, -200, monday)
        assert not await weekly_sent(s, -100, monday + timedelta(days=7))
        assert await staff_group_ids(s, -100) == [-100]
        assert await staff_group_ids(s, None) == []
