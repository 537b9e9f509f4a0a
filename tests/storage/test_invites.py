"""Invitations: single-use, expiring, one Telegram account per deputy, errors in the catalogue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lifecycle_world import T0, build_world
from sqlalchemy import select

from locales import catalogue, t
from storage import Database
from storage.invites import (
    InviteError,
    create_deputy_invite,
    create_staff_invite,
    looks_like_invite,
    redeem_invite,
)
from storage.models import AuditEntry, Deputy, Staff
from storage.roles import deputy_actor, staff_actor

ALICE, BOB = 7_000_001, 7_000_002


async def test_a_deputy_invitation_works_once(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        invite = await create_deputy_invite(s, "测试代表1", created_by=None, now=T0)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", invite.code) and len(invite.code) <= 48
    assert looks_like_invite(invite.code) and not looks_like_invite("hello")
    assert invite.expires_at == T0 + timedelta(days=7)
    async with db.unit_of_work() as s:
        deputy = await redeem_invite(s, invite.code, ALICE, now=T0 + timedelta(hours=1))
        assert isinstance(deputy, Deputy) and deputy.id == w.deputy.id
        assert await deputy_actor(s, ALICE) == w.deputy
    async with db.unit_of_work() as s:
        with pytest.raises(InviteError) as used:
            await redeem_invite(s, invite.code, BOB, now=T0 + timedelta(hours=2))
    assert used.value.key == "lifecycle.invite.used"
    async with db.reading() as s:
        assert await deputy_actor(s, BOB) is None
        audit = [a.action for a in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        details = [a.details for a in await s.scalars(select(AuditEntry))]
    assert audit == ["invite.create_deputy", "invite.redeem_deputy"]
    assert str(ALICE) not in str(details)


@pytest.mark.parametrize("ref", ["D2", "测试代表2", "id", "代表2", " 表2 "])
async def test_deputies_are_found_by_id_code_name_or_a_unique_part(db: Database, ref: str) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        invite = await create_deputy_invite(
            s, str(w.other_deputy.id) if ref == "id" else ref, created_by=None, now=T0
        )
    assert invite.deputy_id == w.other_deputy.id


async def test_refusals_change_nothing_and_have_catalogue_texts(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        s.add(Deputy(code="D9", name="测试代表1", level="town"))  # a namesake
    cases = {"无此人": "unknown_deputy", "测试代表1": "ambiguous_deputy",
             "测试代表": "ambiguous_deputy",
             str(w.retired_deputy_id): "inactive_deputy"}
    for ref, key in cases.items():
        async with db.unit_of_work() as s:
            with pytest.raises(InviteError) as refused:
                await create_deputy_invite(s, ref, created_by=None, now=T0)
        assert refused.value.key == f"lifecycle.invite.{key}"
        for locale in ("zh", "en"):
            assert t(locale, refused.value.key, **refused.value.fields)
    async with db.unit_of_work() as s:
        expiring = await create_deputy_invite(
            s, "D1", created_by=None, now=T0, ttl=timedelta(hours=1)
        )
    for code, when, key in [
        ("inv_" + "x" * 32, T0, "unknown"),
        ("not a code", T0, "unknown"),
        (expiring.code, T0 + timedelta(hours=1), "expired"),
    ]:
        async with db.unit_of_work() as s:
            with pytest.raises(InviteError) as refused:
                await redeem_invite(s, code, ALICE, now=when)
        assert refused.value.key == f"lifecycle.invite.{key}"
        assert refused.value.key in catalogue("en")
    async with db.reading() as s:
        assert await deputy_actor(s, ALICE) is None


async def test_one_account_per_deputy(db: Database) -> None:
    await build_world(db)
    async with db.unit_of_work() as s:
        first = await create_deputy_invite(s, "D1", created_by=None, now=T0)
        second = await create_deputy_invite(s, "D2", created_by=None, now=T0)
        relink = await create_deputy_invite(s, "D1", created_by=None, now=T0)
        await redeem_invite(s, first.code, ALICE, now=T0)
    async with db.unit_of_work() as s:
        with pytest.raises(InviteError, match="account_taken"):
            await redeem_invite(s, second.code, ALICE, now=T0)
    async with db.unit_of_work() as s:  # a new phone: D1's fresh invitation moves the link
        await redeem_invite(s, relink.code, BOB, now=T0)
    async with db.reading() as s:
        d1 = await s.scalar(select(Deputy).where(Deputy.code == "D1"))
        assert d1 is not None and d1.telegram_user_id == BOB
        assert await deputy_actor(s, ALICE) is None


async def test_a_staff_invitation_makes_staff(db: Database) -> None:
    w = await build_world(db)
    async with db.unit_of_work() as s:
        invite = await create_staff_invite(s, created_by=9000, now=T0)
        assert invite.deputy_id is None
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "invite.create_staff"))
        assert audit is not None and audit.actor_id == w.staff.id  # created_by is that staff member
    async with db.unit_of_work() as s:
        assert await staff_actor(s, BOB) is None
        staff = await redeem_invite(s, invite.code, BOB, now=T0, display_name="新同事")
        assert isinstance(staff, Staff) and staff.display_name == "新同事"
        assert await staff_actor(s, BOB) is not None
