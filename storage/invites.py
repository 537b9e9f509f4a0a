"""Invitations that link a Telegram account to a deputy or to staff: single-use and expiring.

A code is ``inv_`` plus 32 random URL-safe characters (36 in all, within the 48 the column holds
and the 64 a ``t.me/<bot>?start=<code>`` payload allows, alphabet ``[A-Za-z0-9_-]``).
Redeeming links the account; a deputy has one Telegram account, so redeeming a new invitation for
a deputy moves the link to the new account, but an account already linked to *another* deputy is
refused.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .assignees import find_deputies
from .models import Deputy, InviteCode, InviteKind, Staff, utcnow
from .roles import Actor, ensure_staff

__all__ = [
    "InviteError",
    "create_deputy_invite",
    "create_staff_invite",
    "redeem_invite",
    "find_deputy",
    "looks_like_invite",
    "INVITE_PREFIX",
    "DEFAULT_TTL",
]

INVITE_PREFIX = "inv_"
DEFAULT_TTL = timedelta(days=7)
_CODE = re.compile(r"^inv_[A-Za-z0-9_-]{32}$")


class InviteError(Exception):
    """An invitation could not be made or redeemed; ``key`` is a catalogue key."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = f"lifecycle.invite.{key}"
        self.fields: dict[str, object] = fields


def looks_like_invite(payload: str) -> bool:
    """Whether a /start payload is an invitation code (before any database lookup)."""
    return bool(_CODE.match(payload.strip()))


async def find_deputy(session: AsyncSession, deputy_ref: str) -> Deputy:
    """The one deputy ``deputy_ref`` means (see :func:`storage.assignees.find_deputies`, retired
    deputies included so that they are refused by name); refused when none or several match."""
    found = await find_deputies(session, deputy_ref, active_only=False)
    if not found:
        raise InviteError("unknown_deputy", ref=deputy_ref.strip())
    if len(found) > 1:
        names = " / ".join(f"{d.name}（{d.id}）" for d in found)
        raise InviteError("ambiguous_deputy", ref=deputy_ref.strip(), count=len(found),
                          names=names)
    return found[0]


async def _creator(session: AsyncSession, created_by: int | None) -> Actor:
    if created_by is None:
        return Actor.system()
    staff_id = await session.scalar(select(Staff.id).where(Staff.telegram_user_id == created_by))
    return Actor.staff(staff_id) if staff_id is not None else Actor.system()


async def _new_code(session: AsyncSession) -> str:
    while True:
        code = INVITE_PREFIX + secrets.token_urlsafe(24)
        if await session.get(InviteCode, code) is None:
            return code


async def _create(
    session: AsyncSession,
    kind: InviteKind,
    deputy: Deputy | None,
    *,
    created_by: int | None,
    now: datetime | None,
    ttl: timedelta,
) -> InviteCode:
    if ttl <= timedelta(0):
        raise ValueError("an invitation needs a positive lifetime")
    issued = now or utcnow()
    invite = InviteCode(
        code=await _new_code(session),
        kind=kind,
        deputy_id=deputy.id if deputy is not None else None,
        created_by=created_by,
        created_at=issued,
        expires_at=issued + ttl,
    )
    session.add(invite)
    actor = await _creator(session, created_by)
    audit.record(
        session, actor, f"invite.create_{kind.value}", "invite", invite.code[:12], now=issued,
        deputy_id=invite.deputy_id, ttl_hours=int(ttl.total_seconds() // 3600),
    )
    await session.flush()
    return invite


async def create_deputy_invite(
    session: AsyncSession,
    deputy_ref: str,
    *,
    created_by: int | None,
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> InviteCode:
    """An invitation for one deputy (by id, code or exact name); ``created_by`` is the Telegram
    id of the staff member who asked (None from the command line)."""
    deputy = await find_deputy(session, deputy_ref)
    if not deputy.active:
        raise InviteError("inactive_deputy", ref=deputy_ref.strip())
    return await _create(
        session, InviteKind.DEPUTY, deputy, created_by=created_by, now=now, ttl=ttl
    )


async def create_staff_invite(
    session: AsyncSession,
    *,
    created_by: int | None,
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> InviteCode:
    """An invitation that makes whoever redeems it a staff member."""
    return await _create(session, InviteKind.STAFF, None, created_by=created_by, now=now, ttl=ttl)


async def _usable(session: AsyncSession, code: str, now: datetime) -> InviteCode:
    cleaned = code.strip()
    invite = None
    if looks_like_invite(cleaned):
        invite = await session.get(InviteCode, cleaned, with_for_update=True)
    if invite is None:
        raise InviteError("unknown")
    if invite.used_at is not None:
        raise InviteError("used")
    if invite.expires_at <= now:
        raise InviteError("expired")
    return invite


async def _link_deputy(
    session: AsyncSession, invite: InviteCode, telegram_user_id: int
) -> Deputy:
    deputy = await session.get(Deputy, invite.deputy_id) if invite.deputy_id else None
    if deputy is None or not deputy.active:
        raise InviteError("inactive_deputy", ref=str(invite.deputy_id))
    taken = await session.scalar(
        select(func.count()).where(
            Deputy.telegram_user_id == telegram_user_id, Deputy.id != deputy.id
        )
    )
    if taken:
        raise InviteError("account_taken")
    deputy.telegram_user_id = telegram_user_id
    return deputy


async def redeem_invite(
    session: AsyncSession,
    code: str,
    telegram_user_id: int,
    *,
    now: datetime,
    display_name: str = "",
) -> Deputy | Staff:
    """Use an invitation once: returns the Deputy now linked to the account, or (for a staff
    invitation) the Staff row. Errors: unknown, used, expired, account_taken."""
    invite = await _usable(session, code, now)
    role: Deputy | Staff
    if invite.kind is InviteKind.DEPUTY:
        role = await _link_deputy(session, invite, telegram_user_id)
    else:
        role = await ensure_staff(session, telegram_user_id, display_name=display_name)
    invite.used_at = now
    invite.used_by = telegram_user_id
    actor = Actor.deputy(role.id) if isinstance(role, Deputy) else Actor.staff(role.id)
    audit.record(
        session, actor, f"invite.redeem_{invite.kind.value}", "invite", invite.code[:12],
        now=now, deputy_id=invite.deputy_id,
    )
    await session.flush()
    return role
